/**
 * Signing at the edge for OCSP responses and time-stamp tokens: the AlgorithmIdentifiers each CA key
 * algorithm writes into X.509 and CMS structures, and a WebCrypto signature in the DER form those
 * structures carry.
 */
import { webcrypto } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { signingAlgorithm, type CaKeyAlgorithm, type CaSigner } from '../contract.ts';

/** DER of ASN.1 NULL: RFC 4055 §5 requires NULL parameters in RSA PKCS#1 v1.5 identifiers. */
const DER_NULL = new Uint8Array([0x05, 0x00]);

interface SignatureRow {
  /** The signature algorithm's OID (RFC 5758, RFC 4055, RFC 8410). */
  readonly signatureOid: string;
  readonly nullParameters: boolean;
  /** The digest a CMS signer names (RFC 8419 §3.1: SHA-512 for Ed25519). */
  readonly digestOid: string;
  readonly digest: 'SHA-256' | 'SHA-384' | 'SHA-512';
  /** Bytes in each of r and s of a raw ECDSA signature; absent for other algorithms. */
  readonly ecdsaScalarBytes?: number;
}

const SIGNATURES: Readonly<Record<CaKeyAlgorithm, SignatureRow>> = {
  'ES256': { signatureOid: '1.2.840.10045.4.3.2', nullParameters: false, digestOid: '2.16.840.1.101.3.4.2.1', digest: 'SHA-256', ecdsaScalarBytes: 32 },
  'ES384': { signatureOid: '1.2.840.10045.4.3.3', nullParameters: false, digestOid: '2.16.840.1.101.3.4.2.2', digest: 'SHA-384', ecdsaScalarBytes: 48 },
  'RSA-3072': { signatureOid: '1.2.840.113549.1.1.11', nullParameters: true, digestOid: '2.16.840.1.101.3.4.2.1', digest: 'SHA-256' },
  'RSA-4096': { signatureOid: '1.2.840.113549.1.1.12', nullParameters: true, digestOid: '2.16.840.1.101.3.4.2.2', digest: 'SHA-384' },
  'Ed25519': { signatureOid: '1.3.101.112', nullParameters: false, digestOid: '2.16.840.1.101.3.4.2.3', digest: 'SHA-512' },
};

function rowOf(algorithm: CaKeyAlgorithm): SignatureRow {
  const row = SIGNATURES[algorithm] as SignatureRow | undefined;
  if (row === undefined) throw new RangeError(`unknown CA key algorithm ${algorithm}`);
  return row;
}

/** The signatureAlgorithm identifier of a signer's key. */
export function signatureAlgorithmIdentifier(algorithm: CaKeyAlgorithm): AlgorithmIdentifier {
  const row = rowOf(algorithm);
  return new AlgorithmIdentifier({ algorithm: row.signatureOid, parameters: row.nullParameters ? DER_NULL.slice().buffer : undefined });
}

/** The digest a CMS SignerInfo of this key names, as an OID and as a WebCrypto hash name. */
export function signerDigest(algorithm: CaKeyAlgorithm): { readonly oid: string; readonly name: 'SHA-256' | 'SHA-384' | 'SHA-512' } {
  const row = rowOf(algorithm);
  return { oid: row.digestOid, name: row.digest };
}

/** One DER INTEGER of an unsigned big-endian magnitude: leading zeros dropped, 0x00 added for a set top bit. */
function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const trimmed = Buffer.from(magnitude.subarray(start));
  const padded = trimmed.readUInt8(0) >= 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
  return Uint8Array.of(0x02, padded.length, ...padded);
}

/**
 * RFC 5480 §2.2 / RFC 3279 §2.2.3: X.509 and CMS carry ECDSA-Sig-Value, a SEQUENCE of r and s,
 * where WebCrypto returns r||s. P-256 and P-384 keep the sequence under 128 bytes (short length).
 */
export function ecdsaRawToDer(raw: Uint8Array, scalarBytes: number): Uint8Array {
  if (raw.length !== 2 * scalarBytes) throw new RangeError(`an ECDSA signature of ${String(scalarBytes * 8)}-bit scalars has ${String(2 * scalarBytes)} bytes`);
  const r = derUnsignedInteger(raw.subarray(0, scalarBytes));
  const s = derUnsignedInteger(raw.subarray(scalarBytes));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}

/** Signs `data` with the signer's key and returns the signature as X.509 and CMS carry it. */
export async function signBytes(signer: CaSigner, data: Uint8Array): Promise<Uint8Array> {
  const raw = new Uint8Array(await webcrypto.subtle.sign(signingAlgorithm(signer.keyAlgorithm), signer.privateKey, data));
  const scalarBytes = rowOf(signer.keyAlgorithm).ecdsaScalarBytes;
  return scalarBytes === undefined ? raw : ecdsaRawToDer(raw, scalarBytes);
}
