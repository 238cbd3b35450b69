/**
 * identity-rp's two cookies, written by hand: Koa refuses `secure` cookies when it cannot see TLS
 * itself, and these must be Secure whatever sits in front.
 */
import type { ParameterizedContext } from 'koa';

/**
 * RFC 6265bis §4.1.3.2: a `__Host-` cookie is accepted only when Secure, with Path=/ and no Domain,
 * so a sibling subdomain or a plain-HTTP response cannot plant or shadow it. Strict: no other
 * site can make the browser send it (the first CSRF defence).
 */
export const SESSION_COOKIE = '__Host-rp_session';
/**
 * Binds a login to the browser that started it (RFC 9700 §4.7.1: login CSRF). It must come back
 * on the authz's cross-site redirect to the callback, so it is Lax, and lives ten minutes.
 */
export const LOGIN_COOKIE = '__Host-rp_login';

export interface CookieOptions {
  readonly sameSite: 'Strict' | 'Lax';
  /** Seconds; 0 deletes the cookie. */
  readonly maxAgeSeconds: number;
}

/** One Set-Cookie header: Secure, HttpOnly and Path=/ always, never Domain. */
export function setCookie(ctx: ParameterizedContext, name: string, value: string, options: CookieOptions): void {
  ctx.append('Set-Cookie', `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=${options.sameSite}; Max-Age=${String(options.maxAgeSeconds)}`);
}

export function clearCookie(ctx: ParameterizedContext, name: string, sameSite: CookieOptions['sameSite']): void {
  setCookie(ctx, name, '', { sameSite, maxAgeSeconds: 0 });
}

/** The value of a cookie the request carried, if any (our values are base64url: no decoding). */
export function readCookie(ctx: ParameterizedContext, name: string): string | undefined {
  for (const pair of ctx.get('Cookie').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}
