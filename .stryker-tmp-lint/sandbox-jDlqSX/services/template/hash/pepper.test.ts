// @ts-nocheck
import { expect } from 'chai';
import { HashError } from './errors.ts';
import { MIN_PEPPER_BYTES, PepperRing } from './pepper.ts';
import type { PepperOption } from './pepper.ts';
import { MAX_PARAMETER } from './versions.ts';

const SECRET = 'pepper-secret-0123456789';

function failure(option: PepperOption): string {
  try {
    new PepperRing(option);
  } catch (error) {
    expect(error).to.be.instanceOf(HashError);
    const { reason, message } = error as HashError;
    expect(message).not.to.include(SECRET.slice(0, 10));
    return `${reason} ${message}`;
  }
  return 'accepted';
}

describe('pepper ring', () => {
  it('takes a single secret as pepper version 1', () => {
    const ring = new PepperRing(SECRET);
    expect(ring.currentVersion).to.equal(1);
    expect(ring.secret(1)).to.deep.equal(Buffer.from(SECRET));
  });

  it('takes a versioned list with one current and keeps the others for verification', () => {
    const ring = new PepperRing([
      { version: 1, secret: `${SECRET}-a` },
      { version: 2, secret: `${SECRET}-b`, current: true },
      { version: MAX_PARAMETER, secret: `${SECRET}-c`, current: false },
    ]);
    expect(ring.currentVersion).to.equal(2);
    expect(ring.secret(1).toString()).to.equal(`${SECRET}-a`);
    expect(ring.secret(MAX_PARAMETER).toString()).to.equal(`${SECRET}-c`);
  });

  it('accepts a secret of exactly 16 bytes, counted in UTF-8', () => {
    expect(MIN_PEPPER_BYTES).to.equal(16);
    expect(failure('x'.repeat(16))).to.equal('accepted');
    expect(failure('é'.repeat(8))).to.equal('accepted');
    expect(failure('x'.repeat(15))).to.equal('ERR_HASH_PEPPER_INVALID pepper configuration is invalid: version 1 is shorter than 16 bytes');
    expect(failure('')).to.match(/shorter than 16 bytes/);
  });

  it('refuses versions that are not positive integers within bounds', () => {
    for (const version of [0, -1, 1.5, MAX_PARAMETER + 1, Number.NaN]) {
      expect(failure([{ version, secret: SECRET, current: true }])).to.equal(
        'ERR_HASH_PEPPER_INVALID pepper configuration is invalid: a version is not a positive integer',
      );
    }
  });

  it('refuses a repeated version', () => {
    expect(failure([{ version: 3, secret: SECRET, current: true }, { version: 3, secret: `${SECRET}!` }])).to.equal(
      'ERR_HASH_PEPPER_INVALID pepper configuration is invalid: version 3 is repeated',
    );
  });

  it('needs exactly one current pepper', () => {
    const one = 'ERR_HASH_PEPPER_INVALID pepper configuration is invalid: exactly one pepper must be current';
    expect(failure([])).to.equal(one);
    expect(failure([{ version: 1, secret: SECRET }])).to.equal(one);
    expect(failure([{ version: 1, secret: SECRET, current: true }, { version: 2, secret: SECRET, current: true }])).to.equal(one);
  });

  it('refuses a version it does not hold, without naming any secret', () => {
    const ring = new PepperRing(SECRET);
    expect(() => ring.secret(2)).to.throw(HashError, 'hash string names a pepper version that is not configured: pepper v2');
  });
});
