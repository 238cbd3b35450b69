import { createHash } from 'node:crypto';
import { SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { PKIStatus, TSTInfo, TimeStampResp } from '@peculiar/asn1-tsp';
import * as asn1js from 'asn1js';
import { expect } from 'chai';
import type { CaSigner } from '../contract.ts';
import { timeStampReqDer, type TimeStampReqSpec } from '../testing/requests.ts';
import { delegatedOcspResponder, timeStampSigner } from '../testing/responders.ts';
import { createTestHierarchy, issueTestCertificate } from '../testing/test-ca.ts';
import { x509 } from '../../template/tls/x509.ts';
import { objectIdentifierOf } from './object-identifier.ts';
import { parseTimeStampReq } from './request.ts';
import { buildTimeStampResp, DEFAULT_TSA_POLICY, timeStampRejection, type TimeStampOptions } from './response.ts';

const NOW = new Date('2026-09-10T11:12:13.456Z');

interface Granted {
  readonly tstInfo: TSTInfo;
  /** TSTInfo's policy, read with BigInt arcs (asn1js cannot spell the UUID arc). */
  readonly policy: string;
  readonly signedData: SignedData;
}

function policyOf(tstInfo: ArrayBuffer): string {
  const sequence = asn1js.fromBER(tstInfo).result;
  const policy = sequence instanceof asn1js.Sequence ? sequence.valueBlock.value[1] : undefined;
  if (!(policy instanceof asn1js.ObjectIdentifier)) throw new Error('TSTInfo has no policy');
  return objectIdentifierOf(policy);
}

function granted(der: Uint8Array): Granted {
  const response = AsnConvert.parse(der, TimeStampResp);
  expect(response.status.status).to.equal(PKIStatus.granted);
  const signedData = AsnConvert.parse(response.timeStampToken?.content ?? new ArrayBuffer(0), SignedData);
  const content = signedData.encapContentInfo.eContent?.single?.buffer ?? new ArrayBuffer(0);
  return { tstInfo: AsnConvert.parse(content, TSTInfo), policy: policyOf(content), signedData };
}

/** The failInfo bits set, by RFC 3161 bit number. */
function rejection(der: Uint8Array): { bits: number[]; text: string[] } {
  const response = AsnConvert.parse(der, TimeStampResp);
  expect(response.status.status).to.equal(PKIStatus.rejection);
  expect(response.timeStampToken).to.equal(undefined);
  const failInfo = response.status.failInfo;
  const bytes = new Uint8Array(failInfo?.value ?? new ArrayBuffer(0));
  const bits: number[] = [];
  bytes.forEach((byte, index) => { for (let bit = 0; bit < 8; bit += 1) if ((byte & (0x80 >> bit)) !== 0) bits.push(index * 8 + bit); });
  return { bits, text: response.status.statusString === undefined ? [] : [...response.status.statusString] };
}

describe('time-stamp responses (RFC 3161 §2.4.2)', function () {
  let signer: CaSigner;
  let issuing: CaSigner;

  before(async function () {
    ({ issuing } = await createTestHierarchy('ES256'));
    signer = await timeStampSigner(issuing, 'ES256');
  });

  function build(spec: TimeStampReqSpec, options: Partial<TimeStampOptions> = {}): Promise<Uint8Array> {
    return buildTimeStampResp({ signer, request: parseTimeStampReq(timeStampReqDer('payload', spec)), serial: 0x4142n, now: NOW, ...options });
  }

  it('puts the imprint, the default policy, the serial, genTime in whole seconds and the nonce into TSTInfo', async function () {
    const { tstInfo, policy } = granted(await build({ nonce: Uint8Array.of(0x00, 0x99, 0x01) }));
    expect(policy).to.equal(DEFAULT_TSA_POLICY);
    expect(Buffer.from(tstInfo.messageImprint.hashedMessage.buffer).equals(createHash('sha256').update('payload').digest())).to.equal(true);
    expect(Buffer.from(tstInfo.serialNumber).toString('hex')).to.equal('4142');
    expect(tstInfo.genTime.toISOString()).to.equal('2026-09-10T11:12:13.000Z');
    expect(Buffer.from(tstInfo.nonce ?? new ArrayBuffer(0)).toString('hex')).to.equal('009901');
    expect(tstInfo.accuracy).to.equal(undefined);
  });

  it('serials in hex, with a top bit set, keep their value; accuracy is written when given', async function () {
    const { tstInfo } = granted(await build({}, { serial: 'c0ffee', accuracySeconds: 2 }));
    expect(Buffer.from(tstInfo.serialNumber).toString('hex')).to.equal('00c0ffee');
    expect(tstInfo.accuracy?.seconds).to.equal(2);
    const odd = granted(await build({}, { serial: 0xabcn }));
    expect(Buffer.from(odd.tstInfo.serialNumber).toString('hex')).to.equal('0abc');
  });

  it('a serial that is not positive is refused', async function () {
    let error: unknown;
    await build({}, { serial: 0n }).catch((caught: unknown) => { error = caught; });
    expect(error).to.be.instanceOf(RangeError);
  });

  it('includes the signer certificate only when certReq asks for it', async function () {
    expect(granted(await build({ certReq: false })).signedData.certificates).to.equal(undefined);
    const withCertificate = granted(await build({ certReq: true })).signedData.certificates;
    expect(withCertificate).to.have.length(1);
    expect(Buffer.from(AsnConvert.serialize(withCertificate?.[0]?.certificate)).equals(Buffer.from(signer.certificate.rawData))).to.equal(true);
  });

  it('signs contentType, messageDigest and signingCertificateV2 (RFC 5816), sorted as DER sorts a SET OF', async function () {
    const { signedData } = granted(await build({}));
    expect(signedData.version).to.equal(3);
    const types = signedData.signerInfos[0]?.signedAttrs?.map((attribute) => attribute.attrType);
    expect(types).to.have.members(['1.2.840.113549.1.9.3', '1.2.840.113549.1.9.4', '1.2.840.113549.1.9.16.2.47']);
    const encoded = signedData.signerInfos[0]?.signedAttrs?.map((attribute) => Buffer.from(AsnConvert.serialize(attribute))) ?? [];
    expect(encoded.slice().sort((a, b) => Buffer.compare(a, b))).to.deep.equal(encoded);
  });

  it('grants a policy of acceptedPolicies that the request names', async function () {
    const { policy } = granted(await build({ reqPolicy: '1.2.3.4.5' }, { policy: '1.2.3.4.1', acceptedPolicies: ['1.2.3.4.1', '1.2.3.4.5'] }));
    expect(policy).to.equal('1.2.3.4.5');
    expect(granted(await build({ reqPolicy: DEFAULT_TSA_POLICY })).policy).to.equal(DEFAULT_TSA_POLICY);
  });

  for (const [name, spec, options, bit] of [
    ['a SHA-1 imprint is badAlg', { hash: 'sha1' }, {}, 0],
    ['an imprint of the wrong length is badDataFormat', { hashedMessage: new Uint8Array(31) }, {}, 5],
    ['version 2 is badDataFormat', { version: 2 }, {}, 5],
    ['a policy not accepted is unacceptedPolicy', { reqPolicy: '1.2.3.9' }, {}, 15],
    ['a policy outside acceptedPolicies is unacceptedPolicy', { reqPolicy: DEFAULT_TSA_POLICY }, { acceptedPolicies: ['1.2.3.4'] }, 15],
    ['a request extension is unacceptedExtension', { extensionOids: ['1.2.3.6'] }, {}, 16],
  ] as const satisfies readonly (readonly [string, TimeStampReqSpec, Partial<TimeStampOptions>, number])[]) {
    it(`${name} (PKIStatus rejection, failInfo bit ${String(bit)})`, async function () {
      const { bits, text } = rejection(await build(spec, options));
      expect(bits).to.deep.equal([bit]);
      expect(text).to.have.length(1);
    });
  }

  it('timeStampRejection writes systemFailure as bit 25', function () {
    expect(rejection(timeStampRejection('systemFailure', 'down')).bits).to.deep.equal([25]);
  });

  it('refuses to sign with a certificate that is not a TSA certificate (RFC 3161 §2.3)', async function () {
    const notTsa = await delegatedOcspResponder(issuing, 'ES256');
    const keys = signer;
    const nonCritical = (await issueTestCertificate(issuing, { extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], false)] })).certificate;
    const noEku = (await issueTestCertificate(issuing, { extensions: [new x509.BasicConstraintsExtension(false)] })).certificate;
    const twoUsages = (await issueTestCertificate(issuing, { extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping, x509.ExtendedKeyUsage.serverAuth], true)] })).certificate;
    for (const candidate of [notTsa, { ...keys, certificate: nonCritical }, { ...keys, certificate: noEku }, { ...keys, certificate: twoUsages }]) {
      let error: unknown;
      await build({}, { signer: candidate }).catch((caught: unknown) => { error = caught; });
      expect(String(error)).to.include('critical extended key usage timeStamping');
    }
  });
});
