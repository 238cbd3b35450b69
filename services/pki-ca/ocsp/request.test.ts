import { expect } from 'chai';
import { createTestHierarchy, testSerial, type TestHierarchy } from '../testing/test-ca.ts';
import { certId, HASH_OIDS, ocspRequestDer } from '../testing/requests.ts';
import { OcspMalformedRequestError, parseOcspRequest, serialHexOf } from './request.ts';

function malformed(der: Uint8Array): OcspMalformedRequestError {
  try {
    parseOcspRequest(der);
  } catch (error: unknown) {
    if (error instanceof OcspMalformedRequestError) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

describe('OCSP request parsing (RFC 6960 §4.1, RFC 8954)', function () {
  let hierarchy: TestHierarchy;

  before(async function () {
    hierarchy = await createTestHierarchy('ES256');
  });

  it('reads every CertID with its hash algorithm, issuer hashes and serial in lowercase hex', function () {
    const first = testSerial();
    const second = testSerial();
    const request = parseOcspRequest(ocspRequestDer([
      certId({ issuer: hierarchy.issuing.certificate, serialHex: first }),
      certId({ issuer: hierarchy.issuing.certificate, serialHex: second, hash: 'sha256' }),
    ]));
    expect(request.certIds.map((id) => id.serialHex)).to.deep.equal([first, second]);
    expect(request.certIds.map((id) => id.hashAlgorithm)).to.deep.equal([HASH_OIDS.sha1, HASH_OIDS.sha256]);
    expect(request.certIds[0]?.issuerNameHash).to.have.length(20);
    expect(request.certIds[1]?.issuerKeyHash).to.have.length(32);
    expect(request.nonce).to.equal(undefined);
  });

  it('reads the nonce octets out of the extension OCTET STRING', function () {
    const nonce = new Uint8Array(16).fill(7);
    const request = parseOcspRequest(ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: testSerial() })], nonce));
    expect(Buffer.from(request.nonce ?? []).equals(Buffer.from(nonce))).to.equal(true);
  });

  it('refuses bytes that are not DER, trailing bytes, no CertID, a version other than v1 and a nonce that is not an OCTET STRING', function () {
    const one = [certId({ issuer: hierarchy.issuing.certificate, serialHex: testSerial() })];
    const good = ocspRequestDer(one);
    expect(malformed(new Uint8Array([1, 2, 3])).message).to.equal('the request is not one DER value');
    expect(malformed(Uint8Array.of(...good, 0)).message).to.equal('the request is not one DER value');
    expect(malformed(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)).message).to.equal('the request is not an OCSPRequest');
    expect(malformed(ocspRequestDer([])).message).to.equal('the request asks about no certificate');
    expect(malformed(ocspRequestDer(one, undefined, 1)).message).to.equal('the request version is not v1');
    // The nonce extension's value replaced by an INTEGER: same length, wrong type.
    const withNonce = ocspRequestDer(one, new Uint8Array([9, 9]));
    const at = Buffer.from(withNonce).lastIndexOf(Buffer.from([0x04, 0x02, 9, 9]));
    const broken = Uint8Array.from(withNonce);
    broken[at] = 0x02;
    const error = malformed(broken);
    expect(error.message).to.equal('the nonce extension does not hold an OCTET STRING');
    expect(error.code).to.equal('malformedRequest');
  });

  it('writes serials without the sign octet DER adds before a set top bit', function () {
    expect(serialHexOf(Uint8Array.of(0x00, 0x80, 0x01))).to.equal('8001');
    expect(serialHexOf(Uint8Array.of(0x40, 0x01))).to.equal('4001');
    expect(serialHexOf(Uint8Array.of(0x00))).to.equal('00');
  });
});
