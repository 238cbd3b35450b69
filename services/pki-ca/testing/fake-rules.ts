/**
 * Stand-ins for the profile catalog and the issuance lint, so the service core is tested on its
 * own: a handful of named profiles that turn a CSR into an IssuancePlan, and a lint that finds
 * nothing (or what a test tells it to find).
 */
import { NotFoundError, BadRequestError } from '../../template/errors/index.ts';
import { x509 } from '../../template/tls/x509.ts';
import type { CertificateLint, EnrollmentRequest, IssuancePlan, LintFinding, ProfileCatalog, ProfileSummary, SubjectAltName } from '../contract.ts';
import type { PkiRules } from '../rules.ts';

interface PlanRow {
  readonly plan: Omit<IssuancePlan, 'profile' | 'subject' | 'subjectAltNames' | 'validityDays'>;
  readonly summary: Omit<ProfileSummary, 'name'>;
}

const CA_USAGE = ['keyCertSign', 'cRLSign', 'digitalSignature'] as const;
const ANY = ['ES256', 'ES384', 'RSA-3072', 'RSA-4096', 'Ed25519'];

const PROFILES: Readonly<Record<string, PlanRow>> = {
  'root-ca': { plan: { keyUsage: CA_USAGE, extendedKeyUsage: [], ca: {}, publicTls: false }, summary: { description: 'root CA', kind: 'ca', keyAlgorithms: ANY, defaultValidityDays: 3650, maxValidityDays: 7300 } },
  'intermediate-ca': { plan: { keyUsage: CA_USAGE, extendedKeyUsage: [], ca: { pathLength: 1 }, publicTls: false }, summary: { description: 'intermediate CA', kind: 'ca', keyAlgorithms: ANY, defaultValidityDays: 1825, maxValidityDays: 3650 } },
  'issuing-ca': { plan: { keyUsage: CA_USAGE, extendedKeyUsage: [], ca: { pathLength: 0 }, publicTls: false }, summary: { description: 'issuing CA', kind: 'ca', keyAlgorithms: ANY, defaultValidityDays: 365, maxValidityDays: 3650 } },
  'tls-server': { plan: { keyUsage: ['digitalSignature'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'], publicTls: false }, summary: { description: 'TLS server', kind: 'leaf', keyAlgorithms: ANY, defaultValidityDays: 90, maxValidityDays: 3650 } },
  'ocsp-responder': { plan: { keyUsage: ['digitalSignature'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.9'], ocspNoCheck: true, publicTls: false }, summary: { description: 'OCSP responder', kind: 'leaf', keyAlgorithms: ANY, defaultValidityDays: 30, maxValidityDays: 90 } },
  'timestamp': { plan: { keyUsage: ['digitalSignature', 'nonRepudiation'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.8'], extendedKeyUsageCritical: true, publicTls: false }, summary: { description: 'time-stamping', kind: 'leaf', keyAlgorithms: ANY, defaultValidityDays: 365, maxValidityDays: 3650 } },
};

const SAN_TYPES: Readonly<Record<string, SubjectAltName['type']>> = { dns: 'dns', ip: 'ip', email: 'email', url: 'uri' };

function sansOf(csr: x509.Pkcs10CertificateRequest): SubjectAltName[] {
  const extension = csr.extensions.find((item) => item instanceof x509.SubjectAlternativeNameExtension);
  return (extension?.names.items ?? []).flatMap((name) => {
    const type = SAN_TYPES[name.type];
    return type === undefined ? [] : [{ type, value: name.value }];
  });
}

/** A catalog of six profiles; `plan` copies the CSR's subject and SANs and refuses more than the maximum days. */
export function fakeCatalog(): ProfileCatalog {
  return {
    list: () => Object.entries(PROFILES).map(([name, row]) => ({ name, ...row.summary })),
    get: (name) => {
      const row = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
      return row === undefined ? undefined : { summary: { name, ...row.summary }, document: { name, keyUsage: row.plan.keyUsage } };
    },
    plan: (name: string, request: EnrollmentRequest): Promise<IssuancePlan> => {
      const row = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
      if (row === undefined) return Promise.reject(new NotFoundError(`no profile named ${name}`));
      const validityDays = request.validityDays ?? row.summary.defaultValidityDays;
      if (validityDays > row.summary.maxValidityDays) return Promise.reject(new BadRequestError(`validityDays: at most ${String(row.summary.maxValidityDays)}`));
      return Promise.resolve({ ...row.plan, profile: name, subject: request.csr.subject, subjectAltNames: sansOf(request.csr), validityDays });
    },
  };
}

/** A lint returning `findings` for every certificate (none by default), recording what it saw. */
export function fakeLint(findings: readonly LintFinding[] = []): CertificateLint & { readonly seen: x509.X509Certificate[] } {
  const seen: x509.X509Certificate[] = [];
  const lint = (certificate: x509.X509Certificate): readonly LintFinding[] => {
    seen.push(certificate);
    return findings;
  };
  return Object.assign(lint, { seen });
}

/** The fake catalog and a clean lint, as the service's rules. */
export function fakeRules(): PkiRules {
  return { catalog: fakeCatalog(), lint: fakeLint() };
}
