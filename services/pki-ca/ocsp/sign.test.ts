import { webcrypto } from 'node:crypto';
import { expect } from 'chai';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import type { CaKeyAlgorithm } from '../contract.ts';
import { createTestHierarchy } from '../testing/test-ca.ts';
import { ecdsaRawToDer, signatureAlgorithmIdentifier, signBytes, signerDigest } from './sign.ts';

describe('signatures as X.509 and CMS carry them (RFC 5480, RFC 4055, RFC 8410)', function () {
  it('ECDSA r||s becomes ECDSA-Sig-Value: leading zeros dropped, a sign octet before a set top bit', function () {
    const raw = new Uint8Array(64);
    raw[0] = 0x00;
    raw[1] = 0x01;
    raw[32] = 0x80;
    const der = ecdsaRawToDer(raw, 32);
    const value = AsnConvert.parse(der, ECDSASigValue);
    expect(Buffer.from(value.r).toString('hex')).to.equal(`01${'00'.repeat(30)}`);
    expect(Buffer.from(value.s).toString('hex')).to.equal(`0080${'00'.repeat(31)}`);
    expect(Array.from(ecdsaRawToDer(new Uint8Array(64), 32))).to.deep.equal([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
    expect(() => ecdsaRawToDer(new Uint8Array(63), 32)).to.throw(RangeError);
  });

  for (const [algorithm, oid, nullParameters, digest] of [
    ['ES256', '1.2.840.10045.4.3.2', false, 'SHA-256'],
    ['ES384', '1.2.840.10045.4.3.3', false, 'SHA-384'],
    ['RSA-3072', '1.2.840.113549.1.1.11', true, 'SHA-256'],
    ['RSA-4096', '1.2.840.113549.1.1.12', true, 'SHA-384'],
    ['Ed25519', '1.3.101.112', false, 'SHA-512'],
  ] as const) {
    it(`${algorithm} is ${oid}${nullParameters ? ' with NULL parameters' : ''}, CMS digest ${digest}`, function () {
      const identifier = signatureAlgorithmIdentifier(algorithm);
      expect(identifier.algorithm).to.equal(oid);
      expect(identifier.parameters === undefined ? undefined : Array.from(new Uint8Array(identifier.parameters ?? new ArrayBuffer(0)))).to.deep.equal(nullParameters ? [5, 0] : undefined);
      expect(signerDigest(algorithm).name).to.equal(digest);
    });
  }

  it('an ES384 signature verifies once turned back from DER', async function () {
    const { issuing } = await createTestHierarchy('ES384');
    const data = new TextEncoder().encode('signed');
    const der = await signBytes(issuing, data);
    const publicKey = await webcrypto.subtle.importKey('spki', issuing.certificate.publicKey.rawData, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
    const value = AsnConvert.parse(der, ECDSASigValue);
    const pad = (bytes: ArrayBuffer): Uint8Array => { const tail = new Uint8Array(bytes).slice(-48); const out = new Uint8Array(48); out.set(tail, 48 - tail.length); return out; };
    const raw = Uint8Array.of(...pad(value.r), ...pad(value.s));
    expect(await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, publicKey, raw, data)).to.equal(true);
  });

  it('an unknown key algorithm is a RangeError', function () {
    expect(() => signatureAlgorithmIdentifier('DSA' as CaKeyAlgorithm)).to.throw(RangeError);
    expect(() => signerDigest('DSA' as CaKeyAlgorithm)).to.throw(RangeError);
  });
});
