/**
 * The signed-request check every ACME POST passes (RFC 8555 §6.2-6.5): a flattened JWS with only a
 * protected header, an allowed algorithm, exactly one of `jwk` and `kid`, the request's own `url`,
 * a valid signature, and a nonce used here for the first and only time.
 */
import { calculateJwkThumbprint, flattenedVerify, importJWK, type CryptoKey, type FlattenedJWSInput, type JWK, type JWSHeaderParameters } from 'jose';
import { AcmeAccount } from './entities.ts';
import type { AcmeContext } from './context.ts';
import { resourceUrl } from './context.ts';
import { consumeNonce } from './nonces.ts';
import { AcmeProblem } from './problems.ts';

/** Signature algorithms accepted on account keys (RFC 8555 §6.2 requires ES256 and EdDSA support). */
export const ACCOUNT_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

/** Which key a request must be signed with: an account (`kid`), a new key (`jwk`) or either. */
export type KeyMode = 'kid' | 'jwk' | 'either';

/** A request whose signature and nonce checked out. */
export interface SignedRequest {
  readonly header: JWSHeaderParameters;
  /** Undefined for POST-as-GET (empty payload). */
  readonly payload: Readonly<Record<string, unknown>> | undefined;
  /** The public key that signed. */
  readonly jwk: JWK;
  /** The account, when signed by `kid`. */
  readonly account: AcmeAccount | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A flattened JWS object (RFC 7515 §7.2.2) with a protected header only (RFC 8555 §6.2). */
export function flattenedJws(value: unknown, what: string): FlattenedJWSInput & { protected: string } {
  if (!isRecord(value) || typeof value.protected !== 'string' || typeof value.payload !== 'string' || typeof value.signature !== 'string') {
    throw new AcmeProblem('malformed', `${what} must be a flattened JWS with protected, payload and signature`);
  }
  if ('header' in value || 'signatures' in value) {
    throw new AcmeProblem('malformed', `${what} must have one signature and no unprotected header`);
  }
  return { protected: value.protected, payload: value.payload, signature: value.signature };
}

/** The protected header of a flattened JWS, decoded. */
export function protectedHeader(jws: { readonly protected: string }, what: string): JWSHeaderParameters {
  try {
    const header: unknown = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8'));
    if (isRecord(header)) return header;
  } catch {
    // the client's bytes are not echoed back
  }
  throw new AcmeProblem('malformed', `${what} protected header is not a JSON object`);
}

/** Imports a public JWK for `alg`; a private or unusable key is `badPublicKey`. */
export async function publicKey(jwk: unknown, alg: string): Promise<{ readonly jwk: JWK; readonly key: CryptoKey }> {
  if (!isRecord(jwk) || 'd' in jwk) {
    throw new AcmeProblem('badPublicKey', 'jwk must be a public JWK');
  }
  try {
    const key = await importJWK(jwk as JWK, alg);
    return { jwk, key: key as CryptoKey };
  } catch {
    throw new AcmeProblem('badPublicKey', `jwk is not a public key usable with ${alg}`);
  }
}

/** Verifies a flattened JWS's signature and returns its payload bytes. */
export async function verifySignature(jws: FlattenedJWSInput, key: CryptoKey | Uint8Array, alg: string, what: string): Promise<Uint8Array> {
  try {
    const { payload } = await flattenedVerify(jws, key, { algorithms: [alg] });
    return payload;
  } catch {
    throw new AcmeProblem('malformed', `${what} signature does not verify`);
  }
}

/** The JSON object a payload holds; an empty payload (POST-as-GET) is undefined. */
export function jsonPayload(bytes: Uint8Array, what: string): Readonly<Record<string, unknown>> | undefined {
  if (bytes.length === 0) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new AcmeProblem('malformed', `${what} payload is not JSON`);
  }
  if (!isRecord(payload)) {
    throw new AcmeProblem('malformed', `${what} payload must be a JSON object`);
  }
  return payload;
}

async function accountOf(acme: AcmeContext, kid: string): Promise<AcmeAccount> {
  const prefix = resourceUrl.account(acme.base, '');
  const id = kid.startsWith(prefix) ? kid.slice(prefix.length) : '';
  const account = /^[0-9a-f-]{36}$/.test(id) ? await acme.em.findOne(AcmeAccount, { id, ca: acme.ca }) : null;
  if (account === null) {
    throw new AcmeProblem('accountDoesNotExist', 'kid names no account of this CA');
  }
  if (account.status !== 'valid') {
    throw new AcmeProblem('unauthorized', `the account is ${account.status}`);
  }
  return account;
}

/** A request signed by an account (`kid`). */
export type AccountRequest = SignedRequest & { readonly account: AcmeAccount };

/** Checks a request that must be signed by an account's key (`kid`). */
export async function verifyAccountRequest(acme: AcmeContext): Promise<AccountRequest> {
  const request = await verifyRequest(acme, acme.body, 'kid');
  const { account } = request;
  if (account === undefined) throw new AcmeProblem('malformed', 'this resource must be signed with kid');
  return { ...request, account };
}

/** Checks the request body as an RFC 8555 §6.2 signed request and uses its nonce. */
export async function verifyRequest(acme: AcmeContext, body: unknown, mode: KeyMode): Promise<SignedRequest> {
  const jws = flattenedJws(body, 'request');
  const header = protectedHeader(jws, 'request');
  const alg = header.alg;
  if (typeof alg !== 'string' || !ACCOUNT_ALGORITHMS.includes(alg)) {
    throw new AcmeProblem('badSignatureAlgorithm', 'alg must be one of the algorithms listed', { algorithms: ACCOUNT_ALGORITHMS });
  }
  if (typeof header.nonce !== 'string') {
    throw new AcmeProblem('badNonce', 'the protected header has no nonce');
  }
  if (header.url !== acme.url) {
    throw new AcmeProblem('unauthorized', 'the url header does not name this request\'s URL');
  }
  const hasJwk = header.jwk !== undefined;
  const hasKid = header.kid !== undefined;
  if (hasJwk === hasKid) {
    throw new AcmeProblem('malformed', 'the protected header must have exactly one of jwk and kid');
  }
  if ((mode === 'kid' && !hasKid) || (mode === 'jwk' && !hasJwk)) {
    throw new AcmeProblem('malformed', `this resource must be signed with ${mode}`);
  }
  const account = typeof header.kid === 'string' ? await accountOf(acme, header.kid) : undefined;
  if (hasKid && account === undefined) {
    throw new AcmeProblem('malformed', 'kid must be an account URL');
  }
  const { jwk, key } = await publicKey(account?.jwk ?? header.jwk, alg);
  const bytes = await verifySignature(jws, key, alg, 'request');
  if (!await consumeNonce(acme.em, header.nonce, acme.now)) {
    throw new AcmeProblem('badNonce', 'the nonce is unknown, used or expired');
  }
  return { header, payload: jsonPayload(bytes, 'request'), jwk, account };
}

/** Whether `candidate` is a JWK of the same public key as `jwk` (RFC 7638 thumbprints). */
export async function sameKey(candidate: unknown, jwk: JWK): Promise<boolean> {
  try {
    return await calculateJwkThumbprint(candidate as JWK) === await calculateJwkThumbprint(jwk);
  } catch {
    return false;
  }
}
