/**
 * Rules on the extensions that make a certificate a CA, a subscriber, a time-stamping authority or
 * an OCSP responder (RFC 5280 §4.2.1; BR §7.1.2; RFC 3161 §2.3; RFC 6960 §4.2.2.2).
 */
import { x509 } from '../../../template/tls/x509.ts';
import { eku } from '../../extended-key-usage.ts';
import { hasExtendedKeyUsage, hasKeyUsage, isSelfSigned, type CertificateView, type LintRule } from '../view.ts';

/** Extension OIDs the rules look for by presence. */
const oid = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
} as const;

function extension(certificate: CertificateView, type: string): x509.Extension | undefined {
  return certificate.extensions.find((candidate) => candidate.type === type);
}

/** The certificate has an extension of this type that is not marked critical. */
function notCritical(certificate: CertificateView, type: string): boolean {
  return certificate.extensions.some((candidate) => candidate.type === type && !candidate.critical);
}

/** The rules on extensions, in table order. */
export const extensionRules: readonly LintRule[] = [
  {
    name: 'e_ext_authority_key_identifier_missing',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.1',
    description: 'Every certificate but a self-signed root has an authorityKeyIdentifier.',
    applies: (certificate, context) => !isSelfSigned(certificate, context),
    check: (certificate) => (extension(certificate, oid.authorityKeyIdentifier) === undefined ? 'authorityKeyIdentifier is missing' : undefined),
  },
  {
    name: 'e_ext_subject_key_identifier_missing_ca',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.2',
    description: 'A CA certificate has a subjectKeyIdentifier.',
    applies: (certificate) => certificate.isCa,
    check: (certificate) => (extension(certificate, oid.subjectKeyIdentifier) === undefined ? 'CA certificate has no subjectKeyIdentifier' : undefined),
  },
  {
    name: 'w_ext_subject_key_identifier_missing_sub_cert',
    level: 'warn',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.2',
    description: 'An end-entity certificate should have a subjectKeyIdentifier.',
    applies: (certificate) => !certificate.isCa,
    check: (certificate) => (extension(certificate, oid.subjectKeyIdentifier) === undefined ? 'end-entity certificate has no subjectKeyIdentifier' : undefined),
  },
  {
    name: 'e_basic_constraints_not_critical',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.9',
    description: 'In a CA certificate, basicConstraints is critical.',
    applies: (certificate) => certificate.isCa,
    check: (certificate) => (notCritical(certificate, oid.basicConstraints) ? 'basicConstraints is not critical' : undefined),
  },
  {
    name: 'e_ca_key_usage_missing',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.3',
    description: 'A CA certificate has a keyUsage extension.',
    applies: (certificate) => certificate.isCa,
    check: (certificate) => (certificate.keyUsage === undefined ? 'CA certificate has no keyUsage' : undefined),
  },
  {
    name: 'e_ca_key_cert_sign_not_set',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §7.1.2.10.7',
    description: 'A CA certificate’s keyUsage asserts keyCertSign.',
    applies: (certificate) => certificate.isCa && certificate.keyUsage !== undefined,
    check: (certificate) => (hasKeyUsage(certificate, x509.KeyUsageFlags.keyCertSign) ? undefined : 'CA certificate keyUsage lacks keyCertSign'),
  },
  {
    name: 'e_ca_key_usage_not_critical',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §7.1.2.10.7',
    description: 'A CA certificate’s keyUsage is critical.',
    applies: (certificate) => certificate.isCa,
    check: (certificate) => (notCritical(certificate, oid.keyUsage) ? 'CA certificate keyUsage is not critical' : undefined),
  },
  {
    name: 'e_sub_cert_key_usage_cert_sign_bit_set',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §7.1.2.7.11',
    description: 'A subscriber (non-CA) certificate does not assert keyCertSign.',
    applies: (certificate) => !certificate.isCa,
    check: (certificate) => (hasKeyUsage(certificate, x509.KeyUsageFlags.keyCertSign) ? 'subscriber certificate asserts keyCertSign' : undefined),
  },
  {
    name: 'e_ext_key_usage_cert_sign_without_ca',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.3',
    description: 'keyCertSign is asserted only with basicConstraints cA TRUE.',
    applies: (certificate) => hasKeyUsage(certificate, x509.KeyUsageFlags.keyCertSign),
    check: (certificate) => (certificate.isCa ? undefined : 'keyCertSign without basicConstraints cA'),
  },
  {
    name: 'e_path_len_constraint_improperly_included',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.9',
    description: 'pathLenConstraint appears only with cA TRUE and keyCertSign asserted.',
    applies: (certificate) => certificate.basicConstraints?.pathLength !== undefined,
    check: (certificate) => {
      if (!certificate.isCa) return 'pathLenConstraint without cA';
      return hasKeyUsage(certificate, x509.KeyUsageFlags.keyCertSign) ? undefined : 'pathLenConstraint without keyCertSign';
    },
  },
  {
    name: 'e_ext_name_constraints_not_critical',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.10',
    description: 'nameConstraints is critical (RFC 5280’s MUST; the BR’s later allowance of non-critical is not taken).',
    applies: () => true,
    check: (certificate) => (notCritical(certificate, oid.nameConstraints) ? 'nameConstraints is not critical' : undefined),
  },
  {
    name: 'e_ext_key_usage_without_bits',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.3',
    description: 'A keyUsage extension asserts at least one bit.',
    applies: (certificate) => certificate.keyUsage !== undefined,
    check: (certificate) => (certificate.keyUsageBits === 0 ? 'keyUsage asserts no bit' : undefined),
  },
  {
    name: 'e_sub_cert_eku_missing',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §7.1.2.7.10',
    description: 'A public-style TLS end-entity certificate has an extKeyUsage extension.',
    applies: (certificate, context) => context.plan.publicTls && !certificate.isCa,
    check: (certificate) => (certificate.extendedKeyUsage === undefined ? 'TLS certificate has no extKeyUsage' : undefined),
  },
  {
    name: 'e_tsa_eku_not_critical_or_extra',
    level: 'error',
    source: 'RFC3161',
    citation: 'RFC 3161 §2.3',
    description: 'A time-stamping certificate’s extKeyUsage is critical and holds timeStamping alone.',
    applies: () => true,
    check: ({ extendedKeyUsage: usage }) => {
      if (!usage?.usages.includes(eku.timeStamping)) return undefined;
      if (!usage.critical) return 'timeStamping extKeyUsage is not critical';
      return usage.usages.length === 1 ? undefined : `extKeyUsage holds ${usage.usages.length} purposes, not timeStamping alone`;
    },
  },
  {
    name: 'e_ocsp_responder_missing_nocheck',
    level: 'error',
    source: 'RFC6960',
    citation: 'RFC 6960 §4.2.2.2.1',
    description: 'A delegated OCSP responder certificate (OCSPSigning) carries id-pkix-ocsp-nocheck.',
    applies: (certificate) => !certificate.isCa && hasExtendedKeyUsage(certificate, eku.ocspSigning),
    check: (certificate) => (extension(certificate, oid.ocspNoCheck) === undefined ? 'OCSP responder certificate has no id-pkix-ocsp-nocheck' : undefined),
  },
];
