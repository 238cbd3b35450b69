/**
 * The shapes the parts of pki-ca agree on: a CA's open signer, the plan a profile makes of an
 * enrollment, and the findings of the issuance lint. Profiles, lint, CRL, OCSP, time-stamps, EST and
 * ACME each depend on these and on nothing else of one another.
 */
// @ts-nocheck

import type { webcrypto } from 'node:crypto';
import type { Pkcs10CertificateRequest, X509Certificate } from '@peculiar/x509';

/** The key algorithms a CA (and a profile) may name. */
export const caKeyAlgorithms = ['ES256', 'ES384', 'RSA-3072', 'RSA-4096', 'Ed25519'] as const;
export type CaKeyAlgorithm = (typeof caKeyAlgorithms)[number];

/** WebCrypto signature parameters, as `crypto.subtle.sign` and `@peculiar/x509` take them. */
export interface SigningParameters {
  readonly name: 'ECDSA' | 'RSASSA-PKCS1-v1_5' | 'Ed25519';
  readonly hash?: 'SHA-256' | 'SHA-384';
}

/** The parameters a key of each algorithm signs certificates, CRLs and responses with. */
const signingParameters: ReadonlyMap<string, SigningParameters> = new Map<CaKeyAlgorithm, SigningParameters>([
  ['ES256', { name: 'ECDSA', hash: 'SHA-256' }],
  ['ES384', { name: 'ECDSA', hash: 'SHA-384' }],
  ['RSA-3072', { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }],
  ['RSA-4096', { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }],
  ['Ed25519', { name: 'Ed25519' }],
]);

/** The signature algorithm of a CA key. */
export function signingAlgorithm(algorithm: CaKeyAlgorithm): SigningParameters {
  const parameters = signingParameters.get(algorithm);
  if (parameters === undefined) throw new RangeError(`unknown CA key algorithm ${algorithm}`);
  return parameters;
}

/** A CA in memory: its certificate and its private key, opened from the barrier. Never logged. */
export interface CaSigner {
  /** The CA's name (`default`, an issuing CA's name, or the root's and intermediate's names). */
  readonly name: string;
  readonly certificate: X509Certificate;
  /** Non-extractable WebCrypto key. */
  readonly privateKey: webcrypto.CryptoKey;
  readonly keyAlgorithm: CaKeyAlgorithm;
  /** The certificates above this CA, nearest first, up to and including the root. */
  readonly chain: readonly X509Certificate[];
}

/** One subject alternative name of a plan. `ip` holds an IPv4 or IPv6 address in text. */
export interface SubjectAltName {
  readonly type: 'dns' | 'ip' | 'email' | 'uri';
  readonly value: string;
}

/** RFC 5280 §4.2.1.3 key usage bits, by their RFC names. */
export type KeyUsageName = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign' | 'encipherOnly' | 'decipherOnly';

/** RFC 5280 §4.2.1.10 name constraints a CA profile puts into the certificate. */
export interface NameConstraintsPlan {
  readonly permittedDns?: readonly string[];
  readonly excludedDns?: readonly string[];
  /** CIDR text, e.g. `10.0.0.0/8`, `fd00::/8`. */
  readonly permittedIp?: readonly string[];
  readonly excludedIp?: readonly string[];
  readonly permittedEmail?: readonly string[];
}

/**
 * What a profile makes of one request once every rule holds: the certificate's content except its
 * serial, validity dates, issuer and the distribution-point and AIA URLs (issuance adds those).
 */
export interface IssuancePlan {
  readonly profile: string;
  /** RFC 4514 text of the subject (`CN=web,O=Example`), or `''` for an empty subject (SAN critical). */
  readonly subject: string;
  readonly subjectAltNames: readonly SubjectAltName[];
  /** Days of validity the profile grants; issuance clamps to the issuer's notAfter and says so. */
  readonly validityDays: number;
  readonly keyUsage: readonly KeyUsageName[];
  /** Extended key usage OIDs (`1.3.6.1.5.5.7.3.1` …), empty for none. */
  readonly extendedKeyUsage: readonly string[];
  /** The EKU extension is critical (RFC 3161 §2.3 requires it for time-stamping). */
  readonly extendedKeyUsageCritical?: boolean;
  /** Present for CA certificates: basicConstraints cA=TRUE, critical. */
  readonly ca?: { readonly pathLength?: number };
  readonly nameConstraints?: NameConstraintsPlan;
  /** The OCSP no-check extension (RFC 6960 §4.2.2.2.1), for delegated responders. */
  readonly ocspNoCheck?: boolean;
  /** Public-style TLS: the lint applies the Baseline Requirements' 398-day limit. */
  readonly publicTls: boolean;
}

/** One finding of the issuance lint; a finding of level `error` refuses issuance. */
export interface LintFinding {
  /** zlint's name of the rule, e.g. `e_subject_empty_without_san`. */
  readonly rule: string;
  readonly level: 'error' | 'warn';
  readonly detail: string;
}

/** What an enrollment asks of a profile: a CSR whose signature is still to be checked. */
export interface EnrollmentRequest {
  readonly csr: Pkcs10CertificateRequest;
  /** Days asked for; the profile's default when absent, refused above its maximum. */
  readonly validityDays?: number;
}

/** A profile as `GET /profiles` lists it. */
export interface ProfileSummary {
  readonly name: string;
  readonly description: string;
  readonly kind: 'ca' | 'leaf';
  readonly keyAlgorithms: readonly string[];
  readonly defaultValidityDays: number;
  readonly maxValidityDays: number;
}

/**
 * The profiles of one pki-ca (built-in YAML plus those of `pki.profilesDir`). `plan` checks every
 * rule of the profile against the request and throws a 400 ProblemError naming the first rule
 * broken (or 404 for an unknown profile).
 */
export interface ProfileCatalog {
  list(): readonly ProfileSummary[];
  /** The summary and the whole profile document (as JSON) for `GET /profiles/{name}`. */
  get(name: string): { readonly summary: ProfileSummary; readonly document: unknown } | undefined;
  plan(name: string, request: EnrollmentRequest): Promise<IssuancePlan>;
}

/** The issuance lint: every finding for one certificate about to be returned. */
export type CertificateLint = (certificate: X509Certificate, context: { readonly issuer: X509Certificate; readonly plan: IssuancePlan }) => readonly LintFinding[];
