/**
 * The end of a successful login, whichever page finished it: the old session ends, a new one opens
 * with the login's `amr` (OWASP: renew the session id on authentication), and the browser moves on
 * to consent.
 */
import type { IdpUser } from '../entities.ts';
import { SESSION_COOKIE, readCookie, setCookie } from '../cookies.ts';
import type { IdpPages, PageContext } from './context.ts';

/**
 * Opens the session of `user` (flushing the unit of work); the caller answers the browser. A
 * step-up passes the upgraded session's `authTime`: the password was not asked again.
 */
export async function startSession(ctx: PageContext, idp: IdpPages, user: IdpUser, amr: readonly string[], authTime: Date = idp.now()): Promise<void> {
  const { em } = ctx.state;
  await idp.sessions.delete(em, readCookie(ctx, SESSION_COOKIE));
  const token = await idp.sessions.create(em, user, authTime, amr);
  await em.flush();
  setCookie(ctx, SESSION_COOKIE, token, { sameSite: 'Lax', maxAgeSeconds: idp.sessions.ttlSeconds });
}
