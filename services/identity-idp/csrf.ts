/**
 * Cross-site request forgery defence for the cookie-authenticated pages (OWASP CSRF Prevention
 * Cheat Sheet): a double-submit token, a random value both in a SameSite=Strict cookie and in a
 * hidden field, compared in constant time; and the Origin header, when the browser sends one,
 * must be ours (RFC 6454 §7, Fetch "origin" header on every form POST).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ParameterizedContext } from 'koa';
import { ForbiddenError } from '../template/errors/index.ts';
import { CSRF_COOKIE, readCookie, setCookie } from './cookies.ts';

/** 32 random bytes as base64url: the only shape a token we issued can have. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The token for the form about to be rendered: the browser's own one, or a new one set as cookie. */
export function csrfToken(ctx: ParameterizedContext): string {
  const existing = readCookie(ctx, CSRF_COOKIE);
  if (existing !== undefined && TOKEN_SHAPE.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  setCookie(ctx, CSRF_COOKIE, token, { sameSite: 'Strict' });
  return token;
}

/** Throws ForbiddenError unless the post came from one of our forms in this browser. */
export function checkCsrf(ctx: ParameterizedContext, form: URLSearchParams, ownOrigin: string): void {
  const origin = ctx.get('Origin');
  if (origin !== '' && origin !== ownOrigin) {
    throw new ForbiddenError('the form was posted from another site');
  }
  const cookie = Buffer.from(readCookie(ctx, CSRF_COOKIE) ?? '');
  const field = Buffer.from(form.get('csrf') ?? '');
  // Lengths first: timingSafeEqual needs equal lengths, and a length says nothing about the value.
  if (cookie.length === 0 || cookie.length !== field.length || !timingSafeEqual(cookie, field)) {
    throw new ForbiddenError('the form has expired or did not come from this site; go back and try again');
  }
}
