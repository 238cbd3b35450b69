/**
 * The fast path of sm-kms (issue "sm-kms" point 6). Two caches, both bounded LRUs of promises (so
 * concurrent misses share one load):
 * - prepared keys by `kid`: decrypted material parsed into KeyObjects, kept while unsealed and
 *   dropped on every seal (the barrier's `onSeal`), so no key outlives the barrier's own keys;
 * - status snapshots of elastic keys and material keys: at most `statusTtlMs` old (500 ms), and
 *   dropped at once by local writes, so another process's disable or revoke is seen within a second.
 * A snapshot's age counts from the start of its load, and an invalidation removes the entry itself,
 * so a load that raced a write is never served after the write's invalidation.
 */
import type { PreparedKey } from '../template/jose/index.ts';
import type { AlgorithmRow } from '../template/jose/contract.ts';
import type { KeyStatus, MaterialStatus, RevocationPolicy } from './lifecycle.ts';
import { Lru } from '../template/cache/lru.ts';

/** What the hot path needs of an elastic key, copied out of the entity manager. */
export interface KeySnapshot extends RevocationPolicy {
  readonly id: string;
  readonly algorithm: AlgorithmRow;
  readonly status: KeyStatus;
  readonly deletionScheduledAt: Date | null;
  /** Rotate before the latest version reaches the encryption limit. */
  readonly autoRotate: boolean;
  /** The highest active version's id: what encrypt, sign and generate use. */
  readonly latestActiveKid: string | null;
}

/** What decrypt and verify need of the material key a `kid` names. */
export interface MaterialSnapshot {
  readonly kid: string;
  readonly elasticKeyId: string;
  readonly status: MaterialStatus;
}

export interface KeyCacheOptions {
  readonly preparedKeys: number;
  readonly statusEntries: number;
  readonly statusTtlMs: number;
  /** Milliseconds since the epoch; tests move the clock. */
  readonly now: () => number;
}

/** 1,000 prepared keys cover a busy tenant; 500 ms keeps a remote state change under the one-second promise. */
export const CACHE_DEFAULTS: KeyCacheOptions = { preparedKeys: 1000, statusEntries: 10_000, statusTtlMs: 500, now: Date.now };

interface Entry<V> {
  readonly value: Promise<V>;
  readonly expiresAt: number;
}

class PromiseCache<V> {
  readonly #entries: Lru<string, Entry<V>>;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(capacity: number, ttlMs: number, now: () => number) {
    this.#entries = new Lru(capacity);
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.expiresAt > this.#now()) return hit.value;
    const entry: Entry<V> = { value: load(), expiresAt: this.#now() + this.#ttlMs };
    this.#entries.set(key, entry);
    // A failed load is not remembered: the next request tries again.
    entry.value.catch(() => { this.#entries.deleteIf(key, entry); });
    return entry.value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The caches of one sm-kms process. */
export class KeyCache {
  readonly #prepared: PromiseCache<PreparedKey>;
  readonly #keys: PromiseCache<KeySnapshot | null>;
  readonly #materials: PromiseCache<MaterialSnapshot | null>;

  constructor(options: Partial<KeyCacheOptions> = {}) {
    const settings = { ...CACHE_DEFAULTS, ...options };
    // Prepared keys carry no status, so they never go stale: only seal, eviction or deletion drops them.
    this.#prepared = new PromiseCache(settings.preparedKeys, Number.POSITIVE_INFINITY, settings.now);
    this.#keys = new PromiseCache(settings.statusEntries, settings.statusTtlMs, settings.now);
    this.#materials = new PromiseCache(settings.statusEntries, settings.statusTtlMs, settings.now);
  }

  /** The elastic key's snapshot (null: no such key), loaded when absent or older than the TTL. */
  key(id: string, load: () => Promise<KeySnapshot | null>): Promise<KeySnapshot | null> {
    return this.#keys.get(id, load);
  }

  /** The material key's snapshot (null: no such kid), loaded when absent or older than the TTL. */
  material(kid: string, load: () => Promise<MaterialSnapshot | null>): Promise<MaterialSnapshot | null> {
    return this.#materials.get(kid, load);
  }

  /** The prepared key, decrypted and parsed on first use. */
  prepared(kid: string, load: () => Promise<PreparedKey>): Promise<PreparedKey> {
    return this.#prepared.get(kid, load);
  }

  /** After a local write to the elastic key (status, policy, new or revoked material). */
  forgetKey(id: string): void {
    this.#keys.delete(id);
  }

  /** After a local write to the material key (revoke). */
  forgetMaterial(kid: string): void {
    this.#materials.delete(kid);
  }

  /** After the material was destroyed (the elastic key was deleted). */
  forgetPrepared(kid: string): void {
    this.#prepared.delete(kid);
  }

  /** On seal: nothing decrypted, and no status read while unsealed, survives. */
  wipe(): void {
    this.#prepared.clear();
    this.#keys.clear();
    this.#materials.clear();
  }

  /** Entry counts, for metrics and tests. */
  sizes(): { readonly prepared: number; readonly keys: number; readonly materials: number } {
    return { prepared: this.#prepared.size, keys: this.#keys.size, materials: this.#materials.size };
  }
}
