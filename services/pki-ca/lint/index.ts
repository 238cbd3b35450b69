/**
 * The issuance lint: a table of named rules (zlint's names) run on every certificate pki-ca issues
 * before it is returned; a finding of level `error` refuses issuance.
 */
import { ProblemError } from '../../template/errors/index.ts';
import type { x509 } from '../../template/tls/x509.ts';
import type { CertificateLint, LintFinding } from '../contract.ts';
import { encodingRules } from './rules/encoding.ts';
import { extensionRules } from './rules/extensions.ts';
import { keyRules } from './rules/keys.ts';
import { nameRules } from './rules/names.ts';
import { signatureRules } from './rules/signature.ts';
import { viewCertificate, type CertificateView, type LintContext, type LintRule } from './view.ts';

export type { CertificateView, LintContext, LintRule, LintSource } from './view.ts';

/** Every rule, in the order findings are reported; the docs' table lists the same rows. */
export const lintRules: readonly LintRule[] = [...signatureRules, ...encodingRules, ...nameRules, ...extensionRules, ...keyRules];

/**
 * Views of issuer certificates, kept as long as the certificate object lives: an open CA signer
 * keeps its certificate, so each issuance parses only the new certificate, not its issuer again.
 */
const issuerViews = new WeakMap<x509.X509Certificate, CertificateView>();

function issuerView(issuer: x509.X509Certificate): CertificateView {
  let view = issuerViews.get(issuer);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a cache; parsing the issuer again gives the same view.
  if (view === undefined) {
    view = viewCertificate(issuer);
    // Stryker disable next-line all: a cache; not remembering the view only parses it again.
    issuerViews.set(issuer, view);
  }
  return view;
}

/** Runs every rule that applies to the certificate; the issuer is the certificate that signs it (itself for a root). */
export const lintCertificate: CertificateLint = (certificate, { issuer, plan }) => {
  const view = viewCertificate(certificate);
  const context: LintContext = { issuer: issuerView(issuer), plan };
  const findings: LintFinding[] = [];
  for (const rule of lintRules) {
    if (!rule.applies(view, context)) continue;
    const detail = rule.check(view, context);
    if (detail !== undefined) findings.push({ rule: rule.name, level: rule.level, detail });
  }
  return findings;
};

/** Refuses issuance when any finding is an error: a 400 whose detail names every error rule. */
export function assertLintClean(findings: readonly LintFinding[]): void {
  const errors = findings.filter((finding) => finding.level === 'error');
  if (errors.length === 0) return;
  throw new ProblemError(400, 'bad_request', 'Certificate failed lint', { detail: `lint: ${errors.map((finding) => `${finding.rule}: ${finding.detail}`).join('; ')}` });
}
