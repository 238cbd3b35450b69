/**
 * The decrypted keys of an unsealed barrier (Vault's keyring): the unseal key, every root key and
 * every intermediate key, by id. Ids are UUIDv7, so the newest key is the greatest id. `wipe`
 * overwrites every key with zeros; the barrier calls it on seal.
 */
// @ts-nocheck

import { BarrierIntegrityError } from './contract.ts';
import type { BarrierSnapshot, StoredRootKey } from './store.ts';
import { contentKeyAad, intermediateKeyAad, rootKeyAad, unwrapKey, type SecretAllocator } from './wrapping.ts';

/** An intermediate key ready for the hot path: its id in record form and its content-key AAD. */
export interface IntermediateKey {
  readonly id: string;
  /** The 16 bytes of the UUID, as records carry it. */
  readonly idBytes: Buffer;
  readonly rootKeyId: string;
  readonly key: Buffer;
  readonly contentKeyAad: Buffer;
}

/** The 16 bytes of a UUID string. */
export function uuidToBytes(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

/** The canonical lower-case spelling of 16 UUID bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Keyring {
  readonly unsealKey: Buffer;
  readonly #roots = new Map<string, Buffer>();
  readonly #intermediates = new Map<string, IntermediateKey>();
  #newestRoot: { readonly id: string; readonly key: Buffer };
  #newestIntermediate: IntermediateKey | undefined;

  /** A keyring starts from the unseal key and the root key that key was just proven to open. */
  constructor(unsealKey: Buffer, rootKeyId: string, rootKey: Buffer) {
    this.unsealKey = unsealKey;
    this.#roots.set(rootKeyId, rootKey);
    this.#newestRoot = { id: rootKeyId, key: rootKey };
  }

  /** The root key new intermediate keys are wrapped under. */
  get newestRoot(): { readonly id: string; readonly key: Buffer } {
    return this.#newestRoot;
  }

  /** The key new records are sealed under; a keyring without one means a damaged store. */
  get newestIntermediate(): IntermediateKey {
    if (this.#newestIntermediate === undefined) {
      throw new BarrierIntegrityError('the barrier store holds no intermediate key');
    }
    return this.#newestIntermediate;
  }

  rootKey(id: string): Buffer | undefined {
    return this.#roots.get(id);
  }

  intermediateKey(id: string): IntermediateKey | undefined {
    return this.#intermediates.get(id);
  }

  /** Adding an id again replaces its key, and the newest-key pointers follow the replacement. */
  addRootKey(id: string, key: Buffer): void {
    this.#roots.set(id, key);
    if (id >= this.#newestRoot.id) this.#newestRoot = { id, key };
  }

  addIntermediateKey(id: string, rootKeyId: string, key: Buffer): void {
    const entry: IntermediateKey = { id, idBytes: uuidToBytes(id), rootKeyId, key, contentKeyAad: contentKeyAad(id) };
    this.#intermediates.set(id, entry);
    if (this.#newestIntermediate === undefined || id >= this.#newestIntermediate.id) this.#newestIntermediate = entry;
  }

  /** Overwrites every key with zeros and forgets them. */
  wipe(): void {
    this.unsealKey.fill(0);
    for (const key of this.#roots.values()) key.fill(0);
    for (const entry of this.#intermediates.values()) entry.key.fill(0);
    this.#roots.clear();
    this.#intermediates.clear();
    this.#newestIntermediate = undefined;
  }
}

/** The root key with the greatest id (the newest; among equal ids, the last), if any. */
export function newestRootKey(rootKeys: readonly StoredRootKey[]): StoredRootKey | undefined {
  let newest: StoredRootKey | undefined;
  for (const key of rootKeys) {
    if (newest === undefined || key.id >= newest.id) newest = key;
  }
  return newest;
}

/**
 * Unwraps every key of the snapshot the keyring does not hold yet, and returns the key new records
 * are sealed under (so a store without one fails here, at unseal). Any key that fails to
 * authenticate is damage to the store (the newest root key was already proven), hence an
 * integrity error rather than an unseal error.
 */
export function absorbSnapshot(keyring: Keyring, snapshot: BarrierSnapshot, allocate: SecretAllocator): IntermediateKey {
  for (const stored of snapshot.rootKeys) {
    if (keyring.rootKey(stored.id) !== undefined) continue;
    const key = unwrapKey(keyring.unsealKey, stored.wrapped, rootKeyAad(stored.id), allocate);
    if (key === undefined) throw new BarrierIntegrityError(`root key ${stored.id} does not authenticate under the unseal key`);
    keyring.addRootKey(stored.id, key);
  }
  for (const stored of snapshot.intermediateKeys) {
    if (keyring.intermediateKey(stored.id) !== undefined) continue;
    const parent = keyring.rootKey(stored.rootKeyId);
    if (parent === undefined) throw new BarrierIntegrityError(`intermediate key ${stored.id} names root key ${stored.rootKeyId}, which the store does not hold`);
    const key = unwrapKey(parent, stored.wrapped, intermediateKeyAad(stored.id, stored.rootKeyId), allocate);
    if (key === undefined) throw new BarrierIntegrityError(`intermediate key ${stored.id} does not authenticate under root key ${stored.rootKeyId}`);
    keyring.addIntermediateKey(stored.id, stored.rootKeyId, key);
  }
  return keyring.newestIntermediate;
}
