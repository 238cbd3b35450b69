/**
 * The extended key usages of a certificate as OIDs, read from the extension's DER: delegated OCSP
 * responders (RFC 6960 §4.2.2.2) and TSAs (RFC 3161 §2.3) are recognised by them.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { ExtendedKeyUsage } from '@peculiar/asn1-x509';
import { x509 } from '../../template/tls/x509.ts';

/** The EKU OIDs of a certificate and whether the extension is critical; undefined without one. */
export function extendedKeyUsageOf(certificate: x509.X509Certificate): { readonly usages: readonly string[]; readonly critical: boolean } | undefined {
  const extension = certificate.getExtension(x509.ExtendedKeyUsageExtension);
  if (extension === null) return undefined;
  return { usages: [...AsnConvert.parse(extension.value, ExtendedKeyUsage)], critical: extension.critical };
}
