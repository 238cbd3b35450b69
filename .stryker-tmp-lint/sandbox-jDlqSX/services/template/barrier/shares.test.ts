// @ts-nocheck
import { expect } from 'chai';
import fc from 'fast-check';
import { UsageError } from '../errors/index.ts';
import { UnsealError } from './contract.ts';
import { createHmac } from 'node:crypto';
import {
  checkKeyCheck,
  checkShareCounts,
  checkThreshold,
  combineDecoded,
  combineShares,
  decodeShare,
  KEY_CHECK_LABEL,
  KEY_CHECK_PREFIX,
  keyCheckOfShares,
  keyCheckValue,
  matchesKeyCheck,
  MAX_SHARES,
  MIN_THRESHOLD,
  newUnsealKey,
  newUnsealShares,
  SHARE_BYTES,
  shareIndex,
  splitUnsealKey,
  UNSEAL_KEY_BYTES,
} from './shares.ts';
import { rejectionOf } from './testing/conformance.ts';

const KEY = Uint8Array.from({ length: 32 }, (_, index) => index * 7 + 1);

function usage(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message;
  }
  return 'accepted';
}

function unsealProblem(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).to.be.instanceOf(UnsealError);
    expect(error).to.include({ status: 400, code: 'bad_request' });
    return (error as Error).message;
  }
  return 'accepted';
}

/** A syntactically valid share with this x coordinate. */
function shareWithIndex(index: number, fill = 5): string {
  const bytes = Buffer.alloc(SHARE_BYTES, fill);
  bytes[UNSEAL_KEY_BYTES] = index;
  return bytes.toString('base64url');
}

describe('unseal key shares (Shamir over GF(2^8))', () => {
  it('fixes the sizes: a 32-byte key, 33-byte shares, 2 to 255 shares', () => {
    expect([UNSEAL_KEY_BYTES, SHARE_BYTES, MIN_THRESHOLD, MAX_SHARES]).to.deep.equal([32, 33, 2, 255]);
  });

  it('splits into base64url shares of 44 characters with distinct indexes', async () => {
    const shares = await splitUnsealKey(KEY, 5, 3);
    expect(shares).to.have.length(5);
    for (const share of shares) expect(share).to.match(/^[A-Za-z0-9_-]{44}$/);
    expect(new Set(shares.map((share) => shareIndex(Buffer.from(share, 'base64url')))).size).to.equal(5);
  });

  it('rebuilds the key from any threshold-sized subset, and from all shares', async () => {
    const shares = await splitUnsealKey(KEY, 5, 3);
    expect(await combineShares([shares[0] ?? '', shares[2] ?? '', shares[4] ?? ''])).to.deep.equal(KEY);
    expect(await combineShares([shares[3] ?? '', shares[1] ?? '', shares[0] ?? ''])).to.deep.equal(KEY);
    expect(await combineShares(shares)).to.deep.equal(KEY);
  });

  it('rebuilds another value from fewer shares than the threshold', async () => {
    const shares = await splitUnsealKey(KEY, 3, 3);
    expect(await combineShares(shares.slice(0, 2))).to.not.deep.equal(KEY);
  });

  it('round-trips any key for any valid counts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 2, max: 12 }).chain((threshold) => fc.tuple(fc.constant(threshold), fc.integer({ min: threshold, max: 12 }))),
        async (key, [threshold, count]) => {
          const shares = await splitUnsealKey(key, count, threshold);
          expect(shares).to.have.length(count);
          expect(await combineShares(shares.slice(count - threshold))).to.deep.equal(key);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('accepts a Buffer key (the library itself refuses anything but a plain Uint8Array)', async () => {
    const shares = await splitUnsealKey(Buffer.from(KEY), 2, 2);
    expect(await combineShares(shares)).to.deep.equal(KEY);
  });

  it('leaves the caller\'s key alone', async () => {
    const key = Uint8Array.from(KEY);
    await splitUnsealKey(key, 2, 2);
    expect(key).to.deep.equal(KEY);
  });

  it('refuses a key that is not 32 bytes', async () => {
    const short = await rejectionOf(splitUnsealKey(new Uint8Array(31), 2, 2));
    expect(short).to.be.instanceOf(UsageError);
    expect(short.message).to.equal('the unseal key must be 32 bytes (got 31)');
    expect((await rejectionOf(splitUnsealKey(new Uint8Array(33), 2, 2))).message).to.equal('the unseal key must be 32 bytes (got 33)');
  });

  describe('share and threshold bounds', () => {
    const thresholdMessage = (got: number) => `threshold must be an integer from 2 to 255 (got ${got}): Shamir's scheme needs at least two shares`;
    const sharesMessage = (threshold: number, got: number) => `shares must be an integer from the threshold (${threshold}) to 255 (got ${got})`;
    const cases: readonly (readonly [number, number, string])[] = [
      [2, 2, 'accepted'],
      [255, 255, 'accepted'],
      [255, 2, 'accepted'],
      [3, 1, thresholdMessage(1)],
      [3, 0, thresholdMessage(0)],
      [256, 256, thresholdMessage(256)],
      [3, 2.5, thresholdMessage(2.5)],
      [3, Number.NaN, thresholdMessage(Number.NaN)],
      [2, 3, sharesMessage(3, 2)],
      [256, 3, sharesMessage(3, 256)],
      [3.5, 3, sharesMessage(3, 3.5)],
      [Number.NaN, 3, sharesMessage(3, Number.NaN)],
    ];
    for (const [shares, threshold, expected] of cases) {
      it(`${shares} shares, threshold ${threshold}: ${expected}`, () => {
        expect(usage(() => { checkShareCounts(shares, threshold); })).to.equal(expected);
      });
    }

    it('checks a threshold alone', () => {
      expect(usage(() => { checkThreshold(2); })).to.equal('accepted');
      expect(usage(() => { checkThreshold(255); })).to.equal('accepted');
      expect(usage(() => { checkThreshold(1); })).to.equal(thresholdMessage(1));
      expect(usage(() => { checkThreshold(256); })).to.equal(thresholdMessage(256));
    });

    it('refuses bad counts in split and in newUnsealShares before making any key', async () => {
      expect((await rejectionOf(splitUnsealKey(KEY, 3, 1))).message).to.equal(thresholdMessage(1));
      expect((await rejectionOf(newUnsealShares(2, 3))).message).to.equal(sharesMessage(3, 2));
    });
  });

  describe('decoding a share', () => {
    it('decodes 44 base64url characters into 33 bytes', () => {
      const share = shareWithIndex(9);
      expect(decodeShare(share)).to.deep.equal(Buffer.from(share, 'base64url'));
      expect(shareIndex(decodeShare(share))).to.equal(9);
      expect(shareIndex(decodeShare(shareWithIndex(255)))).to.equal(255);
    });

    it('names the problem, and the position when given, never the content', () => {
      const valid = shareWithIndex(1);
      expect(unsealProblem(() => decodeShare(`${valid.slice(0, 43)}+`))).to.equal('the share is not base64url');
      expect(unsealProblem(() => decodeShare(`${valid.slice(0, 43)}=`, 2))).to.equal('share 2 is not base64url');
      expect(unsealProblem(() => decodeShare(` ${valid.slice(1)}`))).to.equal('the share is not base64url');
      expect(unsealProblem(() => decodeShare(`${valid}\n`))).to.equal('the share is not base64url');
      expect(unsealProblem(() => decodeShare(valid.slice(1), 3))).to.equal('share 3 has the wrong length: an unseal share is 44 base64url characters (33 bytes), not 43');
      expect(unsealProblem(() => decodeShare(`${valid}A`))).to.equal('the share has the wrong length: an unseal share is 44 base64url characters (33 bytes), not 45');
      expect(unsealProblem(() => decodeShare(''))).to.equal('the share has the wrong length: an unseal share is 44 base64url characters (33 bytes), not 0');
      expect(unsealProblem(() => decodeShare(shareWithIndex(0)))).to.equal('the share has index 0, which no split produces');
      expect(unsealProblem(() => decodeShare(shareWithIndex(0), 4))).to.equal('share 4 has index 0, which no split produces');
    });
  });

  describe('memory for secrets', () => {
    function recorder() {
      const buffers: Buffer[] = [];
      return { buffers, allocate: (size: number) => { const buffer = Buffer.alloc(size); buffers.push(buffer); return buffer; } };
    }
    const zero = (buffers: readonly Buffer[]) => buffers.every((buffer) => buffer.every((byte) => byte === 0));

    it('decodes a share into memory from the allocator, and wipes a refused one', () => {
      const { buffers, allocate } = recorder();
      const decoded = decodeShare(shareWithIndex(3), 1, allocate);
      expect(buffers).to.deep.equal([decoded]);
      expect(decoded).to.deep.equal(Buffer.from(shareWithIndex(3), 'base64url'));
      expect(unsealProblem(() => decodeShare(shareWithIndex(0), 2, allocate))).to.equal('share 2 has index 0, which no split produces');
      expect(buffers).to.have.length(2);
      expect(zero(buffers.slice(1))).to.equal(true);
    });

    it('wipes the decoded shares once combined, or once refused', async () => {
      const shares = await splitUnsealKey(KEY, 3, 2);
      const { buffers, allocate } = recorder();
      expect(await combineShares(shares, allocate)).to.deep.equal(KEY);
      expect(buffers).to.have.length(3);
      expect(zero(buffers)).to.equal(true);
      await rejectionOf(combineShares([shares[0] ?? '', shares[0] ?? ''], allocate));
      await rejectionOf(combineShares([shares[0] ?? '', 'bad'], allocate));
      expect(buffers).to.have.length(6);
      expect(zero(buffers)).to.equal(true);
    });

    it('wipes the new unseal key once split, or once the counts are refused', async () => {
      const { buffers, allocate } = recorder();
      expect(await newUnsealShares(3, 2, allocate)).to.have.length(3);
      await rejectionOf(newUnsealShares(1, 2, allocate));
      expect(buffers).to.have.length(2);
      expect(zero(buffers)).to.equal(true);
    });
  });

  describe('combining shares', () => {
    it('needs at least two shares', async () => {
      for (const shares of [[], [shareWithIndex(1)]]) {
        const error = await rejectionOf(combineShares(shares));
        expect(error).to.be.instanceOf(UnsealError);
        expect(error.message).to.equal(`at least 2 shares are needed (got ${shares.length})`);
      }
    });

    it('refuses two shares with the same index, even with different values', async () => {
      for (const shares of [[shareWithIndex(7), shareWithIndex(7)], [shareWithIndex(7, 1), shareWithIndex(3), shareWithIndex(7, 2)]]) {
        const error = await rejectionOf(combineShares(shares));
        expect(error).to.be.instanceOf(UnsealError);
        expect(error.message).to.equal('two shares have the same index: each share may be given once');
      }
    });

    it('names a malformed share by its position', async () => {
      const error = await rejectionOf(combineShares([shareWithIndex(1), 'short']));
      expect(error.message).to.equal('share 2 has the wrong length: an unseal share is 44 base64url characters (33 bytes), not 5');
    });

    it('combines decoded Buffers too', async () => {
      const shares = await splitUnsealKey(KEY, 2, 2);
      expect(await combineDecoded(shares.map((share) => Buffer.from(share, 'base64url')))).to.deep.equal(KEY);
    });
  });

  describe('newUnsealShares (cryptoutil <service> init)', () => {
    it('makes a fresh random key each time, split as asked', async () => {
      const first = await newUnsealShares(5, 3);
      const second = await newUnsealShares(2, 2);
      expect(first).to.have.length(5);
      expect(second).to.have.length(2);
      const key = await combineShares(first.slice(1, 4));
      expect(key).to.have.length(32);
      expect(await combineShares(first.slice(0, 3))).to.deep.equal(key);
      expect(await combineShares(second)).to.not.deep.equal(key);
      expect(key.some((byte) => byte !== 0)).to.equal(true);
    });
  });
});

describe('key check value (issue 13, point 10)', () => {
  const key = Buffer.alloc(UNSEAL_KEY_BYTES, 0x2a);

  it('is kcv1: and the base64url HMAC-SHA-256 of the unseal key over a fixed label', () => {
    expect(KEY_CHECK_PREFIX).to.equal('kcv1:');
    expect(KEY_CHECK_LABEL).to.equal('cryptoutil/barrier/v1/key-check');
    const expected = `kcv1:${createHmac('sha256', key).update('cryptoutil/barrier/v1/key-check').digest('base64url')}`;
    expect(keyCheckValue(key)).to.equal(expected).and.match(/^kcv1:[A-Za-z0-9_-]{43}$/);
    expect(keyCheckValue(key)).to.not.include(key.toString('base64url'));
    const other = Buffer.from(key);
    other[31] = 0x2b;
    expect(keyCheckValue(other)).to.not.equal(expected);
  });

  it('refuses a key of the wrong size', () => {
    for (const size of [0, 31, 33]) expect(() => keyCheckValue(Buffer.alloc(size)), String(size)).to.throw(UsageError, `(got ${size})`);
  });

  it('matches only the key it names, and a value of another length never matches', () => {
    const value = keyCheckValue(key);
    expect(matchesKeyCheck(key, value)).to.equal(true);
    expect(matchesKeyCheck(Buffer.alloc(UNSEAL_KEY_BYTES, 1), value)).to.equal(false);
    expect(matchesKeyCheck(key, `${value}A`)).to.equal(false);
    expect(matchesKeyCheck(key, value.slice(0, -1))).to.equal(false);
    expect(matchesKeyCheck(key, `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`)).to.equal(false);
  });

  it('accepts exactly the spelling keyCheckValue produces', () => {
    expect(() => { checkKeyCheck(keyCheckValue(key)); }).to.not.throw();
    for (const bad of ['', 'kcv1:', `KCV1:${'A'.repeat(43)}`, `kcv1:${'A'.repeat(43)}\n`, `x${keyCheckValue(key)}`, `kcv1:${'+'.repeat(43)}`]) {
      expect(() => { checkKeyCheck(bad); }, bad).to.throw(UsageError, 'barrier.keyCheck must be the value init printed');
    }
  });

  it('newUnsealKey names the key its shares rebuild, and keyCheckOfShares finds the same value from them', async () => {
    const { shares, keyCheck } = await newUnsealKey(5, 3);
    expect(shares).to.have.length(5);
    expect(keyCheck).to.equal(keyCheckValue(await combineShares(shares.slice(2))));
    expect(await keyCheckOfShares(shares.slice(0, 3))).to.equal(keyCheck);
    expect((await newUnsealKey(5, 3)).keyCheck).to.not.equal(keyCheck);
    expect(await rejectionOf(keyCheckOfShares(['x', 'y']))).to.be.instanceOf(UnsealError);
  });

  it('wipes the fresh key it allocated', async () => {
    const allocated: Buffer[] = [];
    await newUnsealKey(3, 2, (size) => {
      const buffer = Buffer.alloc(size);
      allocated.push(buffer);
      return buffer;
    });
    expect(allocated.some((buffer) => buffer.byteLength === UNSEAL_KEY_BYTES)).to.equal(true);
    for (const buffer of allocated) expect(buffer.every((byte) => byte === 0)).to.equal(true);
  });
});
