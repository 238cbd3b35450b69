/**
 * A JaContext for tests of the domain modules without the template: an unsealed in-memory barrier,
 * a clock the test moves, and a record of the sets reported changed.
 */
import { createBarrierWithStore, MemoryBarrierStore, newUnsealShares, type Barrier } from '../../template/barrier/index.ts';
import type { Actor, JaContext } from '../context.ts';

export interface TestJa {
  readonly ja: JaContext;
  readonly barrier: Barrier;
  /** Names passed to `changed`, in order. */
  readonly changes: string[];
  /** Moves the clock forward. */
  advance(ms: number): void;
  /** The clock, ms since the epoch. */
  now(): number;
}

export const ALICE: Actor = { subject: 'alice', clientId: 'console' };

export const DAY_MS = 86_400_000;

/** A context whose barrier is unsealed, whose clock starts now and whose JWKS max-age is `maxAgeSeconds`. */
export async function unsealedJa(maxAgeSeconds = 300, barrier: Barrier = createBarrierWithStore(new MemoryBarrierStore(), 3)): Promise<TestJa> {
  if (barrier.isSealed()) await barrier.unseal((await newUnsealShares(5, 3)).slice(0, 3));
  let now = Date.now();
  const changes: string[] = [];
  return {
    ja: { barrier, jwksMaxAgeSeconds: maxAgeSeconds, publicUrl: () => 'https://ja.test', now: () => new Date(now), changed: (name) => { changes.push(name); } },
    barrier,
    changes,
    advance: (ms) => { now += ms; },
    now: () => now,
  };
}

// The same helpers as sm-kms's domain tests: shared, not copied.
export { rejection, unique } from '../../sm-kms/testing/kms-context.ts';
