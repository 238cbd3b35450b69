/**
 * Where the barrier keeps its wrapped keys. A small interface so that the same conformance suite
 * runs against every implementation (memory, SQLite, PostgreSQL), as Vault tests its barrier.
 */
// @ts-nocheck


/** A root key as stored: wrapped by the unseal key. */
export interface StoredRootKey {
  readonly id: string;
  readonly wrapped: Uint8Array;
}

/** An intermediate key as stored: wrapped by the root key `rootKeyId`. */
export interface StoredIntermediateKey {
  readonly id: string;
  readonly rootKeyId: string;
  readonly wrapped: Uint8Array;
}

/** Everything an unseal needs, read from an initialized store. */
export interface BarrierSnapshot {
  /** Shares needed to rebuild the unseal key, recorded at initialization. */
  readonly threshold: number;
  readonly rootKeys: readonly StoredRootKey[];
  readonly intermediateKeys: readonly StoredIntermediateKey[];
}

/** What the first unseal of an empty store writes. */
export interface InitialKeys {
  readonly threshold: number;
  readonly rootKey: StoredRootKey;
  readonly intermediateKey: StoredIntermediateKey;
}

/** What one rotation writes: a new intermediate key, and the new root key it sits under if any. */
export interface RotatedKeys {
  readonly rootKey?: StoredRootKey;
  readonly intermediateKey: StoredIntermediateKey;
}

export interface BarrierStore {
  /** Undefined until an initialization has committed. */
  load(): Promise<BarrierSnapshot | undefined>;
  /**
   * Writes the threshold and the first keys in one transaction. Resolves false, writing nothing,
   * when another initialization got there first (another process unsealing at the same moment).
   */
  initialize(keys: InitialKeys): Promise<boolean>;
  /** Adds the keys of one rotation in one transaction. */
  addKeys(keys: RotatedKeys): Promise<void>;
}
