import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/core';
import { NotFoundError } from '../template/errors/index.ts';
import { VersionedCache } from './cache.ts';
import type { KeySet } from './entities.ts';
import { rejection } from './testing/context.ts';

/** A database of one set whose version the test changes; `reads` counts version reads. */
function fakeDatabase(): { fork: () => EntityManager; id: string; version: number; exists: boolean; reads: number } {
  const state = {
    id: 'id-1',
    version: 1,
    exists: true,
    reads: 0,
    fork: () => ({
      findOne: () => {
        state.reads += 1;
        return Promise.resolve(state.exists ? { id: state.id, name: 'a', version: state.version } as KeySet : null);
      },
    }) as unknown as EntityManager,
  };
  return state;
}

describe('the versioned per-set cache', () => {
  it('trusts an entry for revalidateMs, renews it on the same version, rebuilds on a new one', async () => {
    const db = fakeDatabase();
    let now = 0;
    let builds = 0;
    const cache = new VersionedCache({ fork: db.fork, now: () => now, revalidateMs: 10, build: (_em, set) => { builds += 1; return Promise.resolve({ value: `v${String(set.version)}` }); } });
    expect(await cache.get('a')).to.equal('v1');
    expect(await cache.get('a')).to.equal('v1');
    expect([db.reads, builds]).to.deep.equal([1, 1]);
    now = 10;
    expect(await cache.get('a')).to.equal('v1');
    expect([db.reads, builds]).to.deep.equal([2, 1]);
    db.version = 2;
    expect(await cache.get('a')).to.equal('v1');
    now = 20;
    expect(await cache.get('a')).to.equal('v2');
    expect(builds).to.equal(2);
  });

  it('rebuilds a set deleted and made again under its name, though its version is the same', async () => {
    const db = fakeDatabase();
    let now = 0;
    const cache = new VersionedCache({ fork: db.fork, now: () => now, revalidateMs: 10, build: (_em, set) => Promise.resolve({ value: set.id }) });
    expect(await cache.get('a')).to.equal('id-1');
    db.id = 'id-2';
    now = 10;
    expect(await cache.get('a')).to.equal('id-2');
  });

  it('rebuilds once staleAt has passed, whatever the version', async () => {
    const db = fakeDatabase();
    let now = 0;
    let builds = 0;
    const cache = new VersionedCache({ fork: db.fork, now: () => now, revalidateMs: 1000, build: () => { builds += 1; return Promise.resolve({ value: builds, staleAt: 5 }); } });
    expect(await cache.get('a')).to.equal(1);
    now = 5;
    expect(await cache.get('a')).to.equal(2);
  });

  it('does not keep what a build read before a drop; 404 forgets the set', async () => {
    const db = fakeDatabase();
    let builds = 0;
    const cache = new VersionedCache<number>({
      fork: db.fork,
      now: () => 0,
      build: () => {
        builds += 1;
        if (builds === 1) cache.drop('a');
        return Promise.resolve({ value: builds });
      },
    });
    expect(await cache.get('a')).to.equal(1);
    expect(await cache.get('a')).to.equal(2);
    expect(await cache.get('a')).to.equal(2);
    db.exists = false;
    cache.wipe();
    expect(await rejection(cache.get('a'))).to.be.instanceOf(NotFoundError);
  });

  it('concurrent misses share one read and one build; a drop during it starts afresh', async () => {
    const db = fakeDatabase();
    let builds = 0;
    const cache = new VersionedCache({ fork: db.fork, now: () => 0, build: () => { builds += 1; return Promise.resolve({ value: builds }); } });
    expect(await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')])).to.deep.equal([1, 1, 1]);
    expect([db.reads, builds]).to.deep.equal([1, 1]);
    cache.drop('a');
    const first = cache.get('a');
    cache.drop('a');
    const second = cache.get('a');
    expect([await first, await second]).to.deep.equal([2, 3]);
    expect(await cache.get('a')).to.equal(3);
  });
});
