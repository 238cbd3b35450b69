/**
 * Rules that tie the certificate to its issuer: the signature verifies under the issuer's key, and
 * the issuer field names the issuer (RFC 5280 §4.1.1.3, §4.1.2.4, §6.1.3).
 */
import { verify, type KeyObject } from 'node:crypto';
import type { LintRule } from '../view.ts';

/** Signature algorithm OID → the digest Node verifies with (`null`: the algorithm hashes itself). */
const signatureDigests: ReadonlyMap<string, string | null> = new Map([
  ['1.2.840.10045.4.3.2', 'sha256'],
  ['1.2.840.10045.4.3.3', 'sha384'],
  ['1.2.840.10045.4.3.4', 'sha512'],
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
  ['1.3.101.112', null],
]);

/** Undefined when the signature verifies, else the finding's detail. */
function signatureProblem(digest: string | null, data: Uint8Array, key: KeyObject, signature: Uint8Array): string | undefined {
  try {
    if (verify(digest, data, { key, dsaEncoding: 'der' }, signature)) return undefined;
  } catch {
    // Node throws rather than answers false when the key does not fit the algorithm: both are a bad signature.
  }
  return 'signature does not verify under the issuer key';
}

/** The rules on the signature and issuer, in table order. */
export const signatureRules: readonly LintRule[] = [
  {
    name: 'e_signature_invalid',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.1.3, §6.1.3',
    description: 'The signature verifies under the issuer’s public key with the algorithm the certificate names.',
    applies: () => true,
    check: (certificate, context) => {
      const algorithm = certificate.asn.signatureAlgorithm.algorithm;
      const digest = signatureDigests.get(algorithm);
      if (digest === undefined) return `signature algorithm ${algorithm} is not supported`;
      const key = context.issuer.publicKey.key;
      if (key === undefined) return 'issuer public key cannot be read';
      return signatureProblem(digest, certificate.tbsDer, key, new Uint8Array(certificate.asn.signatureValue));
    },
  },
  {
    name: 'e_cert_sig_alg_not_match_tbs_sig_alg',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.1.2',
    description: 'The signatureAlgorithm field equals the signature field inside tbsCertificate.',
    applies: () => true,
    check: (certificate) => {
      const outer = certificate.asn.signatureAlgorithm.algorithm;
      const inner = certificate.asn.tbsCertificate.signature.algorithm;
      return outer === inner ? undefined : `signatureAlgorithm ${outer} differs from tbsCertificate.signature ${inner}`;
    },
  },
  {
    name: 'e_issuer_dn_mismatch',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.4, §6.1.3',
    description: 'The issuer field is, octet for octet, the subject of the issuing certificate.',
    applies: () => true,
    check: (certificate, context) => (Buffer.from(certificate.issuerDer).equals(context.issuer.subjectDer) ? undefined : `issuer "${certificate.certificate.issuer}" is not the issuer certificate's subject "${context.issuer.certificate.subject}"`),
  },
];
