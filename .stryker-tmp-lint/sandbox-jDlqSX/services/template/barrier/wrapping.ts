/**
 * Key wrapping inside the barrier: every stored key is sealed by its parent with AES-256-GCM, and
 * the AAD names the key and its parent, so a wrapped key copied onto another row, or under another
 * parent, fails to authenticate instead of yielding a key (Vault binds the storage path the same way).
 */
// @ts-nocheck

import { GCM_OVERHEAD, KEY_BYTES, open, seal } from './gcm.ts';

/** A 32-byte key sealed as `iv ‖ ciphertext ‖ tag`. */
export const WRAPPED_KEY_BYTES = KEY_BYTES + GCM_OVERHEAD;

/** Allocates memory for key material; the barrier wipes everything it allocated this way on seal. */
export type SecretAllocator = (size: number) => Buffer;

/** Zero-filled and never from Node's shared pool, so wiping it wipes the only copy. */
export const allocateSecret: SecretAllocator = (size) => Buffer.alloc(size);

// docs/barrier.md "AAD bindings": ASCII labels (so UTF-8 is ASCII), versioned, naming the key and its parent.
const LABEL = 'cryptoutil/barrier/v1';

/** A root key is wrapped by the unseal key and bound to its own id. */
export function rootKeyAad(rootKeyId: string): Buffer {
  return Buffer.from(`${LABEL}/root-key/${rootKeyId}`);
}

/** An intermediate key is wrapped by a root key and bound to its own id and that root's id. */
export function intermediateKeyAad(intermediateKeyId: string, rootKeyId: string): Buffer {
  return Buffer.from(`${LABEL}/intermediate-key/${intermediateKeyId}/root-key/${rootKeyId}`);
}

/** A record's content key is wrapped by an intermediate key and bound to that key's id. */
export function contentKeyAad(intermediateKeyId: string): Buffer {
  return Buffer.from(`${LABEL}/content-key/intermediate-key/${intermediateKeyId}`);
}

/** Seals a 32-byte key under its parent. */
export function wrapKey(parent: Uint8Array, key: Uint8Array, aad: Uint8Array): Buffer {
  return seal(parent, key, aad);
}

/**
 * The key inside `wrapped`, copied into memory from `allocate`, or undefined when it does not
 * authenticate under this parent and AAD or is not exactly one wrapped 32-byte key.
 */
export function unwrapKey(parent: Uint8Array, wrapped: Uint8Array, aad: Uint8Array, allocate: SecretAllocator): Buffer | undefined {
  if (wrapped.byteLength !== WRAPPED_KEY_BYTES) return undefined;
  const plain = open(parent, wrapped, aad);
  if (plain === undefined) return undefined;
  const key = allocate(KEY_BYTES);
  plain.copy(key);
  plain.fill(0);
  return key;
}
