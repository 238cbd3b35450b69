/**
 * RFC 6960 §4.1.1: a CertID names its issuer by the hash of the issuer's subject DN and of its
 * public key. The hashes a client may choose, and whether a CertID names a given CA.
 */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import type { x509 } from '../../template/tls/x509.ts';
import type { OcspCertId } from './request.ts';

/** CertID hash OIDs → node hash names. SHA-1 is what openssl and most clients send. */
const CERT_ID_HASHES: ReadonlyMap<string, string> = new Map([
  ['1.3.14.3.2.26', 'sha1'],
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
]);

/** The DER of a certificate's subject and the bits of its subjectPublicKey, which CertIDs hash. */
export interface IssuerIdentity {
  readonly subjectDer: Uint8Array;
  readonly publicKeyBits: Uint8Array;
}

/** The parts of a CA certificate CertIDs and responderID byKey are computed from. */
export function issuerIdentity(certificate: x509.X509Certificate): IssuerIdentity {
  const parsed = AsnConvert.parse(certificate.rawData, Certificate);
  return {
    subjectDer: new Uint8Array(AsnConvert.serialize(parsed.tbsCertificate.subject)),
    publicKeyBits: new Uint8Array(parsed.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey),
  };
}

/** RFC 6960 §4.2.1: responderID byKey is the SHA-1 of the responder's subjectPublicKey bits. */
export function keyHash(identity: IssuerIdentity): Uint8Array {
  return createHash('sha1').update(identity.publicKeyBits).digest();
}

/** True when the CertID's hashes name `issuer`; false for another issuer or a hash not in the table. */
export function namesIssuer(certId: OcspCertId, issuer: IssuerIdentity): boolean {
  const hash = CERT_ID_HASHES.get(certId.hashAlgorithm);
  if (hash === undefined) return false;
  const nameHash = createHash(hash).update(issuer.subjectDer).digest();
  const publicKeyHash = createHash(hash).update(issuer.publicKeyBits).digest();
  return nameHash.equals(certId.issuerNameHash) && publicKeyHash.equals(certId.issuerKeyHash);
}
