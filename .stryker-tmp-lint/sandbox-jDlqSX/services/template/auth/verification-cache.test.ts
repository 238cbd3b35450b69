// @ts-nocheck
import { expect } from 'chai';
import { VerificationCache } from './verification-cache.ts';

describe('verification cache (bounded, least recently used out, dropped at exp)', () => {
  let nowMs = 1_000_000;
  const entry = (expiresAt: number): { expiresAt: number } => ({ expiresAt });

  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new VerificationCache(2, () => nowMs);
    cache.set('a', entry(2000));
    cache.set('b', entry(2000));
    expect(cache.get('a')).to.deep.equal(entry(2000)); // a is now more recent than b
    cache.set('c', entry(2000));
    expect(cache.size).to.equal(2);
    expect(cache.get('b')).to.equal(undefined);
    expect(cache.get('a')).not.to.equal(undefined);
    expect(cache.get('c')).not.to.equal(undefined);
  });

  it('replaces an entry for the same token instead of growing', () => {
    const cache = new VerificationCache(5, () => nowMs);
    cache.set('a', entry(2000));
    cache.set('a', entry(3000));
    expect(cache.size).to.equal(1);
    expect(cache.get('a')).to.deep.equal(entry(3000));
  });

  it('drops an entry once its exp has passed and never stores an expired one', () => {
    const cache = new VerificationCache(5, () => nowMs);
    cache.set('a', entry(1005));
    cache.set('old', entry(1000));
    expect(cache.size).to.equal(1);
    nowMs = 1_005_000;
    expect(cache.get('a')).to.equal(undefined);
    expect(cache.size).to.equal(0);
  });
});
