import { expect } from 'chai';
import { Version } from '@peculiar/asn1-x509';
import { resign } from '../testing/lint-certificates.ts';
import { createTestHierarchy, issueTestCertificate } from '../testing/test-ca.ts';
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
});
