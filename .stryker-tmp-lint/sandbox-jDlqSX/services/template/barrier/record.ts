/**
 * The one binary layout of a sealed record (docs/barrier.md "Record format"), version 1:
 *
 *   offset 0   1 byte    format version (1)
 *   offset 1   16 bytes  id of the intermediate key (UUIDv7)
 *   offset 17  60 bytes  content key wrapped by that intermediate key: iv ‖ ciphertext ‖ tag
 *   offset 77  12 bytes  iv of the record
 *   offset 89  n bytes   ciphertext
 *   then       16 bytes  tag; the record's AAD is the caller's `aad` (UTF-8)
 *
 * Like Vault's term-prefixed ciphertexts, the header names the key that opens the record, so a
 * rotation never rewrites old records.
 */
// @ts-nocheck

import { BarrierIntegrityError } from './contract.ts';
import { GCM_OVERHEAD, open, sealInto } from './gcm.ts';
import { uuidFromBytes, type IntermediateKey } from './keyring.ts';
import { unwrapKey, WRAPPED_KEY_BYTES, type SecretAllocator } from './wrapping.ts';

export const RECORD_VERSION = 1;
const ID_AT = 1;
const ID_BYTES = 16;
const WRAPPED_AT = ID_AT + ID_BYTES;
const BODY_AT = WRAPPED_AT + WRAPPED_KEY_BYTES;
/** Header plus the record's own IV and tag: 105 bytes around the plaintext. */
export const RECORD_OVERHEAD = BODY_AT + GCM_OVERHEAD;

/** A record taken apart; nothing is authenticated yet. */
export interface RecordFields {
  readonly intermediateKeyId: string;
  readonly wrappedContentKey: Uint8Array;
  /** iv ‖ ciphertext ‖ tag of the plaintext. */
  readonly body: Uint8Array;
}

/** Seals `plaintext` under a fresh content key that exists only for this call. */
export function sealRecord(intermediate: IntermediateKey, plaintext: Uint8Array, aad: Uint8Array, randomKey: () => Buffer): Buffer {
  const out = Buffer.allocUnsafe(RECORD_OVERHEAD + plaintext.byteLength);
  out[0] = RECORD_VERSION;
  intermediate.idBytes.copy(out, ID_AT);
  const contentKey = randomKey();
  try {
    sealInto(intermediate.key, contentKey, intermediate.contentKeyAad, out, WRAPPED_AT);
    sealInto(contentKey, plaintext, aad, out, BODY_AT);
  } finally {
    contentKey.fill(0);
  }
  return out;
}

/** Splits a record into its fields; a short record or an unknown version is an integrity failure. */
export function parseRecord(record: Uint8Array): RecordFields {
  if (record.byteLength < RECORD_OVERHEAD) {
    throw new BarrierIntegrityError(`the record is truncated: ${record.byteLength} bytes, at least ${RECORD_OVERHEAD} expected`);
  }
  if (record[0] !== RECORD_VERSION) {
    throw new BarrierIntegrityError(`the record has unknown format version ${String(record[0])}`);
  }
  return {
    intermediateKeyId: uuidFromBytes(record.subarray(ID_AT, WRAPPED_AT)),
    wrappedContentKey: record.subarray(WRAPPED_AT, BODY_AT),
    body: record.subarray(BODY_AT),
  };
}

/**
 * Authenticates and decrypts a parsed record under its intermediate key and the caller's AAD; the
 * content key lives in memory from `allocate` only for this call.
 */
export function openRecord(fields: RecordFields, intermediate: IntermediateKey, aad: Uint8Array, allocate: SecretAllocator): Buffer {
  const contentKey = unwrapKey(intermediate.key, fields.wrappedContentKey, intermediate.contentKeyAad, allocate);
  if (contentKey === undefined) {
    throw new BarrierIntegrityError(`the content key does not authenticate under intermediate key ${intermediate.id}`);
  }
  try {
    const plaintext = open(contentKey, fields.body, aad);
    if (plaintext === undefined) {
      throw new BarrierIntegrityError('the record does not authenticate: tampered, or sealed with another AAD');
    }
    return plaintext;
  } finally {
    contentKey.fill(0);
  }
}
