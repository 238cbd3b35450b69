/**
 * The JWE hot path with node:crypto (DESIGN "Performance facts": about 5× jose's WebCrypto path):
 * `enc` A128/192/256GCM (RFC 7518 §5.3) with `alg` dir (§4.5) or A128/192/256KW (§4.4, the RFC 3394
 * key wrap node calls id-aes*-wrap). Compact serialization per RFC 7516 §7.1.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from './base64url.ts';
import { DecryptionFailedError } from './errors.ts';
import { randomOctets } from './random-pool.ts';
import type { NativeJwe } from './table.ts';

/** RFC 3394 §2.2.3.1 default initial value. */
const KEY_WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
/** RFC 7518 §5.3: 96-bit IV, 128-bit tag (node's GCM default; decrypt checks the length before use). */
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
/** RFC 3394: the wrapped key is one 64-bit block longer than the key. */
const WRAP_OVERHEAD_BYTES = 8;

/** Where content keys and IVs come from: the process's pool unless a test watches the buffers. */
export type RandomSource = (count: number) => Buffer;

/**
 * Encrypts under an already encoded protected header, which is the AAD (RFC 7516 §5.1 step 14).
 * A content key drawn for key wrap is zeroed once the content is encrypted.
 */
export function encryptNative(native: NativeJwe, key: KeyObject, encodedHeader: string, plaintext: Uint8Array, random: RandomSource = randomOctets): string {
  if (native.wrapCipher === undefined) return encryptContent(native, key, '', encodedHeader, plaintext, random);
  const cek = random(native.cekBytes);
  try {
    const wrap = createCipheriv(native.wrapCipher, key, KEY_WRAP_IV);
    return encryptContent(native, cek, encodeBase64url(Buffer.concat([wrap.update(cek), wrap.final()])), encodedHeader, plaintext, random);
  } finally {
    cek.fill(0);
  }
}

function encryptContent(native: NativeJwe, cek: KeyObject | Buffer, encryptedKey: string, encodedHeader: string, plaintext: Uint8Array, random: RandomSource): string {
  const iv = random(GCM_IV_BYTES);
  const cipher = createCipheriv(native.contentCipher, cek, iv);
  // RFC 7516 §5.1 step 14: AAD = ASCII(encoded header); base64url text is ASCII, so its UTF-8 bytes are those.
  cipher.setAAD(Buffer.from(encodedHeader));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${encodedHeader}.${encryptedKey}.${encodeBase64url(iv)}.${encodeBase64url(ciphertext)}.${encodeBase64url(cipher.getAuthTag())}`;
}

/** The five parts of a compact JWE (RFC 7516 §7.1): header, encrypted key, IV, ciphertext, tag. */
export type JweParts = readonly [string, string, string, string, string];

/** One part as canonical base64url of exactly `bytes` octets when a length is given. */
function part(text: string, bytes?: number): Buffer {
  const decoded = decodeBase64url(text);
  if (decoded === undefined || (bytes !== undefined && decoded.length !== bytes)) throw new DecryptionFailedError();
  return decoded;
}

/**
 * Decrypts the five parts of a compact JWE whose header was already checked; throws on any failure.
 * The tag must be the full 128 bits: node would otherwise verify a truncated tag (a forgery aid).
 */
export function decryptNative(native: NativeJwe, key: KeyObject, parts: JweParts): Buffer {
  const [encodedHeader, encodedKey, encodedIv, encodedCiphertext, encodedTag] = parts;
  // RFC 7516 §5.2 step 10: with `dir` the encrypted key is the empty octet sequence.
  const encryptedKey = part(encodedKey, native.wrapCipher === undefined ? 0 : native.cekBytes + WRAP_OVERHEAD_BYTES);
  const iv = part(encodedIv, GCM_IV_BYTES);
  const ciphertext = part(encodedCiphertext);
  const tag = part(encodedTag, GCM_TAG_BYTES);
  if (native.wrapCipher === undefined) return decryptContent(native, key, encodedHeader, iv, ciphertext, tag);
  return withUnwrappedKey(native.wrapCipher, key, encryptedKey, (cek) => decryptContent(native, cek, encodedHeader, iv, ciphertext, tag));
}

/** Runs `use` on the content key RFC 3394 unwraps; the key is zeroed afterwards, whether `use` succeeded or threw. */
export function withUnwrappedKey<T>(wrapCipher: string, key: KeyObject, encryptedKey: Buffer, use: (cek: Buffer) => T): T {
  const unwrap = createDecipheriv(wrapCipher, key, KEY_WRAP_IV);
  const cek = Buffer.concat([unwrap.update(encryptedKey), unwrap.final()]);
  try {
    return use(cek);
  } finally {
    cek.fill(0);
  }
}

function decryptContent(native: NativeJwe, cek: KeyObject | Buffer, encodedHeader: string, iv: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  const decipher = createDecipheriv(native.contentCipher, cek, iv);
  decipher.setAAD(Buffer.from(encodedHeader));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}
