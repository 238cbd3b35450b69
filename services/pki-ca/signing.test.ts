import { createPublicKey, verify } from 'node:crypto';
import { expect } from 'chai';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import type { CaKeyAlgorithm, CaSigner } from './contract.ts';
import { createTestHierarchy } from './testing/test-ca.ts';
import { ecdsaSignatureDer, signatureAlgorithmDer, signatureAlgorithmIdentifier, signBytes, signerDigest } from './signing.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Node's verify of an X.509-form signature: ECDSA as DER, Ed25519 hashing itself. */
function verifies(signer: CaSigner, data: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.from(signer.certificate.publicKey.rawData), format: 'der', type: 'spki' });
  const digest = signer.keyAlgorithm === 'Ed25519' ? null : signerDigest(signer.keyAlgorithm).name;
  return verify(digest, data, { key, dsaEncoding: 'der' }, signature);
}

describe('pki-ca signing: signatures as X.509 and CMS carry them (RFC 3279, RFC 4055, RFC 5480, RFC 5758, RFC 8410)', function () {
  it('names each CA key algorithm\'s signature algorithm in DER, with NULL parameters only for RSA', function () {
    expect(hex(signatureAlgorithmDer('ES256'))).to.equal('300a06082a8648ce3d040302');
    expect(hex(signatureAlgorithmDer('ES384'))).to.equal('300a06082a8648ce3d040303');
    expect(hex(signatureAlgorithmDer('RSA-3072'))).to.equal('300d06092a864886f70d01010b0500');
    expect(hex(signatureAlgorithmDer('RSA-4096'))).to.equal('300d06092a864886f70d01010c0500');
    expect(hex(signatureAlgorithmDer('Ed25519'))).to.equal('300506032b6570');
  });

  for (const [algorithm, oid, nullParameters, digest, digestOid] of [
    ['ES256', '1.2.840.10045.4.3.2', false, 'SHA-256', '2.16.840.1.101.3.4.2.1'],
    ['ES384', '1.2.840.10045.4.3.3', false, 'SHA-384', '2.16.840.1.101.3.4.2.2'],
    ['RSA-3072', '1.2.840.113549.1.1.11', true, 'SHA-256', '2.16.840.1.101.3.4.2.1'],
    ['RSA-4096', '1.2.840.113549.1.1.12', true, 'SHA-384', '2.16.840.1.101.3.4.2.2'],
    ['Ed25519', '1.3.101.112', false, 'SHA-512', '2.16.840.1.101.3.4.2.3'],
  ] as const) {
    it(`${algorithm} is ${oid}${nullParameters ? ' with NULL parameters' : ''}, CMS digest ${digest}`, function () {
      const identifier = signatureAlgorithmIdentifier(algorithm);
      expect(identifier.algorithm).to.equal(oid);
      expect(identifier.parameters === undefined ? undefined : Array.from(new Uint8Array(identifier.parameters ?? new ArrayBuffer(0)))).to.deep.equal(nullParameters ? [5, 0] : undefined);
      expect(hex(new Uint8Array(AsnConvert.serialize(identifier)))).to.equal(hex(signatureAlgorithmDer(algorithm)));
      expect(signerDigest(algorithm)).to.deep.equal({ oid: digestOid, name: digest });
    });
  }

  it('turns r||s into Ecdsa-Sig-Value, minimal and positive', function () {
    const r = Buffer.alloc(32, 0);
    r[31] = 5;
    const s = Buffer.alloc(32, 0xff);
    expect(hex(ecdsaSignatureDer(Buffer.concat([r, s])))).to.equal(`3026020105022100${'ff'.repeat(32)}`);
    expect(hex(ecdsaSignatureDer(Buffer.of(0, 0)))).to.equal('3006020100020100');
    expect(Array.from(ecdsaSignatureDer(new Uint8Array(64)))).to.deep.equal([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
  });

  it('drops leading zeros of r and puts a sign octet before a set top bit of s', function () {
    const raw = new Uint8Array(64);
    raw[0] = 0x00;
    raw[1] = 0x01;
    raw[32] = 0x80;
    const value = AsnConvert.parse(ecdsaSignatureDer(raw), ECDSASigValue);
    expect(hex(new Uint8Array(value.r))).to.equal(`01${'00'.repeat(30)}`);
    expect(hex(new Uint8Array(value.s))).to.equal(`0080${'00'.repeat(31)}`);
  });

  it('writes a long-form length when r||s is too wide for the short form (P-521)', function () {
    const der = ecdsaSignatureDer(Buffer.alloc(132, 0xff));
    expect(hex(der.subarray(0, 3))).to.equal('30818a');
    expect(der.length).to.equal(3 + 0x8a);
  });

  it('refuses a raw signature of odd or zero length', function () {
    expect(() => ecdsaSignatureDer(Buffer.alloc(0))).to.throw(RangeError);
    expect(() => ecdsaSignatureDer(Buffer.alloc(63))).to.throw(RangeError);
  });

  for (const algorithm of ['ES256', 'ES384', 'Ed25519'] as const) {
    it(`an ${algorithm} signature verifies under the signer's certificate key as X.509 carries it`, async function () {
      const { issuing } = await createTestHierarchy(algorithm);
      const data = new TextEncoder().encode('signed');
      const signature = await signBytes(issuing, data);
      expect(verifies(issuing, data, signature)).to.equal(true);
      expect(verifies(issuing, new TextEncoder().encode('other'), signature)).to.equal(false);
    });
  }

  it('an unknown key algorithm is a RangeError that names it', async function () {
    const unknown = 'DSA' as CaKeyAlgorithm;
    expect(() => signatureAlgorithmDer(unknown)).to.throw(RangeError, /unknown CA key algorithm DSA/);
    expect(() => signatureAlgorithmIdentifier(unknown)).to.throw(RangeError, /unknown CA key algorithm/);
    expect(() => signerDigest(unknown)).to.throw(RangeError, /unknown CA key algorithm/);
    const { issuing } = await createTestHierarchy('ES256');
    let failure: unknown;
    try {
      await signBytes({ ...issuing, keyAlgorithm: unknown }, new Uint8Array(1));
    } catch (error: unknown) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(RangeError);
  });
});
