/**
 * CORS for `/bff/*` (Fetch standard, CORS protocol): a console on an origin of `rp.consoleOrigins`
 * calls identity-rp with `credentials: 'include'`, so its exact origin is echoed with
 * `Access-Control-Allow-Credentials: true` (never `*`, which credentials forbid). Any other origin
 * gets no CORS header at all, and the browser keeps the answer from its page. The session cookie
 * stays SameSite=Strict: a console of the same site (another port of the same host) still sends it.
 */
import type { Middleware } from 'koa';
import type { RequestState } from '../../template/service.ts';
import { CSRF_HEADER } from '../csrf.ts';

export const BFF_PREFIX = '/bff/';

/** What a console may send: the proxy's methods, JSON bodies and the CSRF token header. */
export const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
export const ALLOWED_HEADERS = `content-type, ${CSRF_HEADER.toLowerCase()}`;
/** What its script may read beyond the CORS-safelisted response headers. */
const EXPOSED_HEADERS = 'ETag, Location, Retry-After, WWW-Authenticate, X-Request-Id';
/** How long a browser may cache a preflight answer (Chromium caps it at 2 h). */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

export function bffCors(consoleOrigins: readonly string[]): Middleware<RequestState> {
  const allowed: ReadonlySet<string> = new Set(consoleOrigins);
  return async function bffCorsStep(ctx, next) {
    if (!ctx.path.startsWith(BFF_PREFIX)) {
      await next();
      return;
    }
    // The answer depends on Origin whatever it is: a cache must not hand one origin's to another.
    ctx.vary('Origin');
    const origin = ctx.get('Origin');
    if (!allowed.has(origin)) {
      await next();
      return;
    }
    ctx.set('Access-Control-Allow-Origin', origin);
    ctx.set('Access-Control-Allow-Credentials', 'true');
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '') {
      ctx.set('Access-Control-Allow-Methods', ALLOWED_METHODS);
      ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    await next();
  };
}
