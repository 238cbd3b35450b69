import { expect } from 'chai';
import { caKeyAlgorithms, signingAlgorithm, type CaKeyAlgorithm } from './contract.ts';

describe('pki-ca contract', () => {
  it('signs with ECDSA, RSA PKCS#1 v1.5 or Ed25519 by key algorithm', () => {
    expect(signingAlgorithm('ES256')).to.deep.equal({ name: 'ECDSA', hash: 'SHA-256' });
    expect(signingAlgorithm('ES384')).to.deep.equal({ name: 'ECDSA', hash: 'SHA-384' });
    expect(signingAlgorithm('RSA-3072')).to.deep.equal({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' });
    expect(signingAlgorithm('RSA-4096')).to.deep.equal({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' });
    expect(signingAlgorithm('Ed25519')).to.deep.equal({ name: 'Ed25519' });
    expect(caKeyAlgorithms).to.have.length(5);
  });

  it('refuses a name it does not know', () => {
    expect(() => signingAlgorithm('ES512' as CaKeyAlgorithm)).to.throw(RangeError, 'ES512');
  });
});
