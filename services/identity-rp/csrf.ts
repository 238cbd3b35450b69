/**
 * CSRF defence for every state-changing call (OWASP CSRF Prevention Cheat Sheet): besides the
 * SameSite=Strict session cookie, the synchronizer token from `GET /bff/session` must come back in
 * the `X-CSRF-Token` header (a custom header also forces a CORS preflight on cross-site callers),
 * and the Fetch `Origin` header must be this service's own or a console's of `rp.consoleOrigins`
 * (RFC 6454 §7): any other origin is refused with 403 problem+json.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ParameterizedContext } from 'koa';
import { ForbiddenError } from '../template/errors/index.ts';

export const CSRF_HEADER = 'X-CSRF-Token';

/** Methods RFC 9110 §9.2.1 calls safe: they change nothing, so they need no token. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/** Throws ForbiddenError unless the call came from one of `origins` with this session's token. */
export function checkCsrf(ctx: ParameterizedContext, expected: string, origins: readonly string[]): void {
  if (!origins.includes(ctx.get('Origin'))) throw new ForbiddenError('state-changing calls must come from this site or a console origin (Origin)');
  const sent = Buffer.from(ctx.get(CSRF_HEADER));
  const wanted = Buffer.from(expected);
  // Lengths first: timingSafeEqual needs equal lengths, and a length says nothing about the value.
  if (sent.length !== wanted.length || !timingSafeEqual(sent, wanted)) {
    throw new ForbiddenError(`the ${CSRF_HEADER} header is missing or wrong; read it from GET /bff/session`);
  }
}
