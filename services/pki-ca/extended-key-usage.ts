/**
 * Extended key usages (RFC 5280 §4.2.1.12): the OIDs pki-ca names, and a certificate's usages read
 * from the extension's DER. Delegated OCSP responders (RFC 6960 §4.2.2.2), TSAs (RFC 3161 §2.3) and
 * the lint's rules recognise certificates by them.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { ExtendedKeyUsage } from '@peculiar/asn1-x509';
import { x509 } from '../template/tls/x509.ts';

/** Extended key usage OIDs pki-ca names (RFC 5280 §4.2.1.12). */
export const eku = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
} as const;

/** The EKU OIDs of a certificate and whether the extension is critical; undefined without one. */
export function extendedKeyUsageOf(certificate: x509.X509Certificate): { readonly usages: readonly string[]; readonly critical: boolean } | undefined {
  const extension = certificate.getExtension(x509.ExtendedKeyUsageExtension);
  if (extension === null) return undefined;
  return { usages: [...AsnConvert.parse(extension.value, ExtendedKeyUsage)], critical: extension.critical };
}
