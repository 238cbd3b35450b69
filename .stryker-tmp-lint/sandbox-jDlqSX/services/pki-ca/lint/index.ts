/**
 * The issuance lint: a table of named rules (zlint's names) run on every certificate pki-ca issues
 * before it is returned; a finding of level `error` refuses issuance.
 */
// @ts-nocheck
function stryNS_9fa48() {
  var g = typeof globalThis === 'object' && globalThis && globalThis.Math === Math && globalThis || new Function("return this")();
  var ns = g.__stryker__ || (g.__stryker__ = {});
  if (ns.activeMutant === undefined && g.process && g.process.env && g.process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.activeMutant = g.process.env.__STRYKER_ACTIVE_MUTANT__;
  }
  function retrieveNS() {
    return ns;
  }
  stryNS_9fa48 = retrieveNS;
  return retrieveNS();
}
stryNS_9fa48();
function stryCov_9fa48() {
  var ns = stryNS_9fa48();
  var cov = ns.mutantCoverage || (ns.mutantCoverage = {
    static: {},
    perTest: {}
  });
  function cover() {
    var c = cov.static;
    if (ns.currentTestId) {
      c = cov.perTest[ns.currentTestId] = cov.perTest[ns.currentTestId] || {};
    }
    var a = arguments;
    for (var i = 0; i < a.length; i++) {
      c[a[i]] = (c[a[i]] || 0) + 1;
    }
  }
  stryCov_9fa48 = cover;
  cover.apply(null, arguments);
}
function stryMutAct_9fa48(id) {
  var ns = stryNS_9fa48();
  function isActive(id) {
    if (ns.activeMutant === id) {
      if (ns.hitCount !== void 0 && ++ns.hitCount > ns.hitLimit) {
        throw new Error('Stryker: Hit count limit reached (' + ns.hitCount + ')');
      }
      return true;
    }
    return false;
  }
  stryMutAct_9fa48 = isActive;
  return isActive(id);
}
import { ProblemError } from '../../template/errors/index.ts';
import type { CertificateLint, LintFinding } from '../contract.ts';
import { encodingRules } from './rules/encoding.ts';
import { extensionRules } from './rules/extensions.ts';
import { keyRules } from './rules/keys.ts';
import { nameRules } from './rules/names.ts';
import { signatureRules } from './rules/signature.ts';
import { viewCertificate, type LintContext, type LintRule } from './view.ts';
export type { CertificateView, LintContext, LintRule, LintSource } from './view.ts';

/** Every rule, in the order findings are reported; the docs' table lists the same rows. */
export const lintRules: readonly LintRule[] = stryMutAct_9fa48("53") ? [] : (stryCov_9fa48("53"), [...signatureRules, ...encodingRules, ...nameRules, ...extensionRules, ...keyRules]);

/** Runs every rule that applies to the certificate; the issuer is the certificate that signs it (itself for a root). */
export const lintCertificate: CertificateLint = (certificate, {
  issuer,
  plan
}) => {
  if (stryMutAct_9fa48("54")) {
    {}
  } else {
    stryCov_9fa48("54");
    const view = viewCertificate(certificate);
    const context: LintContext = stryMutAct_9fa48("55") ? {} : (stryCov_9fa48("55"), {
      issuer: viewCertificate(issuer),
      plan
    });
    const findings: LintFinding[] = stryMutAct_9fa48("56") ? ["Stryker was here"] : (stryCov_9fa48("56"), []);
    for (const rule of lintRules) {
      if (stryMutAct_9fa48("57")) {
        {}
      } else {
        stryCov_9fa48("57");
        if (stryMutAct_9fa48("60") ? false : stryMutAct_9fa48("59") ? true : stryMutAct_9fa48("58") ? rule.applies(view, context) : (stryCov_9fa48("58", "59", "60"), !rule.applies(view, context))) continue;
        const detail = rule.check(view, context);
        if (stryMutAct_9fa48("63") ? detail === undefined : stryMutAct_9fa48("62") ? false : stryMutAct_9fa48("61") ? true : (stryCov_9fa48("61", "62", "63"), detail !== undefined)) findings.push(stryMutAct_9fa48("65") ? {} : (stryCov_9fa48("65"), {
          rule: rule.name,
          level: rule.level,
          detail
        }));
      }
    }
    return findings;
  }
};

/** Refuses issuance when any finding is an error: a 400 whose detail names every error rule. */
export function assertLintClean(findings: readonly LintFinding[]): void {
  if (stryMutAct_9fa48("66")) {
    {}
  } else {
    stryCov_9fa48("66");
    const errors = stryMutAct_9fa48("67") ? findings : (stryCov_9fa48("67"), findings.filter(stryMutAct_9fa48("68") ? () => undefined : (stryCov_9fa48("68"), finding => stryMutAct_9fa48("71") ? finding.level !== 'error' : stryMutAct_9fa48("70") ? false : stryMutAct_9fa48("69") ? true : (stryCov_9fa48("69", "70", "71"), finding.level === (stryMutAct_9fa48("72") ? "" : (stryCov_9fa48("72"), 'error'))))));
    if (stryMutAct_9fa48("75") ? errors.length !== 0 : stryMutAct_9fa48("74") ? false : stryMutAct_9fa48("73") ? true : (stryCov_9fa48("73", "74", "75"), errors.length === 0)) return;
    throw new ProblemError(400, stryMutAct_9fa48("77") ? "" : (stryCov_9fa48("77"), 'bad_request'), stryMutAct_9fa48("78") ? "" : (stryCov_9fa48("78"), 'Certificate failed lint'), stryMutAct_9fa48("79") ? {} : (stryCov_9fa48("79"), {
      detail: stryMutAct_9fa48("80") ? `` : (stryCov_9fa48("80"), `lint: ${errors.map(stryMutAct_9fa48("81") ? () => undefined : (stryCov_9fa48("81"), finding => stryMutAct_9fa48("82") ? `` : (stryCov_9fa48("82"), `${finding.rule}: ${finding.detail}`))).join(stryMutAct_9fa48("83") ? "" : (stryCov_9fa48("83"), '; '))}`)
    }));
  }
}