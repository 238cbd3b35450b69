import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { memberConsistency } from './key-consistency.ts';

type Members = Record<string, unknown>;

function ecMembers(namedCurve: 'P-256' | 'P-384' | 'P-521'): Members {
  return generateKeyPairSync('ec', { namedCurve }).privateKey.export({ format: 'jwk' });
}

function rsaMembers(modulusLength = 2048): Members {
  return generateKeyPairSync('rsa', { modulusLength }).privateKey.export({ format: 'jwk' });
}

function edMembers(): Members {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
}

const big = (member: unknown): bigint => BigInt(`0x${Buffer.from(String(member), 'base64url').toString('hex')}`);
const b64 = (value: bigint): string => {
  const hex = value.toString(16);
  return Buffer.from(hex.padStart(hex.length + (hex.length % 2), '0'), 'hex').toString('base64url');
};

// The import path runs this check before node parses a key, so its answer cannot depend on which
// Node release refuses which inconsistent JWK.
describe('sm-kms pairwise key consistency (FIPS 140-3 import check)', () => {
  it('finds the members of one key pair fitting, for every key type', () => {
    for (const crv of ['P-256', 'P-384', 'P-521'] as const) expect(memberConsistency('EC', ecMembers(crv)), crv).to.equal('fits');
    expect(memberConsistency('OKP', edMembers())).to.equal('fits');
    expect(memberConsistency('RSA', rsaMembers())).to.equal('fits');
    expect(memberConsistency('oct', { k: 'AAAA' })).to.equal('fits');
  });

  it('EC: a public point of another key is a mismatch, a scalar that derives none is invalid (SEC 1 §2.3.3)', () => {
    const [a, b] = [ecMembers('P-256'), ecMembers('P-256')];
    expect(memberConsistency('EC', { ...a, x: b.x })).to.equal('mismatch');
    expect(memberConsistency('EC', { ...a, y: b.y })).to.equal('mismatch');
    expect(memberConsistency('EC', { ...a, x: 'AAAA' })).to.equal('mismatch');
    expect(memberConsistency('EC', { ...a, d: 'AA' })).to.equal('invalid');
    expect(memberConsistency('EC', { ...a, crv: 'secp256k1' })).to.equal('invalid');
  });

  it('OKP: an x of another seed is a mismatch, a seed of the wrong length is invalid (RFC 8037 §2)', () => {
    const [e, f] = [edMembers(), edMembers()];
    expect(memberConsistency('OKP', { ...e, x: f.x })).to.equal('mismatch');
    expect(memberConsistency('OKP', { ...e, d: 'AAAA' })).to.equal('invalid');
  });

  describe('RSA (RFC 8017 §3.2)', () => {
    const rsa = rsaMembers();
    const [p, q, d, e] = [big(rsa.p), big(rsa.q), big(rsa.d), big(rsa.e)];

    it('a member of another key is a mismatch', () => {
      const other = rsaMembers();
      for (const member of ['n', 'd', 'p', 'q', 'dp', 'dq', 'qi']) expect(memberConsistency('RSA', { ...rsa, [member]: other[member] }), member).to.equal('mismatch');
      // Every generated key shares e = 65537, so another e is written out.
      expect(memberConsistency('RSA', { ...rsa, e: 'Aw' })).to.equal('mismatch');
    });

    it('a CRT exponent that still inverts e but is not reduced is a mismatch', () => {
      expect(memberConsistency('RSA', { ...rsa, dp: b64(big(rsa.dp) + p - 1n) })).to.equal('mismatch');
      expect(memberConsistency('RSA', { ...rsa, dq: b64(big(rsa.dq) + q - 1n) })).to.equal('mismatch');
    });

    it('a d shifted by one prime less one keeps that CRT exponent but breaks the other', () => {
      const byQ = d + q - 1n;
      expect(memberConsistency('RSA', { ...rsa, d: b64(byQ), dp: b64(byQ % (p - 1n)), dq: b64(byQ % (q - 1n)) })).to.equal('mismatch');
      const byP = d + p - 1n;
      expect(memberConsistency('RSA', { ...rsa, d: b64(byP), dp: b64(byP % (p - 1n)), dq: b64(byP % (q - 1n)) })).to.equal('mismatch');
      expect(e).to.equal(65537n);
    });

    it('p = 1 with q = n keeps n = p·q but leaves no group to check in: invalid, not an exception', () => {
      expect(memberConsistency('RSA', { ...rsa, p: 'AQ', q: rsa.n })).to.equal('invalid');
    });

    it('checks a modulus of 1024 bits, and leaves a shorter one to node and the size rule', () => {
      const small = rsaMembers(1024);
      expect(memberConsistency('RSA', { ...small, qi: rsa.qi })).to.equal('mismatch');
      expect(memberConsistency('RSA', { ...small, n: b64(big(small.n) >> 1n), qi: rsa.qi })).to.equal('fits');
      expect(memberConsistency('RSA', { ...rsa, n: 'AAAA' })).to.equal('fits');
    });
  });
});
