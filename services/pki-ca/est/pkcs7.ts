/**
 * The CMS shapes EST speaks (RFC 7030): a certs-only SignedData ("degenerate PKCS#7", RFC 5652
 * §5 with no signers) carries the CA certificates and every issued certificate; CSR attributes are a
 * SEQUENCE OF OID or attribute (§4.5.2).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { ObjectIdentifier, Sequence } from 'asn1js';
import { CertificateChoices, CertificateSet, ContentInfo, EncapsulatedContentInfo, id_data, id_signedData, SignedData, CMSVersion } from '@peculiar/asn1-cms';
import { Certificate } from '@peculiar/asn1-x509';
import type { x509 } from '../../template/tls/x509.ts';

/** The DER of a certs-only SignedData holding `certificates`, in order. */
export function certsOnly(certificates: readonly x509.X509Certificate[]): Uint8Array {
  const signedData = new SignedData({
    version: CMSVersion.v1,
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data }),
    certificates: new CertificateSet(certificates.map((certificate) => new CertificateChoices({ certificate: AsnConvert.parse(certificate.rawData, Certificate) }))),
  });
  const contentInfo = new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) });
  return new Uint8Array(AsnConvert.serialize(contentInfo));
}

/** The DER of RFC 7030 §4.5.2 CsrAttrs naming plain `oids` (e.g. the signature algorithm the CA prefers). */
export function csrAttributes(oids: readonly string[]): Uint8Array {
  return new Uint8Array(new Sequence({ value: oids.map((oid) => new ObjectIdentifier({ value: oid })) }).toBER());
}
