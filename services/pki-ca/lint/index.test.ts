import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { Time } from '@peculiar/asn1-x509';
import { ProblemError } from '../../template/errors/index.ts';
import { x509 } from '../../template/tls/x509.ts';
import type { CaKeyAlgorithm, IssuancePlan, LintFinding } from '../contract.ts';
import { resign } from '../testing/lint-certificates.ts';
import { createTestHierarchy, generateKeys, issueTestCertificate } from '../testing/test-ca.ts';
import { assertLintClean, lintCertificate, lintRules } from './index.ts';

const tlsPlan: IssuancePlan = { profile: 'tls-server', subject: 'CN=leaf.test', subjectAltNames: [{ type: 'dns', value: 'leaf.test' }], validityDays: 30, keyUsage: ['digitalSignature'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'], publicTls: true };
const caPlan: IssuancePlan = { profile: 'root-ca', subject: 'CN=Test Root', subjectAltNames: [], validityDays: 3650, keyUsage: ['keyCertSign', 'cRLSign'], extendedKeyUsage: [], ca: { pathLength: 1 }, publicTls: false };
const tsaPlan: IssuancePlan = { ...tlsPlan, profile: 'tsa', extendedKeyUsage: ['1.3.6.1.5.5.7.3.8'], extendedKeyUsageCritical: true, publicTls: false };
const ocspPlan: IssuancePlan = { ...tlsPlan, profile: 'ocsp-responder', extendedKeyUsage: ['1.3.6.1.5.5.7.3.9'], ocspNoCheck: true, publicTls: false };

describe('pki-ca issuance lint', () => {
  describe('the rule table', () => {
    it('names each rule once, zlint style, with its level as the prefix', () => {
      const names = lintRules.map((rule) => rule.name);
      expect(new Set(names).size).to.equal(names.length);
      for (const rule of lintRules) expect(rule.name.startsWith(rule.level === 'error' ? 'e_' : 'w_'), rule.name).to.equal(true);
      expect(names).to.have.length(41);
    });

    it('is the table docs/pki-ca/lint.md shows, row for row', async () => {
      const document = await readFile(new URL('../../../docs/pki-ca/lint.md', import.meta.url), 'utf8');
      const rows = document.split('\n').filter((line) => line.startsWith('| `'));
      expect(rows).to.deep.equal(lintRules.map((rule) => `| \`${rule.name}\` | ${rule.level} | ${rule.source} (${rule.citation}) | ${rule.description} |`));
    });
  });

  for (const algorithm of ['ES256', 'ES384', 'Ed25519', 'RSA-3072'] as const satisfies readonly CaKeyAlgorithm[]) {
    it(`finds nothing in a good root, intermediate, TLS leaf, TSA and OCSP responder (${algorithm})`, async () => {
      const { root, issuing } = await createTestHierarchy(algorithm);
      // createTestHierarchy dates the issuing CA a moment after the root; issuance clamps to the issuer.
      const intermediate = resign(issuing.certificate, root, (tbs) => { tbs.validity.notAfter = new Time(root.certificate.notAfter); });
      const keys = await generateKeys(algorithm);
      const common = [new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey), await x509.AuthorityKeyIdentifierExtension.create(issuing.certificate.publicKey)];
      const tls = await issueTestCertificate(issuing, { keys });
      const tsa = await issueTestCertificate(issuing, { keys, subject: 'CN=Test TSA', extensions: [...common, new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true)] });
      // RFC 6960 §4.2.2.2.1: id-pkix-ocsp-nocheck's value is NULL.
      const ocsp = await issueTestCertificate(issuing, { keys, subject: 'CN=Test OCSP', extensions: [...common, new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.ocspSigning]), new x509.Extension('1.3.6.1.5.5.7.48.1.5', false, new Uint8Array([0x05, 0x00]))] });
      expect(lintCertificate(root.certificate, { issuer: root.certificate, plan: caPlan })).to.deep.equal([]);
      expect(lintCertificate(intermediate, { issuer: root.certificate, plan: { ...caPlan, profile: 'issuing-ca', ca: { pathLength: 0 } } })).to.deep.equal([]);
      expect(lintCertificate(tls.certificate, { issuer: intermediate, plan: tlsPlan })).to.deep.equal([]);
      expect(lintCertificate(tsa.certificate, { issuer: intermediate, plan: tsaPlan })).to.deep.equal([]);
      expect(lintCertificate(ocsp.certificate, { issuer: intermediate, plan: ocspPlan })).to.deep.equal([]);
    });
  }

  describe('assertLintClean', () => {
    const warning: LintFinding = { rule: 'w_ext_subject_key_identifier_missing_sub_cert', level: 'warn', detail: 'end-entity certificate has no subjectKeyIdentifier' };

    it('passes no findings and warnings alone', () => {
      expect(() => { assertLintClean([]); }).not.to.throw();
      expect(() => { assertLintClean([warning]); }).not.to.throw();
    });

    it('refuses with a 400 naming every error rule and no warning', () => {
      const findings: LintFinding[] = [
        { rule: 'e_ext_san_missing', level: 'error', detail: 'TLS certificate has no subjectAltName' },
        warning,
        { rule: 'e_sub_cert_eku_missing', level: 'error', detail: 'TLS certificate has no extKeyUsage' },
      ];
      let thrown: unknown;
      try {
        assertLintClean(findings);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(ProblemError);
      const problem = thrown as ProblemError;
      expect([problem.status, problem.code, problem.title]).to.deep.equal([400, 'bad_request', 'Certificate failed lint']);
      expect(problem.message).to.equal('lint: e_ext_san_missing: TLS certificate has no subjectAltName; e_sub_cert_eku_missing: TLS certificate has no extKeyUsage');
    });
  });
});
