/**
 * From a verified RFC 9068 claims set to a Principal, and from jose's failure codes to a detail a
 * client can act on. Details name what is wrong with the token, never the token itself.
 */
import { errors, type JWTPayload } from 'jose';
import { UnauthorizedError } from '../errors/index.ts';
import type { Principal, TokenKind } from '../service.ts';
import { INVALID_TOKEN_CHALLENGE } from './bearer.ts';

/** RFC 9068 §2.2: the claims every JWT access token carries (iss and aud are checked by value). */
export const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'client_id', 'jti'];

function invalidToken(detail: string): UnauthorizedError {
  return new UnauthorizedError(detail, INVALID_TOKEN_CHALLENGE);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * `gty`, set by identity-authz, names the grant a token came from, and so whom it speaks for:
 * the client itself (`client_credentials`) or a user (`authorization_code`, also after a refresh).
 * The subject is never compared with the client id to decide this (docs/tokens.md).
 */
const KIND_OF_GRANT: ReadonlyMap<unknown, TokenKind> = new Map([
  ['client_credentials', 'service'],
  ['authorization_code', 'browser'],
]);

function kindOf(grantType: unknown): TokenKind {
  if (grantType === undefined) {
    throw invalidToken('the token lacks the gty claim (the grant type it was issued for), so it cannot be told to be a service or a user token: request a new one from the issuer');
  }
  // A Map, not an object: `toString` or `constructor` must not name a kind through the prototype.
  const kind = KIND_OF_GRANT.get(grantType);
  if (kind === undefined) {
    throw invalidToken('the token gty claim names a grant type this service does not accept (client_credentials or authorization_code)');
  }
  return kind;
}

/** The caller proven by a verified claims set. */
export function principalFromClaims(payload: JWTPayload): Principal {
  const { sub: subject, client_id: clientId, scope, scp } = payload;
  if (typeof subject !== 'string' || typeof clientId !== 'string') {
    throw invalidToken('the token sub and client_id claims must be strings');
  }
  const kind = kindOf(payload.gty);
  // RFC 9068 §2.2.3: `scope` is space-separated; some servers send a `scp` array instead.
  const scopes = typeof scope === 'string' ? scope.split(' ').filter((item) => item !== '') : isStringArray(scp) ? scp : [];
  const boundKey = boundKeyOf(payload);
  return { subject, clientId, kind, scopes: new Set(scopes), expiresAt: Number(payload.exp), ...(boundKey === undefined ? {} : { boundKey }) };
}

/**
 * RFC 9449 §6.1: the thumbprint of the key a token is bound to (`cnf.jkt`), or undefined for a
 * bearer token. A confirmation this service cannot check (another `cnf` method) is refused.
 */
export function boundKeyOf(payload: JWTPayload): string | undefined {
  const { cnf } = payload;
  if (cnf === undefined) {
    return undefined;
  }
  // A string or number has no own jkt either.
  const jkt: unknown = (cnf as Readonly<Record<string, unknown>> | null)?.jkt;
  if (typeof jkt !== 'string' || jkt === '') {
    throw invalidToken('the token cnf claim binds it in a way this service cannot check (only DPoP cnf.jkt is supported)');
  }
  return jkt;
}

/**
 * RFC 7515 §7.1: a JWS in compact form has three dot-separated parts. Anything else (an opaque
 * token that only its issuer can resolve, a JWE) cannot be checked here: the 401 says how to get
 * the right one, since that is the usual mistake (a token request without `resource`).
 */
export function requireJwt(token: string, audience: string): void {
  if (token.split('.').length !== 3) {
    throw invalidToken(`this service needs a JWT access token (RFC 9068), and this token is not a JWT: request it from the issuer with resource=${audience}`);
  }
}

const CLAIM_FAILURES: Readonly<Record<string, string>> = {
  iss: 'the token was issued by an issuer this service does not trust',
  nbf: 'the token is not valid yet',
  typ: 'the token is not a JWT access token (RFC 9068 §2.1: typ must be at+jwt)',
};

const CODE_FAILURES: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JOSE_ALG_NOT_ALLOWED: 'the token is signed with an algorithm this service does not accept',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'the token signature is invalid',
  ERR_JWKS_NO_MATCHING_KEY: 'the token is signed with a key the issuer does not publish',
  ERR_JWS_INVALID: 'the token is malformed',
  ERR_JWT_INVALID: 'the token is malformed',
};

/**
 * The 401 for a token that failed verification, with a detail naming the reason; a token for
 * another audience is told which resource to ask for.
 */
export function verificationFailure(error: unknown, audience: string): UnauthorizedError {
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reasons: Readonly<Record<string, string>> = { ...CLAIM_FAILURES, aud: `the token is meant for another audience: request one with resource=${audience}` };
    const detail = error.reason === 'missing' ? `the token lacks the ${error.claim} claim` : reasons[error.claim];
    return invalidToken(detail ?? `the token ${error.claim} claim is invalid`);
  }
  const known = error instanceof errors.JOSEError ? CODE_FAILURES[error.code] : undefined;
  return invalidToken(known ?? 'the token is invalid');
}
