/**
 * A BarrierStore in process memory: for tests and for tools that need a throwaway barrier. It
 * keeps copies, so callers cannot change what it holds, and it behaves like the database stores
 * (first initialization wins).
 */
// @ts-nocheck

import type { BarrierSnapshot, BarrierStore, InitialKeys, RotatedKeys, StoredIntermediateKey, StoredRootKey } from './store.ts';

function copyRoot(key: StoredRootKey): StoredRootKey {
  return { id: key.id, wrapped: Uint8Array.from(key.wrapped) };
}

function copyIntermediate(key: StoredIntermediateKey): StoredIntermediateKey {
  return { id: key.id, rootKeyId: key.rootKeyId, wrapped: Uint8Array.from(key.wrapped) };
}

export class MemoryBarrierStore implements BarrierStore {
  #threshold: number | undefined;
  readonly #rootKeys: StoredRootKey[] = [];
  readonly #intermediateKeys: StoredIntermediateKey[] = [];

  load(): Promise<BarrierSnapshot | undefined> {
    const threshold = this.#threshold;
    return Promise.resolve(threshold === undefined ? undefined : {
      threshold,
      rootKeys: this.#rootKeys.map(copyRoot),
      intermediateKeys: this.#intermediateKeys.map(copyIntermediate),
    });
  }

  initialize(keys: InitialKeys): Promise<boolean> {
    if (this.#threshold !== undefined) return Promise.resolve(false);
    this.#threshold = keys.threshold;
    this.#rootKeys.push(copyRoot(keys.rootKey));
    this.#intermediateKeys.push(copyIntermediate(keys.intermediateKey));
    return Promise.resolve(true);
  }

  addKeys(keys: RotatedKeys): Promise<void> {
    if (keys.rootKey !== undefined) this.#rootKeys.push(copyRoot(keys.rootKey));
    this.#intermediateKeys.push(copyIntermediate(keys.intermediateKey));
    return Promise.resolve();
  }
}
