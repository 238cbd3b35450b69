/**
 * JWT issue and verify (issue "jose-ja" point 3). A sig set signs `{alg, kid, typ}` JWTs with its
 * active key; an enc set paired with a sig set issues nested JWTs (signed by the paired set, then
 * encrypted to this set, RFC 7519 §5.2 `cty: "JWT"`). The issue path is the benchmarked one: one
 * JSON.stringify of the claims and the shared native signature, no jose on the way.
 */
import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../../template/errors/index.ts';
import { isJsonObject } from '../../template/jose/header.ts';
import { sign } from '../../template/jose/index.ts';
import type { KeyChoice, KeySetSettings } from '../ports.ts';
import { claimFailure } from './jwt-claims.ts';
import type { Claims } from './jwt-claims.ts';
import { encryptJwt, decryptObject } from './jwe.ts';
import { verifySigned } from './jws.ts';
import type { Header } from './keys.ts';
import { requirePaired } from './keys.ts';
import { failure, success } from './outcome.ts';
import type { Outcome, Success } from './outcome.ts';
import { optionalSeconds, secondsOf } from './request.ts';

/** Claims this service sets itself; a caller who sends one is told so rather than silently overruled. */
const SERVICE_CLAIMS = ['iss', 'iat', 'exp', 'jti', 'nbf'] as const;

export interface IssueRequest {
  readonly claims: Claims;
  readonly audience: string | readonly string[] | undefined;
  readonly expiresInSeconds: number;
  readonly notBeforeSeconds: number | undefined;
}

function isAudience(value: unknown): value is string | readonly string[] | undefined {
  return value === undefined || typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
}

/** The issueJwt body, checked: claims an object without the service's own claims, times within bounds. */
export function issueRequestOf(body: Readonly<Record<string, unknown>>): IssueRequest {
  const { claims, audience } = body;
  if (!isJsonObject(claims)) throw new BadRequestError('claims must be a JSON object');
  const taken = SERVICE_CLAIMS.find((name) => Object.hasOwn(claims, name));
  if (taken !== undefined) throw new BadRequestError(`claims must not carry ${taken}: the key set sets it`);
  if (!isAudience(audience)) throw new BadRequestError('audience must be a string or an array of strings');
  return {
    claims,
    audience,
    expiresInSeconds: secondsOf(body, 'expiresInSeconds', 1, 86_400, 300),
    notBeforeSeconds: optionalSeconds(body, 'notBeforeSeconds', 0, 86_400),
  };
}

export interface Issued {
  readonly jwt: string;
  readonly kid: string;
  readonly expiresAt: string;
}

/** The claims as JSON; claims nested deeper than JSON.stringify can recurse (a RangeError) are the caller's 400, not a 500. */
function claimsJson(claims: Claims): string {
  try {
    return JSON.stringify(claims);
  } catch {
    throw new BadRequestError('claims are nested too deeply');
  }
}

/** A JWT with iss, iat, exp and a random jti (aud and nbf when asked), signed (and for an enc set, encrypted) now. */
export async function issueJwt(choice: KeyChoice, request: IssueRequest, now: Date): Promise<Success<Issued>> {
  const { settings, active } = choice;
  const signer = settings.use === 'enc' ? requirePaired(choice, 'issue JWTs') : choice;
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + request.expiresInSeconds;
  const nbf = request.notBeforeSeconds === undefined ? undefined : iat + request.notBeforeSeconds;
  // JSON.stringify drops the members left undefined (aud, nbf), so the token carries only those asked for.
  const claims = { ...request.claims, iss: settings.issuer, aud: request.audience ?? request.claims.aud, iat, nbf, exp, jti: randomUUID() };
  const jws = await sign(signer.active, Buffer.from(claimsJson(claims)), { typ: settings.tokenType });
  const jwt = signer === choice ? jws : await encryptJwt(active, jws);
  return success({ jwt, kid: active.kid, expiresAt: new Date(exp * 1000).toISOString() }, active.kid);
}

export interface VerifyRequest {
  readonly jwt: string;
  readonly audience: string | undefined;
  readonly requiredClaims: readonly string[];
  readonly leewaySeconds: number;
}

/** The verifyJwt body, checked. */
export function verifyRequestOf(body: Readonly<Record<string, unknown>>): VerifyRequest {
  const { jwt, audience, requiredClaims = [] } = body;
  if (typeof jwt !== 'string') throw new BadRequestError('jwt must be a string');
  if (audience !== undefined && typeof audience !== 'string') throw new BadRequestError('audience must be a string');
  if (!Array.isArray(requiredClaims) || !requiredClaims.every((name) => typeof name === 'string')) throw new BadRequestError('requiredClaims must be an array of strings');
  return { jwt, audience, requiredClaims, leewaySeconds: secondsOf(body, 'leewaySeconds', 0, 300, 30) };
}

/** What a valid JWT carries. */
export interface Verified {
  readonly claims: Claims;
  readonly header: Header;
}

/** RFC 7515 §4.1.9: `typ`/`cty` compare case-insensitively and may omit the `application/` prefix. */
function sameMediaType(value: unknown, expected: string): boolean {
  const normalized = (text: string) => text.toLowerCase().replace(/^application\//, '');
  return typeof value === 'string' && normalized(value) === normalized(expected);
}

function claimsOf(payload: Uint8Array): Claims | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    return isJsonObject(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

async function verifySignedJwt(signer: KeyChoice, settings: KeySetSettings, jwt: string, request: VerifyRequest, now: Date): Promise<Outcome<Verified>> {
  const signed = await verifySigned(signer, jwt);
  if (!signed.ok) return signed;
  const { kid, value: { header, payload } } = signed;
  if (!sameMediaType(header.typ, settings.tokenType)) return failure('type', `the JWS typ is not ${settings.tokenType}`, kid);
  const claims = claimsOf(payload);
  if (claims === undefined) return failure('malformed', 'the JWT payload is not a JSON object', kid);
  const expected = { issuer: settings.issuer, audience: request.audience, requiredClaims: request.requiredClaims, leewaySeconds: request.leewaySeconds, now: now.getTime() / 1000 };
  const failed = claimFailure(claims, expected);
  return failed === undefined ? success({ claims, header }, kid) : failure(failed.check, failed.detail, kid);
}

/**
 * The claims of a JWT this set issued, or the check it fails. For an enc set the JWE is decrypted
 * with this set's keys and the JWS inside verified with the paired set's; `kid` is this set's key.
 */
export async function verifyJwt(choice: KeyChoice, request: VerifyRequest, now: Date): Promise<Outcome<Verified>> {
  const { settings } = choice;
  if (settings.use === 'sig') return verifySignedJwt(choice, settings, request.jwt, request, now);
  const signer = requirePaired(choice, 'verify JWTs');
  const opened = await decryptObject(choice, request.jwt);
  if (!opened.ok) return opened;
  if (!sameMediaType(opened.value.header.cty, 'JWT')) return failure('type', 'the JWE does not carry a JWT (cty)', opened.kid);
  const inner = await verifySignedJwt(signer, settings, Buffer.from(opened.value.plaintext).toString('latin1'), request, now);
  return inner.ok ? success(inner.value, opened.kid) : failure(inner.check, inner.detail, opened.kid);
}
