/**
 * Cross-origin access for the browser console (`cors.origins`). Only `/browser/` routes take user
 * tokens from a browser; `/service/` routes are for machines and never answer a CORS request.
 */
import type Koa from 'koa';
import koaCors from '@koa/cors';
import type { RequestState } from '../service.ts';

export const BROWSER_PREFIX = '/browser/';

/** What a browser client may send beyond the CORS-safelisted request headers (DPoP: RFC 9449 proofs). */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Request-Id', 'X-CSRF-Token', 'DPoP'];

/** What script may read from a response: the id to quote in a ticket and the headers errors carry. */
const EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'WWW-Authenticate', 'Location'];

/** How long a browser may cache a preflight answer (Fetch standard caps Chromium at 2 h). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Answers CORS on `/browser/` paths only. An allowed `Origin` is echoed (never `*`, which the Fetch
 * standard forbids with credentials); any other origin gets no CORS headers, so the browser refuses.
 */
export function cors(origins: readonly string[]): Koa.Middleware<RequestState> {
  const browserCors = browserCorsStep(origins);
  return async function corsStep(ctx, next) {
    if (ctx.path.startsWith(BROWSER_PREFIX)) await browserCors(ctx, next);
    else await next();
  };
}

/** The CORS answer of a `/browser/` path, for a step that checks the prefix itself. */
export function browserCorsStep(origins: readonly string[]): Koa.Middleware<RequestState> {
  const allowed: ReadonlySet<string> = new Set(origins);
  const browserCors: Koa.Middleware<RequestState> = koaCors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    credentials: true,
    allowHeaders: ALLOWED_HEADERS,
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    // The problem renderer keeps headers already set, so errors need no copy on the error object.
    keepHeadersOnError: false,
  });
  return browserCors;
}
