/**
 * Reading the protected header of a compact JWE or JWS before a key is chosen (decrypt and verify
 * pick the material key by `kid`, issue "sm-kms" point 4).
 */
import { BadRequestError } from '../errors/index.ts';
import { decodeBase64url } from './base64url.ts';
import type { JoseHeader } from './contract.ts';

/** Compact serialization part counts: RFC 7516 §7.1 (JWE) and RFC 7515 §7.1 (JWS). */
export const JWE_PARTS = 5;
export const JWS_PARTS = 3;

/** The decoded protected header as an object, or `undefined` when it is not base64url JSON of an object. */
export function decodeProtectedHeader(encoded: string): Readonly<Record<string, unknown>> | undefined {
  // Text that is not base64url becomes no bytes at all, which JSON.parse refuses like any non-JSON.
  const bytes = decodeBase64url(encoded) ?? Buffer.alloc(0);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  return isJsonObject(value) ? value : undefined;
}

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * The header fields of a compact JWE (5 parts) or JWS (3 parts). Anything malformed, or a header
 * without `kid`/`alg` (or `enc` for a JWE), is a BadRequestError naming the missing piece.
 */
export function readJoseHeader(compact: string): JoseHeader {
  const parts = compact.split('.');
  if (parts.length !== JWE_PARTS && parts.length !== JWS_PARTS) {
    throw new BadRequestError('the JOSE object must be a compact JWE (5 parts) or JWS (3 parts)');
  }
  const header = decodeProtectedHeader(compact.slice(0, compact.indexOf('.')));
  if (header === undefined) throw new BadRequestError('the JOSE protected header is not a base64url-encoded JSON object');
  const { kid, alg, enc, ctx } = header;
  if (!nonEmptyString(kid)) throw new BadRequestError('the JOSE protected header has no kid');
  if (!nonEmptyString(alg)) throw new BadRequestError('the JOSE protected header has no alg');
  if (parts.length === JWS_PARTS) return { kid, alg };
  if (!nonEmptyString(enc)) throw new BadRequestError('the JWE protected header has no enc');
  if (ctx === undefined) return { kid, alg, enc };
  if (typeof ctx !== 'string') throw new BadRequestError('the JWE ctx header must be a string');
  return { kid, alg, enc, ctx };
}
