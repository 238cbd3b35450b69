import { expect } from 'chai';
import { RandomPool, randomOctets } from './random-pool.ts';

describe('random pool for content keys and IVs', () => {
  it('hands out the requested number of octets, never the same ones twice', () => {
    const pool = new RandomPool(64);
    const seen = new Set<string>();
    for (let round = 0; round < 40; round += 1) {
      const octets = pool.take(12);
      expect(octets).to.have.length(12);
      seen.add(octets.toString('hex'));
    }
    expect(seen.size).to.equal(40);
  });

  it('refills when the request does not fit what is left, and uses the pool to its last octet', () => {
    const pool = new RandomPool(32);
    const first = pool.take(16);
    const second = pool.take(16);
    const third = pool.take(20);
    expect([first.length, second.length, third.length]).to.deep.equal([16, 16, 20]);
    expect(first.equals(second)).to.equal(false);
    expect(pool.take(32)).to.have.length(32);
  });

  it('gives each caller its own copy and zeroes what it handed out', () => {
    const pool = new RandomPool(16);
    const octets = pool.take(8);
    const copy = Buffer.from(octets);
    octets.fill(0xff);
    const next = pool.take(8);
    expect(next.equals(copy)).to.equal(false);
    expect(next.every((octet) => octet === 0xff)).to.equal(false);
    expect(copy.every((octet) => octet === 0)).to.equal(false);
  });

  it('zeroes every octet it hands out inside the pool, and refills only when needed', () => {
    const pools: Buffer[] = [];
    const pool = new RandomPool(16, (buffer) => { pools.push(buffer); buffer.fill(0xab); });
    expect(pool.take(10).toString('hex')).to.equal('ab'.repeat(10));
    expect(pools).to.have.length(1);
    expect(pools[0]?.toString('hex')).to.equal('00'.repeat(10) + 'ab'.repeat(6));
    expect(pool.take(6).toString('hex')).to.equal('ab'.repeat(6));
    expect(pools).to.have.length(1);
    expect(pool.take(1).toString('hex')).to.equal('ab');
    expect(pools).to.have.length(2);
  });

  it('refuses a request larger than the pool', () => {
    expect(() => new RandomPool(8).take(9)).to.throw(RangeError, 'at most 8 octets at once');
    expect(new RandomPool(8).take(8)).to.have.length(8);
  });

  it('serves the process-wide pool', () => {
    expect(randomOctets(32)).to.have.length(32);
    expect(randomOctets(12).equals(randomOctets(12))).to.equal(false);
  });
});
