/**
 * `GET /bff/session`: who is signed in and the CSRF token the page sends back on every
 * state-changing call. Never a token: those stay on the server.
 */
import { readCookie, SESSION_COOKIE } from '../cookies.ts';
import type { RpHandler } from './context.ts';

export const showSession: RpHandler = async (ctx, rp) => {
  const { row, secrets } = await rp.store.require(ctx.state.em, readCookie(ctx, SESSION_COOKIE));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { subject: row.subject, expiresAt: row.expiresAt.toISOString(), csrfToken: secrets.csrf };
};
