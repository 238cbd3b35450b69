import { expect } from 'chai';
import type { CaKeyAlgorithm } from '../contract.ts';
import { ecdsaSignatureDer, signatureAlgorithmIdentifier } from './signature.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('pki-ca signature encoding', () => {
  it('names each CA key algorithm\'s signature algorithm, with NULL parameters only for RSA (RFC 4055 §5, RFC 5758 §3.2, RFC 8410 §3)', () => {
    expect(hex(signatureAlgorithmIdentifier('ES256'))).to.equal('300a06082a8648ce3d040302');
    expect(hex(signatureAlgorithmIdentifier('ES384'))).to.equal('300a06082a8648ce3d040303');
    expect(hex(signatureAlgorithmIdentifier('RSA-3072'))).to.equal('300d06092a864886f70d01010b0500');
    expect(hex(signatureAlgorithmIdentifier('RSA-4096'))).to.equal('300d06092a864886f70d01010c0500');
    expect(hex(signatureAlgorithmIdentifier('Ed25519'))).to.equal('300506032b6570');
    expect(() => signatureAlgorithmIdentifier('ES512' as CaKeyAlgorithm)).to.throw(RangeError, /unknown CA key algorithm/);
  });

  it('turns r||s into Ecdsa-Sig-Value, minimal and positive (RFC 3279 §2.2.3)', () => {
    const r = Buffer.alloc(32, 0);
    r[31] = 5;
    const s = Buffer.alloc(32, 0xff);
    expect(hex(ecdsaSignatureDer(Buffer.concat([r, s])))).to.equal(`3026020105022100${'ff'.repeat(32)}`);
    expect(hex(ecdsaSignatureDer(Buffer.of(0, 0)))).to.equal('3006020100020100');
  });

  it('refuses a raw signature of odd or zero length', () => {
    expect(() => ecdsaSignatureDer(Buffer.alloc(0))).to.throw(RangeError);
    expect(() => ecdsaSignatureDer(Buffer.alloc(63))).to.throw(RangeError);
  });
});
