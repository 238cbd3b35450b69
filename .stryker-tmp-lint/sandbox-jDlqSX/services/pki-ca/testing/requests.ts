/**
 * OCSP and time-stamp requests for tests, built without openssl: well-formed ones of any content,
 * and broken ones for the parsers' refusals.
 */
// @ts-nocheck

import { createHash } from 'node:crypto';
import { CertID, OCSPRequest, Request, TBSRequest, id_pkix_ocsp_nonce } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, Certificate, Extension, Extensions } from '@peculiar/asn1-x509';
import type { x509 } from '../../template/tls/x509.ts';

/** Hash OIDs by node name, for CertIDs and message imprints. */
export const HASH_OIDS: Readonly<Record<'sha1' | 'sha256' | 'sha384' | 'sha512', string>> = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};

/** How to build one CertID. */
export interface CertIdSpec {
  readonly issuer: x509.X509Certificate;
  readonly serialHex: string;
  readonly hash?: keyof typeof HASH_OIDS;
}

/** RFC 6960 §4.1.1 CertID of a serial under `issuer`. */
export function certId(spec: CertIdSpec): CertID {
  const hash = spec.hash ?? 'sha1';
  const parsed = AsnConvert.parse(spec.issuer.rawData, Certificate);
  const digest = (data: ArrayBuffer): Buffer => createHash(hash).update(new Uint8Array(data)).digest();
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: HASH_OIDS[hash], parameters: new Uint8Array([5, 0]).buffer }),
    issuerNameHash: new OctetString(digest(AsnConvert.serialize(parsed.tbsCertificate.subject))),
    issuerKeyHash: new OctetString(digest(parsed.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)),
    serialNumber: new Uint8Array(Buffer.from(spec.serialHex, 'hex')).buffer,
  });
}

/** A DER OCSPRequest of some CertIDs, with an RFC 8954 nonce when given. */
export function ocspRequestDer(certIds: readonly CertID[], nonce?: Uint8Array, version = 0): Uint8Array {
  const requestExtensions = nonce === undefined ? undefined : [new Extension({ extnID: id_pkix_ocsp_nonce, extnValue: new OctetString(AsnConvert.serialize(new OctetString(nonce))) })];
  // Object.assign: a test may write a version the schema's enum does not name.
  const tbsRequest = Object.assign(new TBSRequest({ requestList: certIds.map((reqCert) => new Request({ reqCert })), requestExtensions }), { version });
  return new Uint8Array(AsnConvert.serialize(new OCSPRequest({ tbsRequest })));
}

/** How to build one TimeStampReq. */
export interface TimeStampReqSpec {
  readonly hash?: keyof typeof HASH_OIDS;
  readonly hashedMessage?: Uint8Array;
  readonly reqPolicy?: string;
  readonly nonce?: Uint8Array;
  readonly certReq?: boolean;
  readonly version?: number;
  readonly extensionOids?: readonly string[];
}

/** A DER TimeStampReq over the bytes `data` hashed with `hash` (SHA-256 by default). */
export function timeStampReqDer(data: string, spec: TimeStampReqSpec = {}): Uint8Array {
  const hash = spec.hash ?? 'sha256';
  const request = new TimeStampReq({
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: HASH_OIDS[hash] }),
      hashedMessage: new OctetString(spec.hashedMessage ?? createHash(hash).update(data).digest()),
    }),
    reqPolicy: spec.reqPolicy,
    nonce: spec.nonce === undefined ? undefined : spec.nonce.slice().buffer,
    certReq: spec.certReq ?? false,
    extensions: spec.extensionOids === undefined ? undefined : new Extensions(spec.extensionOids.map((extnID) => new Extension({ extnID, extnValue: new OctetString(new Uint8Array([5, 0])) }))),
  });
  return new Uint8Array(AsnConvert.serialize(Object.assign(request, { version: spec.version ?? 1 })));
}
