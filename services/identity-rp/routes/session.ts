/**
 * `GET /bff/session`: who is signed in (`subject`, and `username` when the ID token carries
 * `preferred_username`), the names of the APIs reachable under `/bff/api/`, and the CSRF token the
 * page sends back on every state-changing call. Never a token: those stay on the server.
 */
import { readCookie, SESSION_COOKIE } from '../cookies.ts';
import type { RpHandler } from './context.ts';

/**
 * `preferred_username` of an ID token openid-client validated when it was received (at the
 * callback or a refresh): only its payload is read here.
 */
export function usernameOf(idToken: string): string | undefined {
  const [, payload] = idToken.split('.');
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    const name = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>).preferred_username : undefined;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

export const showSession: RpHandler = async (ctx, rp) => {
  const { row, secrets } = await rp.store.require(readCookie(ctx, SESSION_COOKIE));
  const username = usernameOf(secrets.idToken);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = {
    subject: row.subject,
    ...(username === undefined ? {} : { username }),
    expiresAt: row.expiresAt.toISOString(),
    apis: Object.keys(rp.apis),
    csrfToken: secrets.csrf,
  };
};
