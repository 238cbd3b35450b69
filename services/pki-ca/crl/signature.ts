/**
 * Signing a DER structure with a CA key: the AlgorithmIdentifier each CA key algorithm writes and
 * the signature value as X.509 carries it (ECDSA's WebCrypto r||s turned into Ecdsa-Sig-Value).
 */
import { webcrypto } from 'node:crypto';
import { signingAlgorithm, type CaKeyAlgorithm, type CaSigner } from '../contract.ts';
import { derNull, derOid, derSequence, derTag, derTlv, unsignedIntegerContent } from './der.ts';

/** One row: the signature AlgorithmIdentifier (RFC 5758 §3.2, RFC 4055 §5, RFC 8410 §3) and whether the value is ECDSA's. */
interface SignatureRow {
  readonly algorithmIdentifier: Buffer;
  readonly ecdsa: boolean;
}

const rows: ReadonlyMap<CaKeyAlgorithm, SignatureRow> = new Map<CaKeyAlgorithm, SignatureRow>([
  ['ES256', { algorithmIdentifier: derSequence(derOid('1.2.840.10045.4.3.2')), ecdsa: true }],
  ['ES384', { algorithmIdentifier: derSequence(derOid('1.2.840.10045.4.3.3')), ecdsa: true }],
  ['RSA-3072', { algorithmIdentifier: derSequence(derOid('1.2.840.113549.1.1.11'), derNull()), ecdsa: false }],
  ['RSA-4096', { algorithmIdentifier: derSequence(derOid('1.2.840.113549.1.1.12'), derNull()), ecdsa: false }],
  ['Ed25519', { algorithmIdentifier: derSequence(derOid('1.3.101.112')), ecdsa: false }],
]);

function row(algorithm: CaKeyAlgorithm): SignatureRow {
  const found = rows.get(algorithm);
  if (found === undefined) throw new RangeError(`unknown CA key algorithm ${algorithm}`);
  return found;
}

/** The DER AlgorithmIdentifier a CA key of `algorithm` signs with. */
export function signatureAlgorithmIdentifier(algorithm: CaKeyAlgorithm): Buffer {
  return row(algorithm).algorithmIdentifier;
}

/** RFC 3279 §2.2.3 Ecdsa-Sig-Value of WebCrypto's fixed-width r||s. */
export function ecdsaSignatureDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError('ECDSA signature: r||s must have an even, non-zero length');
  const half = raw.length / 2;
  const toInteger = (bytes: Uint8Array): Buffer => derTlv(derTag.integer, unsignedIntegerContent(bytes));
  return derSequence(toInteger(raw.subarray(0, half)), toInteger(raw.subarray(half)));
}

/** The signature value of `data` by the CA's key, as the signatureValue BIT STRING's bytes. */
export async function signDer(signer: CaSigner, data: Uint8Array): Promise<Buffer> {
  const { ecdsa } = row(signer.keyAlgorithm);
  const raw = new Uint8Array(await webcrypto.subtle.sign(signingAlgorithm(signer.keyAlgorithm), signer.privateKey, data));
  return ecdsa ? ecdsaSignatureDer(raw) : Buffer.from(raw);
}
