/**
 * A KmsContext for tests of the domain modules without the template: an unsealed in-memory barrier,
 * fresh caches and a clock the test moves.
 */
import { createBarrierWithStore, MemoryBarrierStore, newUnsealShares, type Barrier } from '../../template/barrier/index.ts';
import type { Reads } from '../../template/database/index.ts';
import { KeyCache, type KeyCacheOptions } from '../cache.ts';
import { DEFAULT_ENCRYPTION_LIMIT } from '../config.ts';
import type { Actor, KmsContext } from '../context.ts';

export interface TestKms {
  readonly kms: KmsContext;
  readonly barrier: Barrier;
  readonly cache: KeyCache;
  /** Moves the KMS clock forward. */
  advance(ms: number): void;
}

export const ALICE: Actor = { subject: 'alice', clientId: 'console' };

/** Reads for a test that must not touch a database: every read fails. */
export const NO_DATABASE: Reads = {
  one: () => Promise.reject(new Error('no database read expected')),
  oneOrFail: () => Promise.reject(new Error('no database read expected')),
  all: () => Promise.reject(new Error('no database read expected')),
};

/**
 * A context on the database of `reads`, whose barrier is unsealed (5 shares, threshold 3), whose
 * clock starts now, with the given encryption limit.
 */
export async function unsealedKms(reads: Reads = NO_DATABASE, cacheOptions: Partial<KeyCacheOptions> = {}, encryptionLimit = DEFAULT_ENCRYPTION_LIMIT): Promise<TestKms> {
  const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3);
  await barrier.unseal((await newUnsealShares(5, 3)).slice(0, 3));
  let now = Date.now();
  const cache = new KeyCache({ ...cacheOptions, now: () => now });
  barrier.onSeal(() => { cache.wipe(); });
  return {
    kms: { barrier, cache, reads, encryptionLimit, now: () => new Date(now) },
    barrier,
    cache,
    advance: (ms) => { now += ms; },
  };
}

let counter = 0;

/** A name no other test of this run has used (tests share one database per suite). */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${String(counter)}-${String(Date.now())}`;
}

/** The error `work` rejects with, or undefined when it resolves. */
export async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}
