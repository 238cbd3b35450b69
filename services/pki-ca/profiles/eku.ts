/**
 * Extended key usage names a profile may write, and their OIDs (RFC 5280 §4.2.1.12, RFC 4945 for
 * ipsecIKE, RFC 9336 for documentSigning). A profile may also write any OID directly.
 */
import type { extendedKeyUsageNames } from './schema.ts';

/** The OID of each EKU name a profile may use. */
export const extendedKeyUsageOids: Readonly<Record<(typeof extendedKeyUsageNames)[number], string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  ipsecIKE: '1.3.6.1.5.5.7.3.17',
  documentSigning: '1.3.6.1.5.5.7.3.36',
};

/** The OID of an EKU name, or the text itself when it already is an OID (the schema allows only those two). */
export function extendedKeyUsageOid(usage: string): string {
  return Object.hasOwn(extendedKeyUsageOids, usage) ? extendedKeyUsageOids[usage as keyof typeof extendedKeyUsageOids] : usage;
}
