/**
 * Gives every request an id that the response, the access log, traces and problem `instance`
 * share, so one support ticket quoting it finds every trace of the request.
 */
import type Koa from 'koa';
import { uuidv7 } from '../database/ids.ts';
import type { RequestState } from '../service.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * An id from a caller or proxy is kept only when it cannot smuggle anything into a log line or a
 * header: short, and drawn from URL-safe characters.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Keeps a safe incoming `X-Request-Id`, else mints a UUIDv7 (time-ordered, so logs sort by it),
 * and sets it on the response before downstream runs: the problem renderer keeps response headers.
 */
export function assignRequestId(ctx: Koa.ParameterizedContext<RequestState>): void {
  const incoming = ctx.get(REQUEST_ID_HEADER);
  const id = SAFE_REQUEST_ID.test(incoming) ? incoming : uuidv7();
  ctx.state.requestId = id;
  ctx.set(REQUEST_ID_HEADER, id);
}

/** assignRequestId as a pipeline step of its own (the admin listener's). */
export function requestId(): Koa.Middleware<RequestState> {
  return async function requestIdStep(ctx, next) {
    assignRequestId(ctx);
    await next();
  };
}
