/**
 * sign and verify: compact JWS (RFC 7515 §7.1) with protected header `{alg, kid}`, all with
 * node:crypto (RFC 7518 §3). ECDSA signatures are the fixed-length R‖S that JWS requires
 * (§3.4), which node calls `ieee-p1363`.
 */
import { createHmac, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { decodeBase64url, encodeBase64url } from './base64url.ts';
import { JWS_PARTS, decodeProtectedHeader } from './header.ts';
import { signatureSpec } from './key-use.ts';
import type { PreparedKey } from './key-material.ts';
import type { SignatureScheme } from './table.ts';

const signOnPool = promisify(cryptoSign);

function keyInput(scheme: SignatureScheme, key: KeyObject) {
  return { key, padding: scheme.padding, saltLength: scheme.saltLength, dsaEncoding: scheme.dsaEncoding };
}

async function signatureOf(scheme: SignatureScheme, key: KeyObject, input: Buffer): Promise<Buffer> {
  if (scheme.hmac !== undefined) return createHmac(scheme.hmac, key).update(input).digest();
  if (scheme.offload) return signOnPool(scheme.hash, input, keyInput(scheme, key));
  return cryptoSign(scheme.hash, input, keyInput(scheme, key));
}

/** Protected header members a caller may add; `alg` and `kid` always come from the key. */
export interface JwsHeaderExtras {
  /** RFC 7515 §4.1.9: the media type of the whole JWS (`JWT`, `at+jwt`). */
  readonly typ?: string;
  /** RFC 7515 §4.1.10: the media type of the payload. */
  readonly cty?: string;
}

/** A compact JWS over `payload` with header `{alg, kid}` and the given extras (`typ`, `cty`). */
export async function sign(key: PreparedKey, payload: Uint8Array, extras: JwsHeaderExtras = {}): Promise<string> {
  const spec = signatureSpec(key);
  const signingInput = `${encodeBase64url(Buffer.from(JSON.stringify({ alg: spec.alg, kid: key.kid, ...extras })))}.${encodeBase64url(payload)}`;
  const signature = await signatureOf(spec.scheme, key.secretOrPrivate, Buffer.from(signingInput));
  return `${signingInput}.${encodeBase64url(signature)}`;
}

function signatureValid(scheme: SignatureScheme, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  if (scheme.hmac === undefined) return cryptoVerify(scheme.hash, input, keyInput(scheme, key), signature);
  const expected = createHmac(scheme.hmac, key).update(input).digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

/**
 * True only for a JWS this key signed: header alg and kid are the key's, no `crit` (we understand
 * no extension, RFC 7515 §4.1.11), canonical base64url header and signature, and a valid signature
 * over the exact text. Anything else is false.
 */
export function verify(key: PreparedKey, jws: string): Promise<boolean> {
  const spec = signatureSpec(key);
  const parts = jws.split('.');
  if (parts.length !== JWS_PARTS) return Promise.resolve(false);
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = decodeProtectedHeader(encodedHeader);
  const expected = { alg: spec.alg, kid: key.kid, crit: undefined };
  const signature = decodeBase64url(encodedSignature);
  // The signature covers the exact text of header and payload, so the payload needs no decoding here.
  if (header === undefined || signature === undefined || !Object.entries(expected).every(([name, value]) => header[name] === value)) return Promise.resolve(false);
  return Promise.resolve(signatureValid(spec.scheme, key.secretOrPublic, Buffer.from(`${encodedHeader}.${encodedPayload}`), signature));
}
