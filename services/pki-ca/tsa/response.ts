/**
 * RFC 3161 §2.4.2: the TSA's answer. A request the TSA accepts gets a TSTInfo signed as CMS
 * SignedData; one it cannot honour gets PKIStatus rejection with the failInfo bit that says why.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Accuracy, MessageImprint, PKIFailureInfo, PKIFreeText, PKIStatus, PKIStatusInfo, TSTInfo, TimeStampResp, TimeStampToken, id_ct_tstInfo,
} from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { OctetString } from '@peculiar/asn1-schema';
import type { x509 } from '../../template/tls/x509.ts';
import type { CaSigner } from '../contract.ts';
import { eku, extendedKeyUsageOf } from '../extended-key-usage.ts';
import type { TimeStampRequest } from './request.ts';
import { buildSignedData } from './signed-data.ts';

/**
 * The default TSA policy: under the UUID arc 2.25 (ITU-T X.667), which needs no registration;
 * `.1.1` of the project's UUID names "time-stamps of cryptoutil pki-ca, first policy".
 */
export const DEFAULT_TSA_POLICY = '2.25.247912940476156305250560965225188817515.1.1';

/** Message imprint hashes accepted: OID → digest length in bytes. SHA-1 and MD5 are refused (badAlg). */
const IMPRINT_HASHES: ReadonlyMap<string, number> = new Map([
  ['2.16.840.1.101.3.4.2.1', 32],
  ['2.16.840.1.101.3.4.2.2', 48],
  ['2.16.840.1.101.3.4.2.3', 64],
]);

/** RFC 3161 §2.4.2 PKIFailureInfo bits, by their RFC names. */
const FAILURE_BITS = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;

/** Why a request was rejected, by its RFC 3161 failInfo name. */
export type TimeStampFailure = keyof typeof FAILURE_BITS;

/** What `buildTimeStampResp` answers from. */
export interface TimeStampOptions {
  /** A certificate of the `timestamp` profile: EKU timeStamping only, critical. */
  readonly signer: CaSigner;
  readonly request: TimeStampRequest;
  /** The policy of tokens when the request names none; DEFAULT_TSA_POLICY when absent. */
  readonly policy?: string;
  /** Policies a request may ask for; only `policy` when absent. */
  readonly acceptedPolicies?: readonly string[];
  /** Unique per token: a bigint or lowercase hex (pki-ca serial form). */
  readonly serial: bigint | string;
  readonly now: Date;
  /** The clock's accuracy in whole seconds, put into the token when given. */
  readonly accuracySeconds?: number;
}

/** A rejection (DER TimeStampResp): PKIStatus rejection, failInfo, and a short reason text. */
export function timeStampRejection(failure: TimeStampFailure, text: string): Uint8Array {
  const status = new PKIStatusInfo({
    status: PKIStatus.rejection,
    statusString: new PKIFreeText([text]),
    // PKIFailureInfo numbers named bits from the first: bit n is 2^n.
    failInfo: new PKIFailureInfo(2 ** FAILURE_BITS[failure]),
  });
  return new Uint8Array(AsnConvert.serialize(new TimeStampResp({ status })));
}

/** RFC 3161 §2.3: refuse to sign with a certificate that is not a TSA certificate (a configuration error). */
function checkSigner(certificate: x509.X509Certificate): void {
  // RFC 3161 §2.3: timeStamping is the only extended key usage, and the extension is critical.
  const usage = extendedKeyUsageOf(certificate);
  if (usage?.critical !== true || usage.usages.length !== 1 || usage.usages[0] !== eku.timeStamping) {
    throw new Error('the TSA certificate must carry the critical extended key usage timeStamping and no other');
  }
}

/** DER INTEGER content of a positive serial. */
function serialBytes(serial: bigint | string): ArrayBuffer {
  const value = typeof serial === 'bigint' ? serial : BigInt(`0x${serial}`);
  if (value <= 0n) throw new RangeError('a time-stamp serial is a positive integer');
  const hex = value.toString(16);
  const even = hex.length % 2 === 0 ? hex : `0${hex}`;
  return new Uint8Array(Buffer.from(/^[89a-f]/.test(even) ? `00${even}` : even, 'hex')).buffer;
}

interface Refusal {
  readonly failure: TimeStampFailure;
  readonly text: string;
}

/** The first reason the request cannot be honoured, in the order RFC 3161 §2.4.2 lists failInfo. */
function refusalOf(request: TimeStampRequest, acceptedPolicies: readonly string[]): Refusal | undefined {
  const length = IMPRINT_HASHES.get(request.hashAlgorithm);
  if (length === undefined) return { failure: 'badAlg', text: 'the message imprint hash must be SHA-256, SHA-384 or SHA-512' };
  if (request.version !== 1) return { failure: 'badDataFormat', text: 'the request version must be 1' };
  if (request.hashedMessage.length !== length) return { failure: 'badDataFormat', text: 'the message imprint length does not match its hash algorithm' };
  if (request.reqPolicy !== undefined && !acceptedPolicies.includes(request.reqPolicy)) return { failure: 'unacceptedPolicy', text: 'the requested policy is not accepted' };
  if (request.extensions.length > 0) return { failure: 'unacceptedExtension', text: 'this TSA supports no request extensions' };
  return undefined;
}

/** A TimeStampResp (DER): a signed token for an acceptable request, a rejection otherwise. */
export async function buildTimeStampResp(options: TimeStampOptions): Promise<Uint8Array> {
  const { signer, request } = options;
  checkSigner(signer.certificate);
  const policy = options.policy ?? DEFAULT_TSA_POLICY;
  const refusal = refusalOf(request, options.acceptedPolicies ?? [policy]);
  if (refusal !== undefined) return timeStampRejection(refusal.failure, refusal.text);
  const tstInfo = new TSTInfo({
    policy: request.reqPolicy ?? policy,
    messageImprint: new MessageImprint({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: request.hashAlgorithm }), hashedMessage: new OctetString(request.hashedMessage) }),
    serialNumber: serialBytes(options.serial),
    // Whole seconds: with `accuracy` present the token says how far genTime may be off.
    genTime: new Date(Math.floor(options.now.getTime() / 1000) * 1000),
    accuracy: options.accuracySeconds === undefined ? undefined : new Accuracy({ seconds: options.accuracySeconds }),
    nonce: request.nonce === undefined ? undefined : request.nonce.slice().buffer,
  });
  const token = await buildSignedData({ signer, contentType: id_ct_tstInfo, content: new Uint8Array(AsnConvert.serialize(tstInfo)), includeCertificate: request.certReq });
  const timeStampToken = AsnConvert.parse(token, TimeStampToken);
  return new Uint8Array(AsnConvert.serialize(new TimeStampResp({ status: new PKIStatusInfo({ status: PKIStatus.granted }), timeStampToken })));
}
