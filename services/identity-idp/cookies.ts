/**
 * The cookies of the flow, written by hand rather than through Koa's cookie jar: Koa refuses
 * `secure` cookies when it cannot see TLS itself, and these must be Secure whatever sits in front.
 */
import type { ParameterizedContext } from 'koa';

/** RFC 6265bis §4.1.2.7: Strict for the CSRF token, Lax for the session (it must survive the redirect from the authz). */
export type SameSite = 'Strict' | 'Lax';

/**
 * RFC 6265bis §4.1.3.2: a `__Host-` cookie is accepted only when Secure, from a secure origin, with
 * Path=/ and no Domain, so a sibling subdomain or a plain-HTTP response cannot plant or shadow it.
 */
export const SESSION_COOKIE = '__Host-idp_session';
export const CSRF_COOKIE = '__Host-idp_csrf';
/** A login waiting for its second factor (pending-logins.ts). */
export const PENDING_COOKIE = '__Host-idp_pending';

export interface CookieOptions {
  readonly sameSite: SameSite;
  /** Seconds; 0 deletes the cookie. Absent: a browser-session cookie. */
  readonly maxAgeSeconds?: number;
}

/** Adds one Set-Cookie header: Secure, HttpOnly and Path=/ always, never Domain (RFC 6265 §4.1.2.5, §4.1.2.6; `__Host-` needs all three). */
export function setCookie(ctx: ParameterizedContext, name: string, value: string, options: CookieOptions): void {
  const maxAge = options.maxAgeSeconds === undefined ? '' : `; Max-Age=${options.maxAgeSeconds}`;
  ctx.append('Set-Cookie', `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=${options.sameSite}${maxAge}`);
}

/** The value of a cookie the request carried, if any (our values are base64url: no decoding). */
export function readCookie(ctx: ParameterizedContext, name: string): string | undefined {
  for (const pair of ctx.get('Cookie').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}
