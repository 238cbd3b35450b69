/**
 * One line per request for operators: what was asked, how it ended and how long it took. It never
 * records headers, query strings or bodies, which is where tokens and secrets travel.
 */
import type Koa from 'koa';
import type { Logger } from 'pino';
import type { RequestState } from '../service.ts';
import { clientAddress } from './client-address.ts';
import { observeRequest } from '../telemetry/request-outcome.ts';

/** Long enough to identify a client library or a route, short enough that a hostile one cannot flood the log. */
const USER_AGENT_MAX = 256;
const PATH_MAX = 2048;

function isPlainData(body: unknown): body is object {
  if (Array.isArray(body)) return true;
  if (typeof body !== 'object' || body === null) return false;
  const prototype: unknown = Object.getPrototypeOf(body);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Koa turns an object body into JSON when it responds, and its `length` getter serializes the body
 * a second time to answer. Serializing plain data here, once, gives the log its length and Koa the
 * very string it would have sent (the media type it already chose stays). Other bodies (streams,
 * buffers, class instances with `toJSON`) are left to Koa.
 */
function serializeJsonBody(ctx: Koa.ParameterizedContext<RequestState>): void {
  const { body } = ctx;
  if (isPlainData(body)) ctx.body = JSON.stringify(body);
}

/** Writes the request's line: called once it finished with its final status, also after an error escaped. */
export function logAccess(logger: Logger, ctx: Koa.ParameterizedContext<RequestState>, status: number, durationMs: number): void {
  serializeJsonBody(ctx);
  const length: unknown = ctx.response.length;
  logger.info(
    {
      requestId: ctx.state.requestId,
      method: ctx.method,
      // ctx.path excludes the query string, where tokens are sometimes (wrongly) sent.
      path: ctx.path.slice(0, PATH_MAX),
      status,
      durationMs: Math.round(durationMs * 1000) / 1000,
      remoteAddress: clientAddress(ctx.ip),
      userAgent: ctx.get('User-Agent').slice(0, USER_AGENT_MAX),
      responseLength: typeof length === 'number' ? length : undefined,
    },
    'request completed',
  );
}

/** Logs one structured line after the request finished, also when an error escaped the pipeline. */
export function accessLog(logger: Logger): Koa.Middleware<RequestState> {
  return async function accessLogStep(ctx, next) {
    await observeRequest(ctx, next, (status, durationMs) => { logAccess(logger, ctx, status, durationMs); });
  };
}
