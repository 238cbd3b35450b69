/**
 * Rules on the subject and subject alternative names (RFC 5280 §4.1.2.6, §4.2.1.6; BR §7.1.2.7,
 * §7.1.4).
 */
import { eku } from '../../extended-key-usage.ts';
import { hasExtendedKeyUsage, type CertificateView, type LintRule } from '../view.ts';

/** RFC 1034 §3.1: a name is at most 253 characters of text; a label 1 to 63. */
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** BR §7.1.4.2: letters, digits and hyphens only (LDH); a wildcard only as the whole first label. */
const LDH = /^[a-z0-9-]*$/i;

function dnsNames(certificate: CertificateView): readonly string[] {
  return certificate.subjectAltName?.names.items.filter((name) => name.type === 'dns').map((name) => name.value) ?? [];
}

/** The labels of a DNS name, its `*` wildcard label left out. */
function labels(name: string): readonly string[] {
  return (name.startsWith('*.') ? name.slice(2) : name).split('.');
}

function syntaxProblem(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  for (const label of labels(name)) {
    if (label.length === 0) return 'has an empty label';
    if (label.length > MAX_LABEL_LENGTH) return `has a label longer than ${MAX_LABEL_LENGTH} characters`;
    if (label.startsWith('-') || label.endsWith('-')) return `has label "${label}" starting or ending with a hyphen`;
  }
  return undefined;
}

/** The rules on names, in table order. */
export const nameRules: readonly LintRule[] = [
  {
    name: 'e_ext_san_missing',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §7.1.2.7.12',
    description: 'A TLS server or client end-entity certificate has a subjectAltName extension.',
    applies: (certificate) => !certificate.isCa && (hasExtendedKeyUsage(certificate, eku.serverAuth) || hasExtendedKeyUsage(certificate, eku.clientAuth)),
    check: (certificate) => (certificate.subjectAltName === undefined ? 'TLS certificate has no subjectAltName' : undefined),
  },
  {
    name: 'e_subject_empty_without_san',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.6',
    description: 'A certificate with an empty subject has a subjectAltName extension.',
    applies: (certificate) => certificate.subjectEmpty,
    check: (certificate) => (certificate.subjectAltName === undefined ? 'subject is empty and there is no subjectAltName' : undefined),
  },
  {
    name: 'e_ext_san_not_critical_without_subject',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.6',
    description: 'With an empty subject, the subjectAltName extension is critical.',
    applies: (certificate) => certificate.subjectEmpty,
    check: (certificate) => (certificate.subjectAltName?.critical === false ? 'subject is empty and subjectAltName is not critical' : undefined),
  },
  {
    name: 'e_ext_san_empty_name',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.6',
    description: 'The subjectAltName extension holds at least one name.',
    applies: () => true,
    check: (certificate) => (certificate.subjectAltName?.names.items.length === 0 ? 'subjectAltName holds no name' : undefined),
  },
  {
    name: 'e_ext_san_dns_syntax_incorrect',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2.1.6; RFC 1034 §3.5',
    description: 'Each dNSName has the preferred name syntax: labels of 1 to 63 characters, not starting or ending with a hyphen, 253 characters at most.',
    applies: () => true,
    check: (certificate) => {
      const wrong = dnsNames(certificate).flatMap((name) => {
        const problem = syntaxProblem(name);
        return problem === undefined ? [] : [`dNSName "${name}" ${problem}`];
      });
      return wrong.length === 0 ? undefined : wrong.join(', ');
    },
  },
  {
    name: 'e_dnsname_bad_character_in_label',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §7.1.4.2',
    description: 'Each dNSName label is letters, digits and hyphens (a leading `*` label aside).',
    applies: () => true,
    check: (certificate) => {
      const wrong = dnsNames(certificate).filter((name) => !labels(name).every((label) => LDH.test(label)));
      return wrong.length === 0 ? undefined : wrong.map((name) => `dNSName "${name}" has a character other than a letter, digit or hyphen`).join(', ');
    },
  },
  {
    name: 'e_subject_common_name_not_from_san',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §7.1.4.3',
    description: 'In a public-style TLS certificate, each subject commonName is one of the subjectAltName DNS names or IP addresses.',
    applies: (certificate, context) => context.plan.publicTls && !certificate.isCa,
    check: (certificate) => {
      const names = new Set(certificate.subjectAltName?.names.items.filter((name) => name.type === 'dns' || name.type === 'ip').map((name) => name.value.toLowerCase()));
      const wrong = certificate.certificate.subjectName.getField('CN').filter((commonName) => !names.has(commonName.toLowerCase()));
      return wrong.length === 0 ? undefined : wrong.map((commonName) => `commonName "${commonName}" is not in subjectAltName`).join(', ');
    },
  },
  {
    name: 'e_ca_subject_field_empty',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.6',
    description: 'A CA certificate has a non-empty subject.',
    applies: (certificate) => certificate.isCa,
    check: (certificate) => (certificate.subjectEmpty ? 'CA certificate subject is empty' : undefined),
  },
];
