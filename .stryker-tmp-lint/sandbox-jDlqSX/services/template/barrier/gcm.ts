/**
 * AES-256-GCM as every layer of the barrier uses it (NIST SP 800-38D): a fresh random 96-bit IV per
 * message and the full 128-bit tag, laid out as `iv ‖ ciphertext ‖ tag`. Keys are Buffers, not
 * KeyObjects, because only a Buffer can be overwritten with zeros on seal.
 */
// @ts-nocheck

import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** What sealing adds to a plaintext: the IV in front, the tag behind. */
export const GCM_OVERHEAD = IV_BYTES + TAG_BYTES;

const ALGORITHM = 'aes-256-gcm';

/** Writes `iv ‖ ciphertext ‖ tag` of `plaintext` into `out` at `offset` (which must have room). */
export function sealInto(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, out: Buffer, offset: number): void {
  const iv = out.subarray(offset, offset + IV_BYTES);
  randomFillSync(iv);
  // GCM's default tag is the full 128 bits.
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  body.copy(out, offset + IV_BYTES);
  cipher.final();
  cipher.getAuthTag().copy(out, offset + IV_BYTES + body.length);
}

/** `iv ‖ ciphertext ‖ tag` of `plaintext` in a new Buffer. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const out = Buffer.alloc(plaintext.byteLength + GCM_OVERHEAD);
  sealInto(key, plaintext, aad, out, 0);
  return out;
}

/**
 * The plaintext of `iv ‖ ciphertext ‖ tag`, or undefined when it does not authenticate under this
 * key and AAD (or is too short to hold an IV and a tag): callers say which layer failed.
 */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (sealed.byteLength < GCM_OVERHEAD) return undefined;
  const tagAt = sealed.byteLength - TAG_BYTES;
  // The tag is always the last 16 bytes, so a truncated tag can never be presented.
  const decipher = createDecipheriv(ALGORITHM, key, sealed.subarray(0, IV_BYTES));
  decipher.setAuthTag(sealed.subarray(tagAt));
  decipher.setAAD(aad);
  const plaintext = decipher.update(sealed.subarray(IV_BYTES, tagAt));
  try {
    decipher.final();
  } catch {
    // Released plaintext of a forgery is wiped before anyone can see it.
    plaintext.fill(0);
    return undefined;
  }
  return plaintext;
}
