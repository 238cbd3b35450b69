// @ts-nocheck
import { expect } from 'chai';
import { HS256_SECRET_BYTES, publicHalf, resolveAlgorithm } from './algorithms.ts';

describe('signing key algorithms', () => {
  describe('publicHalf', () => {
    it('drops every private member of a multi-prime RSA key (RFC 7518 §6.3.2), oth included', () => {
      const rsa = { kty: 'RSA', kid: 'r', n: 'n', e: 'AQAB', d: 'd', p: 'p', q: 'q', dp: 'dp', dq: 'dq', qi: 'qi', oth: [{ r: 'r', d: 'd', t: 't' }] };
      expect(publicHalf(rsa)).to.deep.equal({ kty: 'RSA', kid: 'r', n: 'n', e: 'AQAB' });
    });

    it('drops the secret of an oct key (RFC 7518 §6.4.1)', () => {
      expect(publicHalf({ kty: 'oct', kid: 'h', alg: 'HS256', k: 'c2VjcmV0' })).to.deep.equal({ kty: 'oct', kid: 'h', alg: 'HS256' });
    });

    it('drops d of an OKP key (RFC 8037 §2) and keeps x', () => {
      expect(publicHalf({ kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' })).to.deep.equal({ kty: 'OKP', crv: 'Ed25519', x: 'x' });
    });
  });

  it('makes HS256 secrets of 32 random bytes (RFC 7518 §3.2)', async () => {
    const row = resolveAlgorithm('HS256');
    const [one, two] = await Promise.all([row.generate(), row.generate()]);
    expect(row.asymmetric).to.equal(false);
    expect(one).to.have.keys('kty', 'k');
    expect(Buffer.from(String(one.k), 'base64url')).to.have.length(HS256_SECRET_BYTES);
    expect(HS256_SECRET_BYTES).to.equal(32);
    expect(one.k).to.not.equal(two.k);
  });

  it('refuses an algorithm outside the table, inherited names included', () => {
    for (const name of ['PS256', 'none', 'toString', '__proto__']) {
      expect(() => resolveAlgorithm(name)).to.throw(TypeError, `not "${name}"`);
    }
  });
});
