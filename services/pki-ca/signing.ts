/**
 * Signing with a CA key, for every structure pki-ca signs (certificates' CRLs, OCSP responses,
 * time-stamp tokens): the signature AlgorithmIdentifier each CA key algorithm writes, the digest a
 * CMS signer of that key names, and the signature value as X.509 and CMS carry it (ECDSA's
 * WebCrypto r||s turned into Ecdsa-Sig-Value).
 */
import { webcrypto } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { signingAlgorithm, type CaKeyAlgorithm, type CaSigner } from './contract.ts';
import { derNull, derOid, derSequence, derTag, derTlv, unsignedIntegerContent } from './crl/der.ts';

/** A digest by its WebCrypto (and `node:crypto`) name. */
export type DigestName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** One row of the signing table for a CA key algorithm. */
interface SigningRow {
  /** The signature algorithm's OID (RFC 5758 §3.2, RFC 4055 §5, RFC 8410 §3). */
  readonly signatureOid: string;
  /** RFC 4055 §5: RSA PKCS#1 v1.5 identifiers carry NULL parameters; the others carry none. */
  readonly nullParameters: boolean;
  /** The digest a CMS SignerInfo of this key names (RFC 5754 §2, RFC 8419 §3.1: SHA-512 for Ed25519). */
  readonly digest: DigestName;
  /** WebCrypto returns r||s, X.509 and CMS carry Ecdsa-Sig-Value. */
  readonly ecdsa: boolean;
}

const ROWS: ReadonlyMap<CaKeyAlgorithm, SigningRow> = new Map<CaKeyAlgorithm, SigningRow>([
  ['ES256', { signatureOid: '1.2.840.10045.4.3.2', nullParameters: false, digest: 'SHA-256', ecdsa: true }],
  ['ES384', { signatureOid: '1.2.840.10045.4.3.3', nullParameters: false, digest: 'SHA-384', ecdsa: true }],
  ['RSA-3072', { signatureOid: '1.2.840.113549.1.1.11', nullParameters: true, digest: 'SHA-256', ecdsa: false }],
  ['RSA-4096', { signatureOid: '1.2.840.113549.1.1.12', nullParameters: true, digest: 'SHA-384', ecdsa: false }],
  ['Ed25519', { signatureOid: '1.3.101.112', nullParameters: false, digest: 'SHA-512', ecdsa: false }],
]);

/** NIST hash algorithm OIDs (RFC 5754 §2). */
const DIGEST_OIDS: Readonly<Record<DigestName, string>> = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};

function rowOf(algorithm: CaKeyAlgorithm): SigningRow {
  const row = ROWS.get(algorithm);
  if (row === undefined) throw new RangeError(`unknown CA key algorithm ${algorithm}`);
  return row;
}

/** The DER AlgorithmIdentifier a CA key of `algorithm` signs with, for structures written by hand. */
export function signatureAlgorithmDer(algorithm: CaKeyAlgorithm): Buffer {
  const row = rowOf(algorithm);
  return row.nullParameters ? derSequence(derOid(row.signatureOid), derNull()) : derSequence(derOid(row.signatureOid));
}

/** The same AlgorithmIdentifier as an @peculiar/asn1-x509 object, for structures built with it. */
export function signatureAlgorithmIdentifier(algorithm: CaKeyAlgorithm): AlgorithmIdentifier {
  const row = rowOf(algorithm);
  return new AlgorithmIdentifier({ algorithm: row.signatureOid, parameters: row.nullParameters ? new Uint8Array(derNull()).buffer : undefined });
}

/** The digest a CMS SignerInfo of this key names, as an OID and as a WebCrypto hash name. */
export function signerDigest(algorithm: CaKeyAlgorithm): { readonly oid: string; readonly name: DigestName } {
  const { digest } = rowOf(algorithm);
  return { oid: DIGEST_OIDS[digest], name: digest };
}

/** RFC 3279 §2.2.3 / RFC 5480 §2.2: Ecdsa-Sig-Value of WebCrypto's fixed-width r||s, minimal and positive. */
export function ecdsaSignatureDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError('ECDSA signature: r||s must have an even, non-zero length');
  const half = raw.length / 2;
  const toInteger = (bytes: Uint8Array): Buffer => derTlv(derTag.integer, unsignedIntegerContent(bytes));
  return derSequence(toInteger(raw.subarray(0, half)), toInteger(raw.subarray(half)));
}

/** Signs `data` with the signer's key; the value as X.509's signatureValue and CMS's signature carry it. */
export async function signBytes(signer: CaSigner, data: Uint8Array): Promise<Buffer> {
  const { ecdsa } = rowOf(signer.keyAlgorithm);
  const raw = new Uint8Array(await webcrypto.subtle.sign(signingAlgorithm(signer.keyAlgorithm), signer.privateKey, data));
  return ecdsa ? ecdsaSignatureDer(raw) : Buffer.from(raw);
}
