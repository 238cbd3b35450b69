/**
 * encrypt and decrypt: compact JWE with protected header `{alg, enc, kid, ctx?}`. In compact
 * serialization the AAD is the encoded protected header (RFC 7516 §5.1 step 14), so the caller's
 * context in `ctx` is integrity-protected with the ciphertext; decrypt demands the same context.
 */
import { CompactEncrypt, compactDecrypt } from 'jose';
import { encodeBase64url } from './base64url.ts';
import { DecryptionFailedError } from './errors.ts';
import { JWE_PARTS, decodeProtectedHeader } from './header.ts';
import { decryptNative, encryptNative } from './jwe-native.ts';
import type { JweParts } from './jwe-native.ts';
import type { PreparedKey } from './key-material.ts';
import { encryptionSpec } from './key-use.ts';
import type { EncryptionSpec } from './table.ts';

/** A compact JWE for `plaintext`; `context`, when given, travels in the `ctx` header and binds the ciphertext. */
export async function encrypt(key: PreparedKey, plaintext: Uint8Array, context?: string): Promise<string> {
  const spec = encryptionSpec(key);
  // JSON.stringify (ours and jose's) drops `ctx: undefined`, so a JWE without context has no ctx member.
  const header = { alg: spec.alg, enc: spec.enc, kid: key.kid, ctx: context };
  if (spec.native !== undefined) {
    return encryptNative(spec.native, key.secretOrPublic, encodeBase64url(Buffer.from(JSON.stringify(header))), plaintext);
  }
  return new CompactEncrypt(plaintext).setProtectedHeader(header).encrypt(key.secretOrPublic);
}

// RFC 7516 §4.1.3, §4.1.13: we never produce `zip` or `crit`, so a header carrying either was not ours.
function headerFits(spec: EncryptionSpec, key: PreparedKey, header: Readonly<Record<string, unknown>> | undefined, context: string | undefined): boolean {
  const expected = { alg: spec.alg, enc: spec.enc, kid: key.kid, ctx: context, zip: undefined, crit: undefined };
  return header !== undefined && Object.entries(expected).every(([name, value]) => header[name] === value);
}

/**
 * The plaintext of a JWE made with this key and context. Any mismatch (alg, enc, kid, context given
 * or missing, tag, wrapped key, encoding) is the same DecryptionFailedError: no oracle.
 */
export async function decrypt(key: PreparedKey, jwe: string, context?: string): Promise<Uint8Array> {
  const spec = encryptionSpec(key);
  const parts = jwe.split('.');
  if (parts.length !== JWE_PARTS || !headerFits(spec, key, decodeProtectedHeader(jwe.slice(0, jwe.indexOf('.'))), context)) throw new DecryptionFailedError();
  try {
    if (spec.native !== undefined) return decryptNative(spec.native, key.secretOrPrivate, parts as unknown as JweParts);
    // headerFits has pinned alg and enc to the row, so jose needs no algorithm allow-list of its own.
    const { plaintext } = await compactDecrypt(jwe, key.secretOrPrivate);
    return plaintext;
  } catch {
    throw new DecryptionFailedError();
  }
}
