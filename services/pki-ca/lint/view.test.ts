import { expect } from 'chai';
import { webcrypto } from 'node:crypto';
import { AlgorithmIdentifier, SubjectPublicKeyInfo, Version } from '@peculiar/asn1-x509';
import { resign } from '../testing/lint-certificates.ts';
import { createTestHierarchy, generateKeys, issueTestCertificate } from '../testing/test-ca.ts';
import { viewCertificate } from './view.ts';

describe('pki-ca lint certificate view', () => {
  it('reads a v3 leaf: fields as encoded, extensions and key', async () => {
    const { issuing } = await createTestHierarchy('ES256');
    const { certificate } = await issueTestCertificate(issuing, { serial: '4100000000000001' });
    const view = viewCertificate(certificate);
    expect(view.version).to.equal(3);
    expect(Buffer.from(view.serial).toString('hex')).to.equal('4100000000000001');
    expect(Buffer.from(view.issuerDer).equals(new Uint8Array(issuing.certificate.subjectName.toArrayBuffer()))).to.equal(true);
    expect([view.notBefore.type, view.notBefore.text.length, view.notAfter.text.endsWith('Z')]).to.deep.equal(['UTCTime', 13, true]);
    expect([view.isCa, view.keyUsageBits, view.publicKey.type, view.publicKey.namedCurve, view.publicKey.modulusLength]).to.deep.equal([false, 1, 'ec', 'prime256v1', 0]);
    expect(view.extendedKeyUsage?.usages).to.deep.equal(['1.3.6.1.5.5.7.3.1']);
  });

  it('reads a v1 certificate, whose TBS has no version field', async () => {
    const { root, issuing } = await createTestHierarchy('ES256');
    const v1 = resign(issuing.certificate, root, (tbs) => {
      tbs.version = Version.v1;
      delete tbs.extensions;
    });
    const view = viewCertificate(v1);
    expect([view.version, view.extensions.length, view.isCa, view.keyUsageBits]).to.deep.equal([1, 0, false, 0]);
    expect(Buffer.from(view.subjectDer).equals(new Uint8Array(issuing.certificate.subjectName.toArrayBuffer()))).to.equal(true);
  });

  it('reads the key facts of RSA, Ed25519 and a key Node cannot read', async () => {
    const { issuing } = await createTestHierarchy('ES256');
    const facts = async (keys: webcrypto.CryptoKeyPair): Promise<unknown[]> => {
      const { publicKey } = viewCertificate((await issueTestCertificate(issuing, { keys })).certificate);
      return [publicKey.type, publicKey.modulusLength, publicKey.namedCurve, publicKey.key?.asymmetricKeyType];
    };
    expect(await facts(await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']))).to.deep.equal(['rsa', 2048, '', 'rsa']);
    expect(await facts(await generateKeys('Ed25519'))).to.deep.equal(['ed25519', 0, '', 'ed25519']);
    const strange = resign((await issueTestCertificate(issuing)).certificate, issuing, (tbs) => {
      tbs.subjectPublicKeyInfo = new SubjectPublicKeyInfo({ algorithm: new AlgorithmIdentifier({ algorithm: '1.2.3.4' }), subjectPublicKey: new Uint8Array([1, 2, 3]).buffer });
    });
    expect(viewCertificate(strange).publicKey).to.deep.equal({ type: 'unreadable', modulusLength: 0, namedCurve: '', key: undefined });
  });
});
