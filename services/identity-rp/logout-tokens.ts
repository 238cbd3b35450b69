/**
 * OpenID Connect Back-Channel Logout 1.0 §2.6: the checks a logout token must pass before identity-rp
 * ends any session for it. Signed by a key of identity-authz's JWKS (the algorithm is the key's),
 * from the issuer, for this client, recently issued and unexpired, carrying the logout event, a
 * `jti`, a `sid` or a `sub`, and no `nonce` (which would make it an ID token); `typ`, when present,
 * is `logout+jwt`. A token is never logged: failures name the check that failed.
 */
import { createHash } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A logout token issued longer ago than this is refused (identity-authz gives them 120 s). */
export const LOGOUT_TOKEN_MAX_AGE_SECONDS = 120;

export interface LogoutTokenOptions {
  readonly issuer: string;
  /** This rp's client id. */
  readonly audience: string;
  /** identity-authz's published keys. */
  readonly keys: JWTVerifyGetKey;
  readonly clockSkewSeconds: number;
  readonly now?: () => number;
}

/** What a valid logout token asks for: end the session `sid`, or every session of `sub`. */
export interface LogoutRequest {
  /** Digest of the issuer and `jti`: the replay guard's key. */
  readonly replayKey: string;
  readonly sid?: string;
  readonly sub?: string;
  /** Until when the token could be accepted: the replay guard keeps its key that long. */
  readonly acceptableUntil: Date;
}

/** Our own checks' codes, beside jose's (`ERR_JWT_EXPIRED`, `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`, …). */
export type LogoutCheck = 'ERR_LOGOUT_TYP' | 'ERR_LOGOUT_EVENT' | 'ERR_LOGOUT_NONCE' | 'ERR_LOGOUT_SUBJECT';

/** A token that fails a check; its message names the check and never holds the token. */
export class InvalidLogoutToken extends Error {
  override readonly name = 'InvalidLogoutToken';
  /** jose's code for its checks, ours for the rest. */
  readonly code: string;
  /** The claim a failed claim check is about (jose's `claim`), when there is one. */
  readonly claim: string | undefined;

  constructor(code: string, message: string, claim?: string) {
    super(message);
    this.code = code;
    this.claim = claim;
  }
}

const TYPES: ReadonlySet<string> = new Set(['logout+jwt', 'application/logout+jwt']);

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function hasLogoutEvent(payload: JWTPayload): boolean {
  const { events } = payload;
  if (typeof events !== 'object' || events === null || !Object.hasOwn(events, LOGOUT_EVENT)) return false;
  const event: unknown = (events as Record<string, unknown>)[LOGOUT_EVENT];
  return typeof event === 'object' && event !== null && !Array.isArray(event);
}

/** Verifies a logout token; throws InvalidLogoutToken for a bad one, anything else when the keys cannot be had. */
export async function verifyLogoutToken(token: string, options: LogoutTokenOptions): Promise<LogoutRequest> {
  const now = (options.now ?? Date.now)();
  const { payload, protectedHeader } = await jwtVerify(token, options.keys, {
    issuer: options.issuer,
    audience: options.audience,
    maxTokenAge: LOGOUT_TOKEN_MAX_AGE_SECONDS,
    clockTolerance: options.clockSkewSeconds,
    requiredClaims: ['iat', 'exp', 'jti'],
    currentDate: new Date(now),
  }).catch((error: unknown) => {
    // A bad token (signature, claims, shape, no such key) is the sender's fault; anything else is ours.
    if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) throw new InvalidLogoutToken(error.code, error.message, error.claim);
    if (error instanceof errors.JOSEError) throw new InvalidLogoutToken(error.code, error.message);
    throw error;
  });
  if (protectedHeader.typ !== undefined && !TYPES.has(protectedHeader.typ.toLowerCase())) throw new InvalidLogoutToken('ERR_LOGOUT_TYP', 'typ must be logout+jwt');
  if (!hasLogoutEvent(payload)) throw new InvalidLogoutToken('ERR_LOGOUT_EVENT', `events must hold ${LOGOUT_EVENT}`);
  if (Object.hasOwn(payload, 'nonce')) throw new InvalidLogoutToken('ERR_LOGOUT_NONCE', 'a logout token carries no nonce');
  const sid = nonEmpty(payload.sid);
  const sub = nonEmpty(payload.sub);
  if (sid === undefined && sub === undefined) throw new InvalidLogoutToken('ERR_LOGOUT_SUBJECT', 'a logout token names a sid or a sub');
  return {
    replayKey: createHash('sha256').update(options.issuer).update('\0').update(String(payload.jti)).digest('base64url'),
    ...(sid === undefined ? {} : { sid }),
    ...(sub === undefined ? {} : { sub }),
    acceptableUntil: new Date((Number(payload.exp) + options.clockSkewSeconds) * 1000),
  };
}
