/**
 * RFC 6960 §4.1: an OCSPRequest read into what the responder needs, the CertIDs asked about and the
 * RFC 8954 nonce. Anything that is not a well-formed request throws OcspMalformedRequestError, which
 * the responder answers with responseStatus malformedRequest.
 */
import { OCSPRequest, id_pkix_ocsp_nonce } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';

/** One CertID of a request (RFC 6960 §4.1.1), its serial in pki-ca's lowercase hex. */
export interface OcspCertId {
  /** OID of the hash of issuerNameHash and issuerKeyHash (SHA-1 from most clients). */
  readonly hashAlgorithm: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  readonly serialHex: string;
}

/** What the responder reads from a request. */
export interface OcspRequest {
  readonly certIds: readonly OcspCertId[];
  /** The RFC 8954 nonce octets, when the request carries one. */
  readonly nonce?: Uint8Array;
}

/** A request that is not a DER OCSPRequest; the detail names what is wrong, never echoes the bytes. */
export class OcspMalformedRequestError extends Error {
  readonly code = 'malformedRequest';
  constructor(detail: string, options?: ErrorOptions) {
    super(detail, options);
    this.name = 'OcspMalformedRequestError';
  }
}

/** DER INTEGER content as pki-ca writes serials: lowercase hex, without the sign octet DER adds. */
export function serialHexOf(integer: Uint8Array): string {
  const unsigned = integer.length > 1 && integer[0] === 0 ? integer.subarray(1) : integer;
  return Buffer.from(unsigned).toString('hex');
}

/** RFC 8954 §2.1: the extnValue holds an OCTET STRING whose content is the nonce. */
function nonceOf(extnValue: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(AsnConvert.parse(extnValue, OctetString).buffer);
  } catch (error: unknown) {
    throw new OcspMalformedRequestError('the nonce extension does not hold an OCTET STRING', { cause: error });
  }
}

function parseDer(der: Uint8Array): OCSPRequest {
  // DER is one value with nothing after it; asn1js reports where the first value ended.
  const outer = asn1js.fromBER(der);
  if (outer.offset === -1 || outer.offset !== der.byteLength) throw new OcspMalformedRequestError('the request is not one DER value');
  try {
    return AsnConvert.parse(der, OCSPRequest);
  } catch (error: unknown) {
    throw new OcspMalformedRequestError('the request is not an OCSPRequest', { cause: error });
  }
}

/** Reads a DER OCSPRequest; throws OcspMalformedRequestError for anything else. */
export function parseOcspRequest(der: Uint8Array): OcspRequest {
  const request = parseDer(der);
  const tbs = request.tbsRequest;
  const version: number = tbs.version;
  if (version !== 0) throw new OcspMalformedRequestError('the request version is not v1');
  if (tbs.requestList.length === 0) throw new OcspMalformedRequestError('the request asks about no certificate');
  const certIds = tbs.requestList.map(({ reqCert }) => ({
    hashAlgorithm: reqCert.hashAlgorithm.algorithm,
    issuerNameHash: new Uint8Array(reqCert.issuerNameHash.buffer),
    issuerKeyHash: new Uint8Array(reqCert.issuerKeyHash.buffer),
    serialHex: serialHexOf(new Uint8Array(reqCert.serialNumber)),
  }));
  const nonceExtension = tbs.requestExtensions?.find((extension) => extension.extnID === id_pkix_ocsp_nonce);
  if (nonceExtension === undefined) return { certIds };
  return { certIds, nonce: nonceOf(new Uint8Array(nonceExtension.extnValue.buffer)) };
}
