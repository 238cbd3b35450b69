/**
 * RFC 6960 §4.2: the responder's answer, built as a pure function of the request, the issuer and
 * the stored status of each serial, then signed at the edge by the CA or its delegated responder.
 */
import {
  BasicOCSPResponse, CertID, CertStatus as AsnCertStatus, KeyHash, OCSPResponse, OCSPResponseStatus, ResponderID, ResponseBytes, ResponseData,
  RevokedInfo, SingleResponse, id_pkix_ocsp_basic, id_pkix_ocsp_nonce,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, CRLReason, CRLReasons, Certificate, Extension } from '@peculiar/asn1-x509';
import type { x509 } from '../../template/tls/x509.ts';
import type { CaSigner } from '../contract.ts';
import { eku, extendedKeyUsageOf } from '../extended-key-usage.ts';
import { issuerIdentity, keyHash, namesIssuer, type IssuerIdentity } from './cert-id.ts';
import type { OcspCertId, OcspRequest } from './request.ts';
import { signatureAlgorithmIdentifier, signBytes } from '../signing.ts';
import type { ReasonName } from '../crl/reasons.ts';

/** A revocation reason by its RFC 5280 name (the CRL's table). */
export type RevocationReason = ReasonName;

/** What the store says of one serial of the issuer. */
export type CertStatus =
  | { readonly status: 'good' }
  | { readonly status: 'revoked'; readonly revokedAt: Date; readonly reason?: RevocationReason }
  | { readonly status: 'unknown' };

/** The responseStatus values other than successful that a responder sends (RFC 6960 §4.2.1). */
export type OcspErrorStatus = 'malformedRequest' | 'internalError' | 'tryLater' | 'unauthorized';

const ERROR_STATUSES: Readonly<Record<OcspErrorStatus, OCSPResponseStatus>> = {
  malformedRequest: OCSPResponseStatus.malformedRequest,
  internalError: OCSPResponseStatus.internalError,
  tryLater: OCSPResponseStatus.tryLater,
  unauthorized: OCSPResponseStatus.unauthorized,
};

/** RFC 8954 §2.1: nonces of 1 to 32 octets are echoed; others are answered without a nonce. */
const MAX_NONCE_OCTETS = 32;

/** DER of ASN.1 NULL, the parameters openssl writes into a CertID's hash algorithm. */
const DER_NULL = new Uint8Array([0x05, 0x00]);

/** What `buildOcspResponse` answers from. */
export interface OcspResponseOptions {
  /** The CA itself, or a delegated responder (EKU OCSPSigning) whose certificate the CA signed. */
  readonly responder: CaSigner;
  /** The CA the certificates asked about were issued by. */
  readonly issuer: x509.X509Certificate;
  readonly request: OcspRequest;
  /** The stored status of one serial (lowercase hex) of `issuer`. */
  readonly lookup: (serialHex: string) => Promise<CertStatus>;
  readonly now: Date;
  /** Seconds from thisUpdate to nextUpdate. */
  readonly validitySeconds: number;
}

/** An OCSP response that carries only an error status (RFC 6960 §4.2.1: no responseBytes). */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new OCSPResponse({ responseStatus: ERROR_STATUSES[status] })));
}

/** GeneralizedTime without fractions: RFC 5280 §4.1.2.5.2 style, which every client parses. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function sameCertificate(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
}

/**
 * RFC 6960 §4.2.2.2: a delegated responder's certificate is issued by the CA and carries
 * id-kp-OCSPSigning. A responder that is neither is a configuration error, never a response.
 */
async function checkDelegation(responder: x509.X509Certificate, issuer: x509.X509Certificate): Promise<void> {
  const usages = extendedKeyUsageOf(responder)?.usages ?? [];
  if (!usages.includes(eku.ocspSigning)) throw new Error('the delegated OCSP responder certificate lacks extended key usage OCSPSigning');
  const signedByIssuer = responder.issuer === issuer.subject && await responder.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  if (!signedByIssuer) throw new Error('the delegated OCSP responder certificate is not issued by the CA it answers for');
}

function certStatusOf(answer: CertStatus): AsnCertStatus {
  if (answer.status === 'good') return new AsnCertStatus({ good: null });
  if (answer.status === 'unknown') return new AsnCertStatus({ unknown: null });
  return new AsnCertStatus({
    revoked: new RevokedInfo({
      revocationTime: wholeSeconds(answer.revokedAt),
      revocationReason: answer.reason === undefined ? undefined : new CRLReason(CRLReasons[answer.reason]),
    }),
  });
}

/** The serial as a DER INTEGER's content: a 0x00 sign octet before a set top bit. */
function serialBytes(serialHex: string): ArrayBuffer {
  return new Uint8Array(Buffer.from(/^[89a-f]/.test(serialHex) ? `00${serialHex}` : serialHex, 'hex')).buffer;
}

/** RFC 6960 §2.2: a CertID of another issuer is one this responder does not know: `unknown`. */
async function answerOf(certId: OcspCertId, issuer: IssuerIdentity, lookup: OcspResponseOptions['lookup']): Promise<CertStatus> {
  return namesIssuer(certId, issuer) ? await lookup(certId.serialHex) : { status: 'unknown' };
}

function singleResponse(certId: OcspCertId, answer: CertStatus, thisUpdate: Date, nextUpdate: Date): SingleResponse {
  return new SingleResponse({
    certID: new CertID({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: certId.hashAlgorithm, parameters: DER_NULL.slice().buffer }),
      issuerNameHash: new OctetString(certId.issuerNameHash),
      issuerKeyHash: new OctetString(certId.issuerKeyHash),
      serialNumber: serialBytes(certId.serialHex),
    }),
    certStatus: certStatusOf(answer),
    thisUpdate,
    nextUpdate,
  });
}

function nonceExtensions(nonce: Uint8Array | undefined): Extension[] | undefined {
  if (nonce === undefined || nonce.length === 0 || nonce.length > MAX_NONCE_OCTETS) return undefined;
  const extnValue = new OctetString(AsnConvert.serialize(new OctetString(nonce)));
  return [new Extension({ extnID: id_pkix_ocsp_nonce, critical: false, extnValue })];
}

/** A signed, successful OCSP response (DER) answering every CertID of the request. */
export async function buildOcspResponse(options: OcspResponseOptions): Promise<Uint8Array> {
  const { responder, issuer, request } = options;
  const delegated = !sameCertificate(responder.certificate, issuer);
  if (delegated) await checkDelegation(responder.certificate, issuer);
  const issuerId = issuerIdentity(issuer);
  const thisUpdate = wholeSeconds(options.now);
  const nextUpdate = new Date(thisUpdate.getTime() + options.validitySeconds * 1000);
  const responses: SingleResponse[] = [];
  for (const certId of request.certIds) {
    responses.push(singleResponse(certId, await answerOf(certId, issuerId, options.lookup), thisUpdate, nextUpdate));
  }
  const tbsResponseData = new ResponseData({
    responderID: new ResponderID({ byKey: new KeyHash(keyHash(issuerIdentity(responder.certificate))) }),
    producedAt: thisUpdate,
    responses,
    responseExtensions: nonceExtensions(request.nonce),
  });
  const tbs = new Uint8Array(AsnConvert.serialize(tbsResponseData));
  const basic = new BasicOCSPResponse({
    tbsResponseData,
    signatureAlgorithm: signatureAlgorithmIdentifier(responder.keyAlgorithm),
    signature: new Uint8Array(await signBytes(responder, tbs)).buffer,
    // RFC 6960 §4.2.2.2: the client needs the delegated responder's certificate to check the signature.
    certs: delegated ? [AsnConvert.parse(responder.certificate.rawData, Certificate)] : undefined,
  });
  return new Uint8Array(AsnConvert.serialize(new OCSPResponse({
    responseStatus: OCSPResponseStatus.successful,
    responseBytes: new ResponseBytes({ responseType: id_pkix_ocsp_basic, response: new OctetString(AsnConvert.serialize(basic)) }),
  })));
}
