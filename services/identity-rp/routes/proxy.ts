/**
 * `/bff/api/<service>/<path>`: the page's API calls, sent on with the user's access token to the
 * allowlisted API of `<service>` and to nothing else. Request and response headers are copied
 * from fixed lists, so cookies, hop-by-hop headers (RFC 9110 §7.6.1) and anything the page might
 * smuggle never cross; the upstream's status and body (problem+json included) come back as they are.
 */
import { NotFoundError, BadRequestError, ServiceUnavailableError } from '../../template/errors/index.ts';
import { errorClass } from '../../template/middleware/problem-details.ts';
import { readCookie, SESSION_COOKIE } from '../cookies.ts';
import { checkCsrf, isSafeMethod } from '../csrf.ts';
import type { ApiTarget } from '../config.ts';
import { pageOrigins, type RpContext, type RpHandler } from './context.ts';

export const PROXY_PREFIX = '/bff/api/';

/** End-to-end request headers an API call may need; nothing else is forwarded. */
const REQUEST_HEADERS: readonly string[] = ['accept', 'accept-language', 'content-type', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];
/** Response headers the page may see; never Set-Cookie, never hop-by-hop ones. */
const RESPONSE_HEADERS: readonly string[] = ['content-type', 'content-language', 'cache-control', 'etag', 'last-modified', 'location', 'retry-after', 'allow', 'www-authenticate'];

/**
 * `..` or `.` segments, plain or percent-encoded, would let a path climb out of the API's base; an
 * https URL reads `\` as `/`, so it separates segments too.
 */
const DOT_SEGMENT = /(^|[/\\])(\.|%2e){1,2}([/\\]|$)/i;

/** The API a proxied path names and its upstream URL, or a 404/400 problem. */
export function upstreamOf(apis: Readonly<Record<string, ApiTarget>>, path: string, querystring: string): { readonly target: ApiTarget; readonly url: URL } {
  const rest = path.slice(PROXY_PREFIX.length);
  const slash = rest.indexOf('/');
  const service = slash === -1 ? rest : rest.slice(0, slash);
  const target = Object.hasOwn(apis, service) ? apis[service] : undefined;
  if (target === undefined) throw new NotFoundError(`no API named ${JSON.stringify(service)} is reachable through identity-rp`);
  const tail = slash === -1 ? '' : rest.slice(slash);
  if (DOT_SEGMENT.test(tail)) throw new BadRequestError('the API path must not contain dot segments');
  const base = new URL(target.url);
  const url = new URL(`${target.url.replace(/\/+$/, '')}${tail}`);
  // Whatever the parser made of the path, it stays on the API's host and under its base path.
  const basePath = base.pathname.replace(/\/+$/, '');
  if (url.origin !== base.origin || (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))) {
    throw new BadRequestError('the API path must stay under the API\'s base');
  }
  url.search = querystring;
  return { target, url };
}

function bodyOf(body: unknown): Buffer | string | undefined {
  if (body === undefined || Buffer.isBuffer(body)) return body;
  // The template parsed a JSON body; the upstream gets the same JSON.
  return JSON.stringify(body);
}

function forwardedHeaders(ctx: RpContext, token: string): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  for (const name of REQUEST_HEADERS) {
    const value = ctx.get(name);
    if (value !== '') headers[name] = value;
  }
  return headers;
}

export const proxy: RpHandler = async (ctx, rp) => {
  const { target, url } = upstreamOf(rp.apis, ctx.path, ctx.querystring);
  const session = await rp.store.require(readCookie(ctx, SESSION_COOKIE));
  if (!isSafeMethod(ctx.method)) checkCsrf(ctx, session.secrets.csrf, pageOrigins(rp));
  // The token for this API's resource (RFC 8707): got or refreshed first when the session has none fresh.
  const token = await rp.tokens.accessToken(ctx.state.em, session, target.resource);
  const body = bodyOf(ctx.state.body);
  let answer;
  try {
    answer = await rp.fetch(url.href, { method: ctx.method, headers: forwardedHeaders(ctx, token), ...(body === undefined ? {} : { body }) });
  } catch (error) {
    rp.log.warn({ error: errorClass(error), target: url.origin }, 'a proxied API call failed');
    throw new ServiceUnavailableError('the API could not be reached; try again', 1);
  }
  for (const name of RESPONSE_HEADERS) {
    const value = answer.headers[name];
    if (value !== undefined) ctx.set(name, value);
  }
  ctx.status = answer.status;
  ctx.body = answer.body.length === 0 ? null : answer.body;
};
