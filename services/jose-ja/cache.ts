/**
 * A per-set cache that other replicas cannot leave stale for long: each entry remembers the set's
 * `version` (which grows with every change of its keys) and is trusted without a database read for
 * `revalidateMs`; after that one indexed read of the version (and row id) either renews it or rebuilds it. A
 * change made by this process drops the entry at once (`drop`), one made by another replica is seen
 * within `revalidateMs`.
 */
import type { EntityManager } from '@mikro-orm/core';
import { NotFoundError } from '../template/errors/index.ts';
import { KeySet } from './entities.ts';

/** How long an entry is trusted before the set's version is read again (multi-replica staleness bound). */
export const REVALIDATE_MS = 2000;

/** What a build makes of a set; `staleAt` (ms since the epoch) forces a rebuild then (a retention that ends). */
export interface Built<T> {
  readonly value: T;
  readonly staleAt?: number;
}

interface Entry<T> {
  /** The set's row id: a set deleted and made again under its name starts again at version 1. */
  readonly setId: string;
  readonly version: number;
  readonly built: Built<T>;
  checkedAt: number;
}

export interface VersionedCacheOptions<T> {
  readonly fork: () => EntityManager;
  readonly build: (em: EntityManager, set: KeySet) => Promise<Built<T>>;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly revalidateMs?: number;
}

export class VersionedCache<T> {
  readonly #options: VersionedCacheOptions<T>;
  readonly #revalidateMs: number;
  readonly #entries = new Map<string, Entry<T>>();
  /** Bumped by `drop`: a build that started before a drop does not store what it read. */
  readonly #generations = new Map<string, number>();
  /** The refresh under way per set, which concurrent callers join. */
  readonly #pending = new Map<string, Promise<T>>();

  constructor(options: VersionedCacheOptions<T>) {
    this.#options = options;
    this.#revalidateMs = options.revalidateMs ?? REVALIDATE_MS;
  }

  /** The value for the named set; NotFoundError (404) when there is no such set. Concurrent misses share one read and build. */
  async get(name: string): Promise<T> {
    const now = this.#options.now();
    const entry = this.#entries.get(name);
    if (entry !== undefined && now - entry.checkedAt < this.#revalidateMs && !isStale(entry, now)) return entry.built.value;
    const pending = this.#pending.get(name);
    if (pending !== undefined) return pending;
    const refresh = this.#refresh(name, entry, now).finally(() => {
      if (this.#pending.get(name) === refresh) this.#pending.delete(name);
    });
    this.#pending.set(name, refresh);
    return refresh;
  }

  async #refresh(name: string, entry: Entry<T> | undefined, now: number): Promise<T> {
    const generation = this.#generations.get(name) ?? 0;
    const em = this.#options.fork();
    const set = await em.findOne(KeySet, { name });
    if (set === null) {
      this.#entries.delete(name);
      throw new NotFoundError(`no key set named ${name}`);
    }
    if (entry?.setId === set.id && entry.version === set.version && !isStale(entry, now)) {
      entry.checkedAt = now;
      return entry.built.value;
    }
    const built = await this.#options.build(em, set);
    if ((this.#generations.get(name) ?? 0) === generation) this.#entries.set(name, { setId: set.id, version: set.version, built, checkedAt: now });
    return built.value;
  }

  /** Forgets the named set (its keys changed in this process). */
  drop(name: string): void {
    this.#entries.delete(name);
    // A refresh under way read the set before the change: later callers must not join it.
    this.#pending.delete(name);
    this.#generations.set(name, (this.#generations.get(name) ?? 0) + 1);
  }

  /** Forgets everything (the barrier sealed). */
  wipe(): void {
    for (const name of this.#entries.keys()) this.drop(name);
  }
}

function isStale(entry: Entry<unknown>, now: number): boolean {
  return entry.built.staleAt !== undefined && entry.built.staleAt <= now;
}
