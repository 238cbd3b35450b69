/**
 * The token schemes on the wire, `Bearer` (RFC 6750) and `DPoP` (RFC 9449 §7.1): reading the
 * `Authorization` header and the `WWW-Authenticate` challenges that answer a missing, bad or
 * insufficient token.
 */
// @ts-nocheck

import { ForbiddenError, UnauthorizedError } from '../errors/index.ts';

/** RFC 6750 §3: no credentials at all get the bare challenge, without an error code. */
export const NO_TOKEN_CHALLENGE = 'Bearer';
/** RFC 6750 §3.1: the token is expired, revoked, malformed or invalid for other reasons. */
export const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme name is case-insensitive (RFC 9110 §11.1).
// RFC 9449 §7.1: the same syntax with the scheme "DPoP".
const TOKEN_SCHEME = /^(bearer|dpop)(?: |$)/i;
const TOKEN_CREDENTIALS = /^(?:bearer|dpop) +([A-Za-z0-9\-._~+/]+=*)$/i;

export type TokenScheme = 'Bearer' | 'DPoP';

export interface Credentials {
  readonly scheme: TokenScheme;
  readonly token: string;
}

/** The scheme and token of the header; UnauthorizedError when there is none or it is malformed. */
export function accessCredentials(authorization: string | undefined): Credentials {
  const scheme = TOKEN_SCHEME.exec(authorization ?? '')?.[1];
  if (authorization === undefined || scheme === undefined) {
    throw new UnauthorizedError('a bearer access token is required', NO_TOKEN_CHALLENGE);
  }
  const token = TOKEN_CREDENTIALS.exec(authorization)?.[1];
  if (token === undefined) {
    throw new UnauthorizedError('the Authorization header is not a well-formed bearer token', INVALID_TOKEN_CHALLENGE);
  }
  return { scheme: scheme.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token };
}

/** RFC 6750 §3.1 insufficient_scope: 403 naming every scope the operation needs. */
export function insufficientScope(required: readonly string[], missing: readonly string[]): ForbiddenError {
  return new ForbiddenError(`the token lacks the scope ${missing.join(' ')}`, {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${required.join(' ')}"` },
  });
}
