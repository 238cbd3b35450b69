/**
 * RFC 3161 §2.4.1: a TimeStampReq read into what the TSA needs. Bytes that are not one DER
 * TimeStampReq throw TimeStampMalformedRequestError, answered with failInfo badDataFormat.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { TimeStampReq } from '@peculiar/asn1-tsp';
import * as asn1js from 'asn1js';
import { objectIdentifierOf } from './object-identifier.ts';

/** What the TSA reads from a request. */
export interface TimeStampRequest {
  readonly version: number;
  /** OID of the hash the client applied to its data. */
  readonly hashAlgorithm: string;
  readonly hashedMessage: Uint8Array;
  /** The policy the client asks for, if any. */
  readonly reqPolicy?: string;
  /** The nonce INTEGER's content octets, echoed unchanged. */
  readonly nonce?: Uint8Array;
  /** True when the client asks for the TSA's certificate in the token. */
  readonly certReq: boolean;
  /** OIDs of the request's extensions (this TSA supports none). */
  readonly extensions: readonly string[];
}

/** A request that is not a DER TimeStampReq; the detail names what is wrong. */
export class TimeStampMalformedRequestError extends Error {
  readonly code = 'badDataFormat';
  constructor(detail: string, options?: ErrorOptions) {
    super(detail, options);
    this.name = 'TimeStampMalformedRequestError';
  }
}

/** Reads a DER TimeStampReq; throws TimeStampMalformedRequestError for anything else. */
export function parseTimeStampReq(der: Uint8Array): TimeStampRequest {
  const outer = asn1js.fromBER(der);
  if (outer.offset === -1 || outer.offset !== der.byteLength) throw new TimeStampMalformedRequestError('the request is not one DER value');
  if (!(outer.result instanceof asn1js.Sequence)) throw new TimeStampMalformedRequestError('the request is not a SEQUENCE');
  let request: TimeStampReq;
  try {
    request = AsnConvert.parse(der, TimeStampReq);
  } catch (error: unknown) {
    throw new TimeStampMalformedRequestError('the request is not a TimeStampReq', { cause: error });
  }
  // reqPolicy is the request's only top-level OID; its arcs may be too large for asn1js's numbers.
  const policy = outer.result.valueBlock.value.find((block) => block instanceof asn1js.ObjectIdentifier);
  return {
    version: request.version,
    hashAlgorithm: request.messageImprint.hashAlgorithm.algorithm,
    hashedMessage: new Uint8Array(request.messageImprint.hashedMessage.buffer),
    ...(policy === undefined ? {} : { reqPolicy: objectIdentifierOf(policy) }),
    ...(request.nonce === undefined ? {} : { nonce: new Uint8Array(request.nonce) }),
    certReq: request.certReq,
    extensions: request.extensions === undefined ? [] : request.extensions.map((extension) => extension.extnID),
  };
}
