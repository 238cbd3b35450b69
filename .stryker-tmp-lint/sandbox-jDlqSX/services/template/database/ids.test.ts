// @ts-nocheck
import { expect } from 'chai';
import { uuidv7, uuidv7Generator } from './ids.ts';

describe('UUIDv7 primary keys (RFC 9562 §5.7)', () => {
  it('are version 7, variant 10', () => {
    expect(uuidv7()).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('increase in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7());
    expect([...ids].sort()).to.deep.equal(ids);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('carry the creation time in their first 48 bits', () => {
    const before = Date.now();
    const id = uuidv7();
    const millis = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(millis).to.be.within(before, Date.now());
  });
});

describe('UUIDv7 generator monotonicity (RFC 9562 §6.2 method 1)', () => {
  const millisOf = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
  /** The 32-bit counter spread over rand_a and the top of rand_b. */
  const counterOf = (id: string): number => {
    const hex = id.replace(/-/g, '');
    const randA = parseInt(hex.slice(13, 16), 16); // 12 bits after the version nibble
    const randB = parseInt(hex.slice(16, 22), 16) & 0x3f_ff_ff; // 24 bits, the variant bits masked off
    return ((randA << 20) | (randB >>> 2)) >>> 0;
  };
  const fixedRandom = (value: number) => (bytes: Uint8Array): Uint8Array => bytes.fill(value);

  it('keeps the millisecond and counts up while the clock stands still', () => {
    const next = uuidv7Generator({ now: () => 1_700_000_000_000, randomFill: fixedRandom(0) });
    const ids = [next(), next(), next()];
    expect(ids.map(millisOf)).to.deep.equal([1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000]);
    expect(ids.map(counterOf)).to.deep.equal([0, 1, 2]);
  });

  it('reseeds the counter from fresh random bytes each new millisecond', () => {
    let clock = 5;
    let fill = 0x12;
    const next = uuidv7Generator({ now: () => clock, randomFill: (bytes) => bytes.fill(fill) });
    const first = next();
    for (let i = 0; i < 255; i += 1) next(); // use up the first draw
    clock = 6;
    fill = 0x34;
    const second = next();
    expect(counterOf(first)).to.equal(0x12_12_12_12);
    expect(counterOf(second)).to.equal(0x34_34_34_34);
    expect(millisOf(second)).to.equal(6);
  });

  it('stays on the last millisecond when the clock steps back, so ids still increase', () => {
    let clock = 1000;
    const next = uuidv7Generator({ now: () => clock, randomFill: fixedRandom(0) });
    const before = next();
    clock = 900;
    const after = next();
    expect(millisOf(after)).to.equal(1000);
    expect(after > before).to.equal(true);
  });

  it('moves to the next millisecond when the counter wraps', () => {
    const next = uuidv7Generator({ now: () => 42, randomFill: fixedRandom(0xff) });
    const top = next();
    const wrapped = next();
    expect([millisOf(top), counterOf(top)]).to.deep.equal([42, 0xff_ff_ff_ff]);
    expect([millisOf(wrapped), counterOf(wrapped)]).to.deep.equal([43, 0]);
    expect(wrapped > top).to.equal(true);
  });

  it('lays the counter around the version and variant bits and keeps the random tail', () => {
    const next = uuidv7Generator({ now: () => 0, randomFill: fixedRandom(0xab) });
    // Counter 0xabababab: bits 31..20 after the version (7 aba), 19..6 after the variant (10 101110
    // 10101110 = aeae), 5..0 ahead of two random bits (101011 11 = af), then five random bytes.
    expect(next()).to.equal('00000000-0000-7aba-aeae-afababababab');
  });

  it('draws random bytes once per 256 ids, not once per id', () => {
    let draws = 0;
    const next = uuidv7Generator({ randomFill: (bytes) => { draws += 1; return bytes.fill(draws); } });
    const ids = Array.from({ length: 257 }, () => next());
    expect(draws).to.equal(2);
    expect(new Set(ids).size).to.equal(257);
  });
});
