import { createHash } from 'node:crypto';
import { BasicOCSPResponse, OCSPResponse, OCSPResponseStatus, id_pkix_ocsp_basic, id_pkix_ocsp_nonce } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate, CRLReasons } from '@peculiar/asn1-x509';
import { expect } from 'chai';
import { x509 } from '../../template/tls/x509.ts';
import type { CaSigner } from '../contract.ts';
import { certId, ocspRequestDer } from '../testing/requests.ts';
import { delegatedOcspResponder, timeStampSigner } from '../testing/responders.ts';
import { createTestHierarchy, testSerial, type TestHierarchy } from '../testing/test-ca.ts';
import { parseOcspRequest, type OcspRequest } from './request.ts';
import { buildOcspResponse, ocspErrorResponse, type CertStatus, type OcspErrorStatus } from './response.ts';

const NOW = new Date('2026-05-06T07:08:09.987Z');
const NOW_SECONDS = new Date('2026-05-06T07:08:09Z');

function basicOf(der: Uint8Array): BasicOCSPResponse {
  const response = AsnConvert.parse(der, OCSPResponse);
  expect(response.responseStatus).to.equal(OCSPResponseStatus.successful);
  expect(response.responseBytes?.responseType).to.equal(id_pkix_ocsp_basic);
  return AsnConvert.parse(response.responseBytes?.response.buffer ?? new ArrayBuffer(0), BasicOCSPResponse);
}

describe('OCSP responses (RFC 6960 §4.2)', function () {
  let hierarchy: TestHierarchy;
  let other: TestHierarchy;
  let delegated: CaSigner;

  before(async function () {
    hierarchy = await createTestHierarchy('ES256');
    other = await createTestHierarchy('ES256');
    delegated = await delegatedOcspResponder(hierarchy.issuing, 'ES256');
  });

  async function respond(request: OcspRequest, statuses: ReadonlyMap<string, CertStatus>, responder: CaSigner = hierarchy.issuing): Promise<{ basic: BasicOCSPResponse; asked: string[] }> {
    const asked: string[] = [];
    const der = await buildOcspResponse({
      responder,
      issuer: hierarchy.issuing.certificate,
      request,
      lookup: (serialHex) => {
        asked.push(serialHex);
        return Promise.resolve(statuses.get(serialHex) ?? { status: 'unknown' });
      },
      now: NOW,
      validitySeconds: 300,
    });
    return { basic: basicOf(der), asked };
  }

  it('answers good, revoked with time and reason, revoked without reason and unknown, in request order', async function () {
    const serials = [testSerial(), testSerial(), testSerial(), testSerial()] as const;
    const revokedAt = new Date('2026-01-02T03:04:05.678Z');
    const statuses = new Map<string, CertStatus>([
      [serials[0], { status: 'good' }],
      [serials[1], { status: 'revoked', revokedAt, reason: 'superseded' }],
      [serials[2], { status: 'revoked', revokedAt }],
    ]);
    const request = parseOcspRequest(ocspRequestDer(serials.map((serialHex) => certId({ issuer: hierarchy.issuing.certificate, serialHex }))));
    const { basic, asked } = await respond(request, statuses);
    expect(asked).to.deep.equal([...serials]);
    const [good, revoked, noReason, unknown] = basic.tbsResponseData.responses;
    expect(good?.certStatus.good).to.equal(null);
    expect(revoked?.certStatus.revoked?.revocationTime.toISOString()).to.equal('2026-01-02T03:04:05.000Z');
    expect(revoked?.certStatus.revoked?.revocationReason?.reason).to.equal(CRLReasons.superseded);
    expect(noReason?.certStatus.revoked?.revocationReason).to.equal(undefined);
    expect(unknown?.certStatus.unknown).to.equal(null);
    expect(Buffer.from(good?.certID.serialNumber ?? new ArrayBuffer(0)).toString('hex')).to.equal(serials[0]);
  });

  it('echoes a serial with its top bit set as the same DER INTEGER, sign octet included', async function () {
    const request = parseOcspRequest(ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: '0080ff' })]));
    expect(request.certIds[0]?.serialHex).to.equal('80ff');
    const { basic, asked } = await respond(request, new Map());
    expect(asked).to.deep.equal(['80ff']);
    expect(Buffer.from(basic.tbsResponseData.responses[0]?.certID.serialNumber ?? new ArrayBuffer(0)).toString('hex')).to.equal('0080ff');
  });

  it('dates thisUpdate and producedAt now in whole seconds, nextUpdate validitySeconds later', async function () {
    const request = parseOcspRequest(ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: testSerial() })]));
    const { basic } = await respond(request, new Map());
    expect(basic.tbsResponseData.producedAt.toISOString()).to.equal(NOW_SECONDS.toISOString());
    expect(basic.tbsResponseData.responses[0]?.thisUpdate.toISOString()).to.equal(NOW_SECONDS.toISOString());
    expect(basic.tbsResponseData.responses[0]?.nextUpdate?.toISOString()).to.equal(new Date(NOW_SECONDS.getTime() + 300_000).toISOString());
  });

  it('names the responder by the SHA-1 of its key and signs with it (RFC 6960 §4.2.1), without certs when the CA signs', async function () {
    const request = parseOcspRequest(ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: testSerial() })]));
    const { basic } = await respond(request, new Map());
    const spki = AsnConvert.parse(hierarchy.issuing.certificate.rawData, Certificate).tbsCertificate.subjectPublicKeyInfo;
    const expected = createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest();
    expect(Buffer.from(basic.tbsResponseData.responderID.byKey?.buffer ?? new ArrayBuffer(0)).equals(expected)).to.equal(true);
    expect(basic.certs).to.equal(undefined);
    expect(basic.signatureAlgorithm.algorithm).to.equal('1.2.840.10045.4.3.2');
  });

  it('answers unknown without a lookup for a CertID of another issuer or of a hash it does not know (RFC 6960 §2.2)', async function () {
    const serial = testSerial();
    const statuses = new Map<string, CertStatus>([[serial, { status: 'good' }]]);
    const foreign = certId({ issuer: other.issuing.certificate, serialHex: serial });
    const md5 = certId({ issuer: hierarchy.issuing.certificate, serialHex: serial });
    md5.hashAlgorithm.algorithm = '1.2.840.113549.2.5';
    const sha256 = certId({ issuer: hierarchy.issuing.certificate, serialHex: serial, hash: 'sha256' });
    const { basic, asked } = await respond(parseOcspRequest(ocspRequestDer([foreign, md5, sha256])), statuses);
    expect(asked).to.deep.equal([serial]);
    expect(basic.tbsResponseData.responses.map((single) => single.certStatus.unknown === null ? 'unknown' : 'known')).to.deep.equal(['unknown', 'unknown', 'known']);
  });

  for (const [length, echoed] of [[1, true], [32, true], [33, false]] as const) {
    it(`${echoed ? 'echoes' : 'leaves out'} a nonce of ${String(length)} octets (RFC 8954 §2.1)`, async function () {
      const nonce = new Uint8Array(length).fill(0xa5);
      const request = parseOcspRequest(ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: testSerial() })], nonce));
      const { basic } = await respond(request, new Map());
      const extension = basic.tbsResponseData.responseExtensions?.find((item) => item.extnID === id_pkix_ocsp_nonce);
      if (!echoed) {
        expect(extension).to.equal(undefined);
        return;
      }
      const value = AsnConvert.parse(extension?.extnValue.buffer ?? new ArrayBuffer(0), OctetString);
      expect(Buffer.from(value.buffer).equals(Buffer.from(nonce))).to.equal(true);
    });
  }

  it('an empty nonce is not echoed', async function () {
    const request: OcspRequest = { certIds: parseOcspRequest(ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: testSerial() })])).certIds, nonce: new Uint8Array(0) };
    const { basic } = await respond(request, new Map());
    expect(basic.tbsResponseData.responseExtensions).to.equal(undefined);
  });

  it('a delegated responder signs and its certificate travels in certs (RFC 6960 §4.2.2.2)', async function () {
    const request = parseOcspRequest(ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: testSerial() })]));
    const { basic } = await respond(request, new Map(), delegated);
    expect(basic.certs).to.have.length(1);
    expect(Buffer.from(AsnConvert.serialize(basic.certs?.[0])).equals(Buffer.from(delegated.certificate.rawData))).to.equal(true);
  });

  it('refuses a responder without EKU OCSPSigning, or one another CA issued', async function () {
    const request = parseOcspRequest(ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: testSerial() })]));
    const tsa = await timeStampSigner(hierarchy.issuing, 'ES256');
    let error: unknown;
    await respond(request, new Map(), tsa).catch((caught: unknown) => { error = caught; });
    expect(String(error)).to.include('lacks extended key usage OCSPSigning');
    const stranger = await delegatedOcspResponder(other.issuing, 'ES256');
    await respond(request, new Map(), stranger).catch((caught: unknown) => { error = caught; });
    expect(String(error)).to.include('not issued by the CA');
    const plain: CaSigner = { ...stranger, certificate: new x509.X509Certificate(other.issuing.certificate.rawData) };
    await respond(request, new Map(), plain).catch((caught: unknown) => { error = caught; });
    expect(String(error)).to.include('lacks extended key usage OCSPSigning');
  });

  for (const [status, code] of [['malformedRequest', 1], ['internalError', 2], ['tryLater', 3], ['unauthorized', 6]] as const satisfies readonly (readonly [OcspErrorStatus, number])[]) {
    it(`an error response ${status} is responseStatus ${String(code)} without responseBytes`, function () {
      const response = AsnConvert.parse(ocspErrorResponse(status), OCSPResponse);
      expect(response.responseStatus).to.equal(code);
      expect(response.responseBytes).to.equal(undefined);
    });
  }
});
