/**
 * Which web origins identity-rp answers: its own, and the consoles of `rp.consoleOrigins`, which
 * run on another origin of the same site and call `/bff/*` with `credentials: 'include'`. Their
 * exact origins only: no prefixes, no wildcards, no reflection of whatever a request names.
 */
import { BadRequestError } from '../template/errors/index.ts';

/** Longest `return_to` or `returnTo` kept: a URL, not a payload. */
export const MAX_RETURN_URL_LENGTH = 2048;

/**
 * A URL a browser may be sent back to after sign-in or sign-out: absolute, https, of one of the
 * `allowed` origins, without user info. Anything else (a relative or scheme-relative `//evil`
 * path, another host, `https://console.example.evil`, `javascript:`) is 400 problem+json: an open
 * redirect would let any page use the sign-in to send users where it likes (RFC 9700 §4.11).
 */
export function checkReturnUrl(value: unknown, allowed: readonly string[], name: string): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_RETURN_URL_LENGTH || !URL.canParse(value)) {
    throw new BadRequestError(`${name} must be one absolute https URL of this site or of a console origin`);
  }
  const url = new URL(value);
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || !allowed.includes(url.origin)) {
    throw new BadRequestError(`${name} must be an https URL of ${allowed.join(' or ')}`);
  }
  return url.href;
}
