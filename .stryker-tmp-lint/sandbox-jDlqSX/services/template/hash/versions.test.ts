// @ts-nocheck
import { expect } from 'chai';
import { HashError } from './errors.ts';
import { MAX_PARAMETER, PRODUCTION_ITERATIONS, iterationTable, resolveVersion } from './versions.ts';

function reasonOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(HashError);
    return (error as HashError).reason + ' ' + (error as HashError).message;
  }
  return 'no error';
}

describe('hash versions', () => {
  it('v1 SHA-256, v2 SHA-384, v3 SHA-512, each digest as long as the hash output', () => {
    expect(resolveVersion(1)).to.deep.equal({ version: 1, hash: 'sha256', digestBytes: 32 });
    expect(resolveVersion(2)).to.deep.equal({ version: 2, hash: 'sha384', digestBytes: 48 });
    expect(resolveVersion(3)).to.deep.equal({ version: 3, hash: 'sha512', digestBytes: 64 });
  });

  it('refuses versions that were never issued with a typed error', () => {
    for (const version of [0, 4, 1.5, -1, Number.NaN]) {
      expect(reasonOf(() => resolveVersion(version))).to.match(/^ERR_HASH_UNKNOWN_VERSION unknown hash version: v/);
    }
    expect(reasonOf(() => resolveVersion(Number('toString')))).to.equal('ERR_HASH_UNKNOWN_VERSION unknown hash version: vNaN');
  });

  it('production iterations meet OWASP Password Storage (600,000 SHA-256; 220,000 SHA-512 and SHA-384)', () => {
    expect(PRODUCTION_ITERATIONS[1]).to.be.at.least(600_000);
    expect(PRODUCTION_ITERATIONS[2]).to.be.at.least(220_000);
    expect(PRODUCTION_ITERATIONS[3]).to.be.at.least(220_000);
    expect(iterationTable()).to.deep.equal({ ...PRODUCTION_ITERATIONS });
    expect(Object.isFrozen(iterationTable())).to.equal(true);
  });

  it('lets a version be overridden without touching the others', () => {
    expect({ ...iterationTable({ 2: 1 }) }).to.deep.equal({ 1: 600_000, 2: 1, 3: 220_000 });
    expect({ ...iterationTable({ 1: MAX_PARAMETER, 3: 7 }) }).to.deep.equal({ 1: MAX_PARAMETER, 2: 220_000, 3: 7 });
  });

  it('refuses iteration counts that are not positive integers within bounds, naming only the version', () => {
    for (const value of [0, -5, 1.5, MAX_PARAMETER + 1, Number.NaN]) {
      expect(reasonOf(() => iterationTable({ 1: value }))).to.equal('ERR_HASH_PARAMETERS_INVALID hash parameters are invalid: iterations for v1');
    }
    expect(reasonOf(() => iterationTable({ 4: 5 } as never))).to.match(/^ERR_HASH_UNKNOWN_VERSION/);
  });
});
