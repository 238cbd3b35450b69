/**
 * The `KeySource` of the operations (ports.ts): a set's active key and the keys that may verify or
 * decrypt (active, and retired within retention; for an `enc` set also `next`, which its JWKS
 * publishes and a sender may already encrypt to), unsealed and prepared once and cached while the
 * barrier stays open. The cache follows the set's version, so a rotation here is seen at once and
 * one made by another replica within REVALIDATE_MS; a retired key leaves `usable` when its
 * retention ends, even before the sweep deletes it.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Barrier } from '../template/barrier/contract.ts';
import { InternalError, NotFoundError } from '../template/errors/index.ts';
import { VersionedCache, type Built } from './cache.ts';
import type { JaContext } from './context.ts';
import { KeySet } from './entities.ts';
import { keysOf } from './key-sets.ts';
import { openKey } from './keys.ts';
import type { KeyChoice, KeySource } from './ports.ts';

/** One set's own keys and the name of the set it is paired with. */
interface SetKeys {
  readonly choice: KeyChoice;
  readonly pairedWith: string | null;
}

async function buildKeys(em: EntityManager, ja: JaContext, set: KeySet): Promise<Built<SetKeys>> {
  const now = ja.now().getTime();
  const keys = await keysOf(em, set);
  const active = keys.find((key) => key.status === 'active');
  if (active === undefined) {
    // Deleted between reading the set and reading its keys: the caller is told what it would be told a moment later.
    if (await em.count(KeySet, { id: set.id }) === 0) throw new NotFoundError(`no key set named ${set.name}`);
    throw new InternalError(new Error(`key set ${set.name} has no active key`));
  }
  const retired = keys.flatMap((key) => (key.status === 'retired' && key.deleteAfter instanceof Date && key.deleteAfter.getTime() > now ? [{ key, endsAt: key.deleteAfter.getTime() }] : []));
  const activeKey = await openKey(ja.barrier, set.alg, active);
  // A sender picks any published key of an enc set; a sig set's next key has signed nothing yet.
  const upcoming = set.use === 'enc' ? keys.filter((key) => key.status === 'next') : [];
  const usable = [activeKey, ...await Promise.all([...retired.map(({ key }) => key), ...upcoming].map((key) => openKey(ja.barrier, set.alg, key)))];
  const settings = { name: set.name, use: set.use, alg: set.alg, issuer: set.issuer, tokenType: set.tokenType };
  const choice: KeyChoice = { settings, active: activeKey, usable };
  // The first retention to end makes the entry stale: that key must stop verifying then.
  const ends = retired.map(({ endsAt }) => endsAt);
  return { value: { choice, pairedWith: set.pairedWith ?? null }, ...(ends.length === 0 ? {} : { staleAt: Math.min(...ends) }) };
}

/** The key source of one process; its cache is wiped whenever the barrier seals. */
export class CachedKeySource implements KeySource {
  readonly #cache: VersionedCache<SetKeys>;

  constructor(fork: () => EntityManager, ja: JaContext, barrier: Barrier) {
    this.#cache = new VersionedCache({ fork, now: () => ja.now().getTime(), build: (em, set) => buildKeys(em, ja, set) });
    barrier.onSeal(() => { this.#cache.wipe(); });
  }

  async keys(name: string): Promise<KeyChoice> {
    const own = await this.#cache.get(name);
    if (own.pairedWith === null) return own.choice;
    return { ...own.choice, paired: (await this.#cache.get(own.pairedWith)).choice };
  }

  /** Forgets the named set (its keys changed in this process). */
  drop(name: string): void {
    this.#cache.drop(name);
  }
}
