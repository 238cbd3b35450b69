/**
 * Signing with a sig set's active key and verifying with the key the header names. Compact goes
 * through the shared native JWS; the flattened JSON serialization through jose with the same
 * KeyObjects (the signature is the same computation over the same signing input).
 */
import { FlattenedSign, flattenedVerify } from 'jose';
import type { FlattenedJWS, FlattenedJWSInput } from 'jose';
import { sign, verify } from '../../template/jose/index.ts';
import type { JwsHeaderExtras, PreparedKey } from '../../template/jose/index.ts';
import { decodeBase64url } from '../../template/jose/base64url.ts';
import type { KeyChoice } from '../ports.ts';
import { keyForHeader } from './keys.ts';
import type { Header } from './keys.ts';
import { JWS_FORM, joseHeaderOf } from './objects.ts';
import type { JoseInput } from './objects.ts';
import { failure, success } from './outcome.ts';
import type { Outcome } from './outcome.ts';

/** A compact JWS, or the flattened JSON serialization when `json`; the header is `{alg, kid}` plus `extras`. */
export function signBytes(key: PreparedKey, payload: Uint8Array, json: boolean, extras: JwsHeaderExtras = {}): Promise<string | FlattenedJWS> {
  if (!json) return sign(key, payload, extras);
  return new FlattenedSign(payload).setProtectedHeader({ alg: key.row.alg, kid: key.kid, ...extras }).sign(key.secretOrPrivate);
}

async function compactPayload(key: PreparedKey, text: string): Promise<Uint8Array | undefined> {
  // verify has checked the whole text, so the payload part is there; its encoding is checked here.
  return await verify(key, text) ? decodeBase64url(text.split('.')[1]) : undefined;
}

async function flattenedPayload(key: PreparedKey, value: Readonly<Record<string, unknown>>): Promise<Uint8Array | undefined> {
  try {
    const { payload } = await flattenedVerify(value as unknown as FlattenedJWSInput, key.secretOrPublic, { algorithms: [key.row.alg] });
    return payload;
  } catch {
    return undefined;
  }
}

/** What a valid JWS carries: its payload and its JOSE Header. */
export interface Signed {
  readonly payload: Uint8Array;
  readonly header: Header;
}

/** The payload of a JWS one of the set's usable keys signed, or the check it fails. */
export async function verifySigned(choice: KeyChoice, input: JoseInput): Promise<Outcome<Signed>> {
  const header = joseHeaderOf(input, JWS_FORM);
  if (header === undefined) return failure('malformed', 'not a compact JWS nor a flattened JWS JSON serialization');
  const picked = keyForHeader(choice, header);
  if (!picked.ok) return picked;
  const key = picked.value;
  const payload = await (typeof input === 'string' ? compactPayload(key, input) : flattenedPayload(key, input));
  if (payload === undefined) return failure('signature', 'the signature does not verify', key.kid);
  return success({ payload, header }, key.kid);
}
