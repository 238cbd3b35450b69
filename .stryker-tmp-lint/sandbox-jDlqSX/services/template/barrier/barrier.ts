/**
 * The barrier (DESIGN "Barrier", modelled on Vault's AESGCMBarrier): sealed until `threshold`
 * Shamir shares rebuild the unseal key; then the keyring of root and intermediate keys lives in
 * memory, records are sealed under fresh content keys, and `seal` wipes every key it holds.
 */
// @ts-nocheck

import { randomFillSync, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { BadRequestError } from '../errors/index.ts';
import { uuidv7 } from '../database/index.ts';
import {
  BarrierIntegrityError,
  BarrierSealedError,
  UnsealError,
  type Barrier,
  type BarrierKeyKind,
  type RotationResult,
  type SealStatus,
} from './contract.ts';
import { KEY_BYTES } from './gcm.ts';
import { absorbSnapshot, Keyring, newestRootKey, type IntermediateKey } from './keyring.ts';
import { openRecord, parseRecord, sealRecord } from './record.ts';
import { checkKeyCheck, checkThreshold, combineDecoded, decodeShare, matchesKeyCheck, shareIndex } from './shares.ts';
import type { BarrierStore, InitialKeys, StoredRootKey } from './store.ts';
import { allocateSecret, intermediateKeyAad, rootKeyAad, unwrapKey, wrapKey, type SecretAllocator } from './wrapping.ts';

/** Optional parts of a barrier. */
export interface BarrierTuning {
  /** Receives unseal, seal, initialization and rotation events with key ids; never key material. */
  readonly logger?: Logger;
  /**
   * Where every key the barrier holds is allocated (default: zero-filled, unpooled Buffers).
   * Tests pass one that records each buffer, to prove that `seal` leaves only zeros.
   */
  readonly allocateSecret?: SecretAllocator;
  /**
   * `barrier.keyCheck`, the value `init` printed: every rebuilt unseal key must match it before
   * anything is read or written, so a forged share can neither initialize nor unseal. Without it,
   * an empty store is initialized only by a whole share list from configuration (`unseal`), never
   * by shares arriving one at a time (`submitShare`), where a stranger's share could mix in.
   */
  readonly keyCheck?: string;
}

/** The kinds `rotate` accepts, for callers that bypass the type (a JSON body). */
const ROTATABLE: ReadonlySet<string> = new Set<BarrierKeyKind>(['root', 'intermediate']);

const WRONG_KEY = "the shares do not rebuild this barrier's unseal key";
const WRONG_KEY_CHECK = 'the shares do not rebuild the unseal key named by barrier.keyCheck';
const NO_KEY_CHECK = 'this barrier is not initialized and barrier.keyCheck is not configured: configure the key check value init printed before unsealing through POST /admin/v1/unseal';


/** Runs `work` now and turns a synchronous throw into a rejection, without an extra tick. */
function promised<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(work());
  });
}

class ShamirBarrier implements Barrier {
  readonly #store: BarrierStore;
  readonly #threshold: number;
  readonly #log: Logger | undefined;
  readonly #allocate: SecretAllocator;
  readonly #keyCheck: string | undefined;
  /** Shares received towards the next unseal, by x coordinate (a point is counted once). */
  readonly #pending = new Map<number, Buffer>();
  readonly #listeners = new Set<() => void>();
  #keyring: Keyring | undefined;
  /** Replaced by every seal, so an unseal or rotation that was in flight does not outlive it. */
  #generation: object = {};
  /** Unseals and rotations run one at a time; encrypt and decrypt never wait on it. */
  #queue: Promise<unknown> = Promise.resolve();
  #refreshing: Promise<void> | undefined;

  constructor(store: BarrierStore, threshold: number, tuning: BarrierTuning) {
    checkThreshold(threshold);
    this.#store = store;
    this.#threshold = threshold;
    this.#log = tuning.logger;
    this.#allocate = tuning.allocateSecret ?? allocateSecret;
    if (tuning.keyCheck !== undefined) checkKeyCheck(tuning.keyCheck);
    this.#keyCheck = tuning.keyCheck;
  }

  status(): SealStatus {
    const sealed = this.#keyring === undefined;
    return { sealed, threshold: this.#threshold, progress: sealed ? this.#pending.size : 0 };
  }

  isSealed(): boolean {
    return this.#keyring === undefined;
  }

  submitShare(share: string): Promise<SealStatus> {
    return this.#serialized(async () => {
      if (this.#keyring === undefined) {
        this.#collect([decodeShare(share, undefined, this.#allocate)]);
        await this.#attempt(true);
      }
      return this.status();
    });
  }

  unseal(shares: readonly string[]): Promise<void> {
    return this.#serialized(async () => {
      if (this.#keyring !== undefined) return;
      const decoded: Buffer[] = [];
      try {
        shares.forEach((share, index) => decoded.push(decodeShare(share, index + 1, this.#allocate)));
      } catch (error) {
        for (const bytes of decoded) bytes.fill(0);
        throw error;
      }
      this.#collect(decoded);
      await this.#attempt(false);
    });
  }

  seal(): void {
    this.#generation = {};
    const keyring = this.#keyring;
    this.#keyring = undefined;
    keyring?.wipe();
    this.#dropPending();
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch {
        // One failing cache must not stop the others from wiping; its error may quote key material.
        this.#log?.error({ component: 'barrier' }, 'an onSeal listener failed; the other listeners ran');
      }
    }
    this.#log?.info({ component: 'barrier' }, 'barrier sealed');
  }

  encrypt(plaintext: Uint8Array, aad: string): Promise<Uint8Array> {
    return promised(() => {
      const keyring = this.#unsealedKeyring();
      return sealRecord(keyring.newestIntermediate, plaintext, Buffer.from(aad), this.#randomKey);
    });
  }

  async decrypt(ciphertext: Uint8Array, aad: string): Promise<Uint8Array> {
    const keyring = this.#unsealedKeyring();
    const fields = parseRecord(ciphertext);
    const intermediate = keyring.intermediateKey(fields.intermediateKeyId) ?? await this.#reloadedKey(fields.intermediateKeyId);
    return openRecord(fields, intermediate, Buffer.from(aad), this.#allocate);
  }

  rotate(kind: BarrierKeyKind): Promise<RotationResult> {
    return this.#serialized(async () => {
      if (!ROTATABLE.has(kind)) throw new BadRequestError('the barrier rotates root or intermediate keys only');
      const keyring = this.#unsealedKeyring();
      const generation = this.#generation;
      const root = kind === 'root' ? this.#newRootKey(keyring.unsealKey) : { ...keyring.newestRoot, stored: undefined };
      const intermediateKeyId = uuidv7();
      const intermediateKey = this.#randomKey();
      const wrapped = wrapKey(root.key, intermediateKey, intermediateKeyAad(intermediateKeyId, root.id));
      const wipeNew = () => {
        intermediateKey.fill(0);
        if (root.stored !== undefined) root.key.fill(0);
      };
      try {
        await this.#store.addKeys({ rootKey: root.stored, intermediateKey: { id: intermediateKeyId, rootKeyId: root.id, wrapped } });
      } catch (error) {
        wipeNew();
        throw error;
      }
      // Sealed while writing: the keys are stored for the next unseal; this keyring is gone.
      if (generation !== this.#generation) {
        wipeNew();
        throw new BarrierSealedError();
      }
      // For an intermediate rotation this re-adds the newest root key as it is.
      keyring.addRootKey(root.id, root.key);
      keyring.addIntermediateKey(intermediateKeyId, root.id, intermediateKey);
      this.#log?.info({ component: 'barrier', kind, rootKeyId: root.id, intermediateKeyId }, 'barrier key rotated');
      return { rootKeyId: root.id, intermediateKeyId };
    });
  }

  onSeal(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  readonly #randomKey = (): Buffer => randomFillSync(this.#allocate(KEY_BYTES));

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #unsealedKeyring(): Keyring {
    if (this.#keyring === undefined) throw new BarrierSealedError();
    return this.#keyring;
  }

  /**
   * Adds decoded shares to the pending ones, which then own them. A repeated share is ignored;
   * whatever is not kept (repeats, or the whole call after a conflict) is wiped.
   */
  #collect(shares: readonly Buffer[]): void {
    try {
      const incoming = new Map<number, Buffer>();
      for (const share of shares) {
        const index = shareIndex(share);
        const known = this.#pending.get(index) ?? incoming.get(index);
        if (known === undefined) {
          incoming.set(index, share);
        } else if (!timingSafeEqual(known, share)) {
          throw new UnsealError('two different shares have the same index: one of them is not a share of this unseal key');
        }
      }
      for (const [index, share] of incoming) this.#pending.set(index, share);
    } finally {
      const kept = new Set(this.#pending.values());
      for (const share of shares) {
        if (!kept.has(share)) share.fill(0);
      }
    }
  }

  #dropPending(): void {
    for (const share of this.#pending.values()) share.fill(0);
    this.#pending.clear();
  }

  /** With enough shares, rebuilds the unseal key and opens (or initializes) the store with it. */
  /** `oneAtATime`: the shares came through `submitShare`, where anyone's share may have mixed in. */
  async #attempt(oneAtATime: boolean): Promise<void> {
    if (this.#pending.size < this.#threshold) return;
    const shares = [...this.#pending.values()];
    // Whatever happens next, these shares are spent: a failed attempt starts again from zero.
    this.#pending.clear();
    const unsealKey = this.#allocate(KEY_BYTES);
    try {
      const rebuilt = await combineDecoded(shares);
      unsealKey.set(rebuilt);
      rebuilt.fill(0);
    } finally {
      for (const share of shares) share.fill(0);
    }
    const generation = this.#generation;
    let keyring: Keyring;
    try {
      // Before the store is read: a key other than the committed one writes nothing and opens nothing.
      if (this.#keyCheck !== undefined && !matchesKeyCheck(unsealKey, this.#keyCheck)) throw new UnsealError(WRONG_KEY_CHECK);
      keyring = await this.#open(unsealKey, oneAtATime);
    } catch (error) {
      unsealKey.fill(0);
      throw error;
    }
    if (generation !== this.#generation) {
      keyring.wipe();
      return;
    }
    this.#keyring = keyring;
    this.#log?.info({ component: 'barrier', rootKeyId: keyring.newestRoot.id, intermediateKeyId: keyring.newestIntermediate.id }, 'barrier unsealed');
  }

  /** The keyring under this unseal key; the first unseal of an empty store initializes it. */
  async #open(unsealKey: Buffer, oneAtATime: boolean): Promise<Keyring> {
    let snapshot = await this.#store.load();
    if (snapshot === undefined) {
      if (this.#keyCheck === undefined && oneAtATime) throw new UnsealError(NO_KEY_CHECK);
      const initial = this.#initialKeys(unsealKey);
      if (await this.#store.initialize(initial.keys)) {
        this.#log?.info({ component: 'barrier', threshold: this.#threshold, rootKeyId: initial.keys.rootKey.id }, 'barrier initialized');
        return initial.keyring();
      }
      // Another process initialized first: use its keys, which these shares must open too.
      initial.wipe();
      snapshot = await this.#store.load();
      if (snapshot === undefined) throw new BarrierIntegrityError('the store refused the initialization but holds no barrier');
    }
    if (snapshot.threshold !== this.#threshold) {
      throw new UnsealError(`this barrier was initialized with threshold ${snapshot.threshold}, but the configured threshold is ${this.#threshold}`);
    }
    const newest = newestRootKey(snapshot.rootKeys);
    if (newest === undefined) throw new BarrierIntegrityError('the barrier store holds no root key');
    // A wrong unseal key is found here, by GCM, before anything is written.
    const rootKey = unwrapKey(unsealKey, newest.wrapped, rootKeyAad(newest.id), this.#allocate);
    if (rootKey === undefined) throw new UnsealError(WRONG_KEY);
    const keyring = new Keyring(unsealKey, newest.id, rootKey);
    try {
      absorbSnapshot(keyring, snapshot, this.#allocate);
    } catch (error) {
      keyring.wipe();
      throw error;
    }
    return keyring;
  }

  #newRootKey(unsealKey: Buffer): { readonly id: string; readonly key: Buffer; readonly stored: StoredRootKey } {
    const id = uuidv7();
    const key = this.#randomKey();
    return { id, key, stored: { id, wrapped: wrapKey(unsealKey, key, rootKeyAad(id)) } };
  }

  #initialKeys(unsealKey: Buffer): { readonly keys: InitialKeys; keyring(): Keyring; wipe(): void } {
    const root = this.#newRootKey(unsealKey);
    const intermediateKeyId = uuidv7();
    const intermediateKey = this.#randomKey();
    const keys: InitialKeys = {
      threshold: this.#threshold,
      rootKey: root.stored,
      intermediateKey: { id: intermediateKeyId, rootKeyId: root.id, wrapped: wrapKey(root.key, intermediateKey, intermediateKeyAad(intermediateKeyId, root.id)) },
    };
    return {
      keys,
      keyring: () => {
        const keyring = new Keyring(unsealKey, root.id, root.key);
        keyring.addIntermediateKey(intermediateKeyId, root.id, intermediateKey);
        return keyring;
      },
      wipe: () => {
        root.key.fill(0);
        intermediateKey.fill(0);
      },
    };
  }

  /** Another process may have rotated: read the store once (shared by concurrent callers). */
  async #reloadedKey(id: string): Promise<IntermediateKey> {
    this.#refreshing ??= this.#reload().finally(() => {
      this.#refreshing = undefined;
    });
    await this.#refreshing;
    const key = this.#unsealedKeyring().intermediateKey(id);
    if (key === undefined) throw new BarrierIntegrityError(`the record names intermediate key ${id}, which this barrier does not hold`);
    return key;
  }

  async #reload(): Promise<void> {
    const snapshot = await this.#store.load();
    const keyring = this.#keyring;
    if (snapshot !== undefined && keyring !== undefined) absorbSnapshot(keyring, snapshot, this.#allocate);
  }
}

/**
 * A barrier over any BarrierStore (the memory store in tests and tools). `threshold` is the number
 * of shares that rebuild the unseal key (2 to 255); a threshold Shamir cannot honour throws UsageError.
 */
export function createBarrierWithStore(store: BarrierStore, threshold: number, tuning: BarrierTuning = {}): Barrier {
  return new ShamirBarrier(store, threshold, tuning);
}
