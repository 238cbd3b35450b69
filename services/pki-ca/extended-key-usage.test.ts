import { expect } from 'chai';
import { createTestHierarchy } from './testing/test-ca.ts';
import { delegatedOcspResponder, timeStampSigner } from './testing/responders.ts';
import { eku, extendedKeyUsageOf } from './extended-key-usage.ts';

describe('pki-ca extended key usage (RFC 5280 §4.2.1.12)', function () {
  it('reads the usages as OIDs and whether the extension is critical', async function () {
    const { issuing } = await createTestHierarchy('ES256');
    const tsa = await timeStampSigner(issuing, 'ES256');
    const responder = await delegatedOcspResponder(issuing, 'ES256');
    expect(extendedKeyUsageOf(tsa.certificate)).to.deep.equal({ usages: [eku.timeStamping], critical: true });
    expect(extendedKeyUsageOf(responder.certificate)).to.deep.equal({ usages: [eku.ocspSigning], critical: false });
  });

  it('is undefined for a certificate without the extension', async function () {
    const { issuing } = await createTestHierarchy('ES256');
    expect(extendedKeyUsageOf(issuing.certificate)).to.equal(undefined);
  });

  it('names the RFC 5280 OIDs of the usages pki-ca issues', function () {
    expect(eku).to.deep.equal({
      serverAuth: '1.3.6.1.5.5.7.3.1',
      clientAuth: '1.3.6.1.5.5.7.3.2',
      timeStamping: '1.3.6.1.5.5.7.3.8',
      ocspSigning: '1.3.6.1.5.5.7.3.9',
    });
  });
});
