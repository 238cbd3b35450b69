import { expect } from 'chai';
import type { PreparedKey } from '../template/jose/index.ts';
import { CACHE_DEFAULTS, KeyCache, type KeySnapshot, type MaterialSnapshot } from './cache.ts';

const ROW = { name: 'A256GCM/A256KW', use: 'enc', kty: 'oct', alg: 'A256KW', enc: 'A256GCM' } as const;

function snapshot(status: KeySnapshot['status']): KeySnapshot {
  return { id: 'k', algorithm: ROW, status, deletionScheduledAt: null, revokedMayDecrypt: true, revokedMayVerify: false, autoRotate: false, latestActiveKid: 'm' };
}

function counting<V>(values: V[]): { load: () => Promise<V>; calls: () => number } {
  let calls = 0;
  return {
    load: () => {
      const value = values[Math.min(calls, values.length - 1)] as V;
      calls += 1;
      return Promise.resolve(value);
    },
    calls: () => calls,
  };
}

describe('KeyCache (issue "sm-kms" point 6: the fast path)', () => {
  it('defaults to 1,000 prepared keys and a 500 ms status lifetime', () => {
    expect(CACHE_DEFAULTS).to.include({ preparedKeys: 1000, statusTtlMs: 500 });
  });

  it('serves a status snapshot for at most the TTL, then loads again', async () => {
    let clock = 1_000;
    const cache = new KeyCache({ now: () => clock });
    const source = counting([snapshot('active'), snapshot('disabled')]);
    expect((await cache.key('k', source.load))?.status).to.equal('active');
    clock += 499;
    expect((await cache.key('k', source.load))?.status).to.equal('active');
    expect(source.calls()).to.equal(1);
    clock += 1;
    expect((await cache.key('k', source.load))?.status).to.equal('disabled');
    expect(source.calls()).to.equal(2);
  });

  it('concurrent misses share one load', async () => {
    const cache = new KeyCache();
    const source = counting<MaterialSnapshot | null>([{ kid: 'm', elasticKeyId: 'k', status: 'active' }]);
    const both = await Promise.all([cache.material('m', source.load), cache.material('m', source.load)]);
    expect(both[0]).to.equal(both[1]);
    expect(source.calls()).to.equal(1);
  });

  it('a local write drops the entry at once', async () => {
    const cache = new KeyCache();
    const keys = counting([snapshot('active'), snapshot('disabled')]);
    const materials = counting<MaterialSnapshot | null>([{ kid: 'm', elasticKeyId: 'k', status: 'active' }, { kid: 'm', elasticKeyId: 'k', status: 'revoked' }]);
    await cache.key('k', keys.load);
    await cache.material('m', materials.load);
    cache.forgetKey('k');
    cache.forgetMaterial('m');
    expect((await cache.key('k', keys.load))?.status).to.equal('disabled');
    expect((await cache.material('m', materials.load))?.status).to.equal('revoked');
  });

  it('keeps prepared keys past the status TTL, until forgotten or wiped', async () => {
    let clock = 0;
    const cache = new KeyCache({ now: () => clock });
    const prepared = { kid: 'm' } as unknown as PreparedKey;
    const source = counting([prepared]);
    await cache.prepared('m', source.load);
    clock += 3_600_000;
    expect(await cache.prepared('m', source.load)).to.equal(prepared);
    expect(source.calls()).to.equal(1);
    cache.forgetPrepared('m');
    await cache.prepared('m', source.load);
    expect(source.calls()).to.equal(2);
    await cache.key('k', () => Promise.resolve(snapshot('active')));
    await cache.material('m', () => Promise.resolve(null));
    expect(cache.sizes()).to.deep.equal({ prepared: 1, keys: 1, materials: 1 });
    cache.wipe();
    expect(cache.sizes()).to.deep.equal({ prepared: 0, keys: 0, materials: 0 });
  });

  it('bounds prepared keys by count, least recently used out first', async () => {
    const cache = new KeyCache({ preparedKeys: 2 });
    for (const kid of ['a', 'b', 'c']) await cache.prepared(kid, () => Promise.resolve({ kid } as unknown as PreparedKey));
    expect(cache.sizes().prepared).to.equal(2);
  });

  it('does not remember a failed load', async () => {
    const cache = new KeyCache();
    const failing = cache.key('k', () => Promise.reject(new Error('database down')));
    const error = await failing.then(() => undefined, (failure: unknown) => failure);
    expect((error as Error).message).to.equal('database down');
    expect((await cache.key('k', () => Promise.resolve(snapshot('active'))))?.status).to.equal('active');
  });

  it('a failed load that was already replaced leaves the replacement alone', async () => {
    const cache = new KeyCache();
    let fail: (error: Error) => void = () => undefined;
    const first = cache.key('k', () => new Promise((_, reject) => { fail = reject; }));
    cache.forgetKey('k');
    const second = cache.key('k', () => Promise.resolve(snapshot('disabled')));
    fail(new Error('late'));
    await first.then(() => undefined, () => undefined);
    expect(await cache.key('k', () => Promise.resolve(snapshot('active')))).to.equal(await second);
  });
});
