import { expect } from 'chai';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, SubjectPublicKeyInfo, Time, Version } from '@peculiar/asn1-x509';
import { x509 } from '../../template/tls/x509.ts';
import type { CaSigner, IssuancePlan, LintFinding } from '../contract.ts';
import { derElement, resign, signTbs } from '../testing/lint-certificates.ts';
import { createTestHierarchy, generateKeys, issueTestCertificate, testSerial, type TestHierarchy } from '../testing/test-ca.ts';
import { lintCertificate, lintRules } from './index.ts';
import { viewCertificate } from './view.ts';

const DAY_MS = 86_400_000;
const leafPlan: IssuancePlan = { profile: 'tls-server', subject: 'CN=leaf.test', subjectAltNames: [{ type: 'dns', value: 'leaf.test' }], validityDays: 30, keyUsage: ['digitalSignature'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'], publicTls: true };
const privatePlan: IssuancePlan = { ...leafPlan, profile: 'private', publicTls: false };
const caPlan: IssuancePlan = { ...privatePlan, profile: 'issuing-ca', ca: { pathLength: 0 } };

/** The rule names of the findings, sorted, after checking each finding's level against the table and that it has a detail. */
function ruleNames(findings: readonly LintFinding[]): readonly string[] {
  for (const finding of findings) {
    expect(finding.level, finding.rule).to.equal(lintRules.find((rule) => rule.name === finding.rule)?.level);
    expect(finding.detail, finding.rule).to.match(/^[a-zA-Z].{10,}/);
  }
  return findings.map((finding) => finding.rule).sort();
}

describe('pki-ca issuance lint rules', () => {
  let hierarchy: TestHierarchy;
  let issuing: CaSigner;
  let leafKeys: webcrypto.CryptoKeyPair;

  before(async () => {
    hierarchy = await createTestHierarchy('ES256');
    issuing = hierarchy.issuing;
    leafKeys = await generateKeys('ES256');
  });

  /** The default leaf's extensions with some replaced (by OID) or removed. */
  async function leafExtensions(changes: { readonly drop?: readonly string[]; readonly add?: readonly x509.Extension[] } = {}): Promise<x509.Extension[]> {
    const base = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'leaf.test' }]),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuing.certificate.publicKey),
    ];
    const replaced = new Set([...(changes.drop ?? []), ...(changes.add ?? []).map((extension) => extension.type)]);
    return [...base.filter((extension) => !replaced.has(extension.type)), ...(changes.add ?? [])];
  }

  /** A CA certificate under the root with the usual extensions, some replaced or removed. */
  async function caCertificate(changes: { readonly drop?: readonly string[]; readonly add?: readonly x509.Extension[]; readonly subject?: string; readonly notAfter?: Date } = {}): Promise<x509.X509Certificate> {
    const keys = await generateKeys('ES256');
    const base = [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(hierarchy.root.certificate.publicKey),
    ];
    const replaced = new Set([...(changes.drop ?? []), ...(changes.add ?? []).map((extension) => extension.type)]);
    const extensions = [...base.filter((extension) => !replaced.has(extension.type)), ...(changes.add ?? [])];
    return (await issueTestCertificate(hierarchy.root, { keys, subject: changes.subject ?? 'CN=Sub CA', extensions, notAfter: changes.notAfter })).certificate;
  }

  async function leaf(options: Parameters<typeof issueTestCertificate>[1] = {}): Promise<x509.X509Certificate> {
    return (await issueTestCertificate(issuing, { keys: leafKeys, ...options, extensions: options.extensions ?? await leafExtensions() })).certificate;
  }

  function lintLeaf(certificate: x509.X509Certificate, plan: IssuancePlan = leafPlan): readonly string[] {
    return ruleNames(lintCertificate(certificate, { issuer: issuing.certificate, plan }));
  }

  function lintCa(certificate: x509.X509Certificate): readonly string[] {
    return ruleNames(lintCertificate(certificate, { issuer: hierarchy.root.certificate, plan: caPlan }));
  }

  describe('RFC 5280 §4.1 encoding', () => {
    it('e_cert_extensions_version_not_3: a v2 certificate with extensions', async () => {
      const certificate = resign(await leaf(), issuing, (tbs) => { tbs.version = Version.v2; });
      expect(lintLeaf(certificate)).to.deep.equal(['e_cert_extensions_version_not_3']);
      expect(lintCertificate(certificate, { issuer: issuing.certificate, plan: leafPlan })[0]?.detail).to.equal('version 2 with extensions');
    });

    it('e_serial_number_not_positive: a negative serial, and a zero serial', async () => {
      const negative = resign(await leaf(), issuing, (tbs) => { tbs.serialNumber = new Uint8Array([0x80, 1, 2, 3, 4, 5, 6, 7]).buffer; });
      expect(lintLeaf(negative)).to.deep.equal(['e_serial_number_not_positive']);
      const zero = resign(await leaf(), issuing, (tbs) => { tbs.serialNumber = new Uint8Array(8).buffer; });
      expect(lintCertificate(zero, { issuer: issuing.certificate, plan: leafPlan }).map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal([
        'e_serial_number_not_positive: serial number is zero',
        'e_serial_number_low_entropy: serial number has 1 octets, fewer than 8',
      ]);
      const highBit = resign(await leaf(), issuing, (tbs) => { tbs.serialNumber = new Uint8Array([0x7f, 0, 0, 0, 0, 0, 0, 1]).buffer; });
      expect(lintLeaf(highBit)).to.deep.equal([]);
    });

    it('e_serial_number_longer_than_20_octets: 21 octets fail, 20 pass', async () => {
      expect(lintLeaf(await leaf({ serial: `41${'00'.repeat(20)}` }))).to.deep.equal(['e_serial_number_longer_than_20_octets']);
      expect(lintLeaf(await leaf({ serial: `41${'00'.repeat(19)}` }))).to.deep.equal([]);
    });

    it('e_serial_number_low_entropy: 7 octets fail, 8 pass, a sign octet does not count', async () => {
      expect(lintLeaf(await leaf({ serial: '41000000000001' }))).to.deep.equal(['e_serial_number_low_entropy']);
      expect(lintLeaf(await leaf({ serial: '4100000000000001' }))).to.deep.equal([]);
      // 0x00 then seven octets: the sign octet is not entropy.
      expect(lintLeaf(await leaf({ serial: '00ff000000000001' }))).to.deep.equal(['e_serial_number_low_entropy']);
      expect(lintLeaf(await leaf({ serial: 'ff00000000000001' }))).to.deep.equal([]);
    });

    it('e_validity_time_not_positive: notAfter one second before notBefore fails, equal passes', async () => {
      const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
      expect(lintLeaf(await leaf({ notBefore, notAfter: new Date(notBefore.getTime() - 1000) }))).to.deep.equal(['e_validity_time_not_positive']);
      expect(lintLeaf(await leaf({ notBefore, notAfter: notBefore }))).to.deep.equal([]);
    });

    it('e_utc_time_not_in_zulu: a UTCTime with an offset', async () => {
      const certificate = await leaf();
      const tbs = asn1js.fromBER(viewCertificate(certificate).tbsDer).result;
      if (!(tbs instanceof asn1js.Sequence)) throw new TypeError('TBSCertificate is not a SEQUENCE');
      const validity = tbs.valueBlock.value[4] as asn1js.Sequence;
      const offsetForm = (index: number): string => {
        const time = validity.valueBlock.value[index] as asn1js.UTCTime;
        const text = Buffer.from(time.valueBlock.valueHexView).toString('latin1').replace('Z', '+0000');
        validity.valueBlock.value[index] = new asn1js.Primitive({ idBlock: { tagClass: 1, tagNumber: 23 }, valueHex: Buffer.from(text) });
        return text;
      };
      const text = offsetForm(0);
      const edited = signTbs(new Uint8Array(tbs.toBER()), issuing, certificate);
      // asn1js reads the offset form as a date in 1899, so the plan is private (no 398-day limit).
      const findings = lintCertificate(edited, { issuer: issuing.certificate, plan: privatePlan });
      expect(ruleNames(findings)).to.deep.equal(['e_utc_time_not_in_zulu']);
      expect(findings[0]?.detail).to.equal(`notBefore UTCTime ${text} is not in Zulu time`);
      const afterText = offsetForm(1);
      const both = lintCertificate(signTbs(new Uint8Array(tbs.toBER()), issuing, certificate), { issuer: issuing.certificate, plan: privatePlan });
      expect(both.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal([`e_utc_time_not_in_zulu: notBefore UTCTime ${text} is not in Zulu time, notAfter UTCTime ${afterText} is not in Zulu time`]);
    });

    it('e_utc_time_not_in_zulu: a GeneralizedTime without Z is not its concern', () => {
      const { root } = hierarchy;
      const tbs = asn1js.fromBER(viewCertificate(root.certificate).tbsDer).result;
      if (!(tbs instanceof asn1js.Sequence)) throw new TypeError('TBSCertificate is not a SEQUENCE');
      const validity = tbs.valueBlock.value[4] as asn1js.Sequence;
      validity.valueBlock.value[1] = new asn1js.Primitive({ idBlock: { tagClass: 1, tagNumber: 24 }, valueHex: Buffer.from('20500101000000') });
      const edited = signTbs(new Uint8Array(tbs.toBER()), root, root.certificate);
      expect(viewCertificate(edited).notAfter).to.deep.equal({ type: 'GeneralizedTime', text: '20500101000000' });
      expect(ruleNames(lintCertificate(edited, { issuer: edited, plan: caPlan }))).to.deep.equal([]);
    });

    it('e_wrong_time_format_pre2050: GeneralizedTime for 2049 fails, for 2050 passes', async () => {
      const certificate = resign(await leaf(), issuing, (tbs) => { tbs.validity.notAfter = new Time({ generalTime: new Date('2030-01-01T00:00:00Z') }); });
      const findings = lintCertificate(certificate, { issuer: issuing.certificate, plan: privatePlan });
      expect(ruleNames(findings)).to.deep.equal(['e_wrong_time_format_pre2050']);
      expect(findings[0]?.detail).to.equal('notAfter GeneralizedTime 20300101000000Z is before 2050');
      const both = resign(certificate, issuing, (tbs) => { tbs.validity.notBefore = new Time({ generalTime: new Date('2020-01-01T00:00:00Z') }); });
      expect(lintCertificate(both, { issuer: issuing.certificate, plan: privatePlan }).map((finding) => finding.detail)).to.deep.equal(['notBefore GeneralizedTime 20200101000000Z is before 2050, notAfter GeneralizedTime 20300101000000Z is before 2050']);
      const keys = await generateKeys('ES256');
      const rootOf = async (notAfter: string): Promise<x509.X509Certificate> => {
        const root = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: testSerial(), name: 'CN=Long Root', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(notAfter), keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)] });
        return root;
      };
      const from2050 = await rootOf('2050-01-01T00:00:00Z');
      expect(ruleNames(lintCertificate(from2050, { issuer: from2050, plan: caPlan }))).to.deep.equal([]);
      const signer: CaSigner = { name: 'long', certificate: from2050, privateKey: keys.privateKey, keyAlgorithm: 'ES256', chain: [] };
      const late2049 = resign(from2050, signer, (tbs) => { tbs.validity.notAfter = new Time({ generalTime: new Date('2049-12-31T23:59:59Z') }); });
      expect(ruleNames(lintCertificate(late2049, { issuer: late2049, plan: caPlan }))).to.deep.equal(['e_wrong_time_format_pre2050']);
    });

    it('e_tls_server_cert_valid_time_longer_than_398_days: 398 days pass, one second more fails, private TLS is exempt', async () => {
      const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
      expect(lintLeaf(await leaf({ notBefore, notAfter: new Date(notBefore.getTime() + 398 * DAY_MS) }))).to.deep.equal([]);
      const longer = await leaf({ notBefore, notAfter: new Date(notBefore.getTime() + 398 * DAY_MS + 1000) });
      expect(lintLeaf(longer)).to.deep.equal(['e_tls_server_cert_valid_time_longer_than_398_days']);
      expect(lintCertificate(longer, { issuer: issuing.certificate, plan: leafPlan })[0]?.detail).to.equal('validity is 398.00 days, more than 398');
      expect(lintLeaf(longer, privatePlan)).to.deep.equal([]);
      expect(lintLeaf(await leaf({ notBefore, notAfter: new Date(notBefore.getTime() + 399 * DAY_MS) }))).to.deep.equal(['e_tls_server_cert_valid_time_longer_than_398_days']);
    });

    it('e_sub_cert_valid_time_longer_than_issuer: one second past the issuer fails, equal passes', async () => {
      const issuerEnd = issuing.certificate.notAfter.getTime();
      expect(lintLeaf(await leaf({ notAfter: new Date(issuerEnd + 1000) }), privatePlan)).to.deep.equal(['e_sub_cert_valid_time_longer_than_issuer']);
      expect(lintLeaf(await leaf({ notAfter: new Date(issuerEnd) }), privatePlan)).to.deep.equal([]);
    });

    it('e_ext_duplicate_extension: two subjectAltName extensions', async () => {
      const certificate = await leaf({ extensions: [...await leafExtensions(), new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'leaf.test' }])] });
      const findings = lintCertificate(certificate, { issuer: issuing.certificate, plan: leafPlan });
      expect(ruleNames(findings)).to.deep.equal(['e_ext_duplicate_extension']);
      expect(findings[0]?.detail).to.equal('extensions repeated: 2.5.29.17');
    });

    it('e_ext_duplicate_extension: names each repeated extension once, in order', async () => {
      const san = new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'leaf.test' }]);
      const certificate = await leaf({ extensions: [...await leafExtensions(), san, new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]), san] });
      const findings = lintCertificate(certificate, { issuer: issuing.certificate, plan: leafPlan });
      expect(findings.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal(['e_ext_duplicate_extension: extensions repeated: 2.5.29.17, 2.5.29.37']);
    });

    it('e_cert_extensions_version_not_3: a v1 certificate without extensions is not concerned', async () => {
      const v1 = resign(await leaf(), issuing, (tbs) => {
        tbs.version = Version.v1;
        delete tbs.extensions;
      });
      expect(lintLeaf(v1, privatePlan)).to.deep.equal(['e_ext_authority_key_identifier_missing', 'w_ext_subject_key_identifier_missing_sub_cert']);
    });

    it('UTCTime before 2020 is not taken for a GeneralizedTime year', async () => {
      expect(lintLeaf(await leaf({ notBefore: new Date('2019-06-01T00:00:00Z') }), privatePlan)).to.deep.equal([]);
    });

    it('e_issuer_field_empty: an issuer with an empty subject', async () => {
      const keys = await generateKeys('ES256');
      const emptyCa = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: testSerial(), name: '', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 365 * DAY_MS), keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true), new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'ca.test' }], true), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)] });
      const signer: CaSigner = { name: 'empty', certificate: emptyCa, privateKey: keys.privateKey, keyAlgorithm: 'ES256', chain: [] };
      const certificate = (await issueTestCertificate(signer, { keys: leafKeys })).certificate;
      expect(ruleNames(lintCertificate(certificate, { issuer: emptyCa, plan: leafPlan }))).to.deep.equal(['e_issuer_field_empty']);
    });
  });

  describe('RFC 5280 §4.1.1.3 signature and issuer', () => {
    it('e_signature_invalid: signed by another key under the issuer name', async () => {
      const other = await createTestHierarchy('ES256');
      const certificate = (await issueTestCertificate({ ...issuing, privateKey: other.issuing.privateKey }, { keys: leafKeys, extensions: await leafExtensions() })).certificate;
      const findings = lintCertificate(certificate, { issuer: issuing.certificate, plan: leafPlan });
      expect(ruleNames(findings)).to.deep.equal(['e_signature_invalid']);
      expect(findings[0]?.detail).to.equal('signature does not verify under the issuer key');
    });

    it('e_signature_invalid: an issuer key of another type than the signature', async () => {
      const ed = await createTestHierarchy('Ed25519');
      const certificate = (await issueTestCertificate({ ...ed.issuing, certificate: issuing.certificate }, { keys: leafKeys, extensions: await leafExtensions() })).certificate;
      expect(lintLeaf(certificate)).to.deep.equal(['e_signature_invalid']);
    });

    it('e_signature_invalid: an ECDSA signature checked against an Ed25519 issuer key', async () => {
      const ed = await createTestHierarchy('Ed25519');
      const extensions = await leafExtensions({ add: [await x509.AuthorityKeyIdentifierExtension.create(ed.issuing.certificate.publicKey)] });
      const certificate = (await issueTestCertificate({ ...issuing, certificate: ed.issuing.certificate }, { keys: leafKeys, extensions })).certificate;
      const findings = lintCertificate(certificate, { issuer: ed.issuing.certificate, plan: leafPlan });
      expect(findings.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal(['e_signature_invalid: signature does not verify under the issuer key']);
    });

    it('e_signature_invalid: an algorithm the lint does not know', async () => {
      const pss = '1.2.840.113549.1.1.10';
      const certificate = resign(await leaf(), issuing, (tbs) => { tbs.signature = new AlgorithmIdentifier({ algorithm: pss }); });
      const tbsDer = viewCertificate(certificate).tbsDer;
      const renamed = new x509.X509Certificate(derElement(0x30, tbsDer, new Uint8Array(AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: pss }))), derElement(0x03, new Uint8Array([0]), new Uint8Array(AsnConvert.parse(certificate.rawData, Certificate).signatureValue))));
      const findings = lintCertificate(renamed, { issuer: issuing.certificate, plan: leafPlan });
      expect(findings.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal([`e_signature_invalid: signature algorithm ${pss} is not supported`]);
    });

    it('e_signature_invalid: an issuer key Node cannot read; the view leaves the key undefined', async () => {
      const strange = resign(issuing.certificate, hierarchy.root, (tbs) => {
        tbs.validity.notAfter = new Time(hierarchy.root.certificate.notAfter);
        tbs.subjectPublicKeyInfo = new SubjectPublicKeyInfo({ algorithm: new AlgorithmIdentifier({ algorithm: '1.2.3.4' }), subjectPublicKey: new Uint8Array([1, 2, 3]).buffer }); });
      const findings = lintCertificate(await leaf(), { issuer: strange, plan: leafPlan });
      expect(findings.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal(['e_signature_invalid: issuer public key cannot be read']);
      expect(ruleNames(lintCertificate(strange, { issuer: hierarchy.root.certificate, plan: caPlan }))).to.deep.equal([]);
    });

    it('verifies each signature algorithm the table names (ECDSA and RSA with SHA-384 and SHA-512)', async () => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      // WebCrypto binds an RSA key to one hash: the same key, imported once per hash.
      const rsa = async (hash: string): Promise<webcrypto.CryptoKeyPair> => ({
        privateKey: await webcrypto.subtle.importKey('pkcs8', pair.privateKey.export({ format: 'der', type: 'pkcs8' }), { name: 'RSASSA-PKCS1-v1_5', hash }, true, ['sign']),
        publicKey: await webcrypto.subtle.importKey('spki', pair.publicKey.export({ format: 'der', type: 'spki' }), { name: 'RSASSA-PKCS1-v1_5', hash }, true, ['verify']),
      });
      const cases = [
        [leafKeys, { name: 'ECDSA', hash: 'SHA-512' }, '1.2.840.10045.4.3.4'],
        [await rsa('SHA-384'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }, '1.2.840.113549.1.1.12'],
        [await rsa('SHA-512'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }, '1.2.840.113549.1.1.13'],
      ] as const;
      for (const [keys, signingAlgorithm, oid] of cases) {
        const root = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: testSerial(), name: 'CN=Hash Root', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + DAY_MS), keys, signingAlgorithm, extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)] });
        expect(AsnConvert.parse(root.rawData, Certificate).signatureAlgorithm.algorithm).to.equal(oid);
        expect(ruleNames(lintCertificate(root, { issuer: root, plan: caPlan })), oid).to.deep.equal([]);
      }
    });

    it('e_cert_sig_alg_not_match_tbs_sig_alg: the TBS names another algorithm than the certificate', async () => {
      const certificate = resign(await leaf(), issuing, (tbs) => { tbs.signature = new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.3' }); });
      expect(lintLeaf(certificate)).to.deep.equal(['e_cert_sig_alg_not_match_tbs_sig_alg']);
    });

    it('e_issuer_dn_mismatch: the issuer field names another CA', async () => {
      const certificate = (await issueTestCertificate({ ...issuing, certificate: hierarchy.root.certificate }, { keys: leafKeys, extensions: await leafExtensions() })).certificate;
      const findings = lintCertificate(certificate, { issuer: issuing.certificate, plan: leafPlan });
      expect(ruleNames(findings)).to.deep.equal(['e_issuer_dn_mismatch']);
      expect(findings[0]?.detail).to.equal('issuer "CN=Test Root ES256" is not the issuer certificate\'s subject "CN=Test Issuing ES256"');
    });
  });

  describe('names RFC 5280 §4.2.1.6, BR §7.1.4', () => {
    const san = '2.5.29.17';

    it('e_ext_san_missing: a TLS server certificate without subjectAltName', async () => {
      expect(lintLeaf(await leaf({ extensions: await leafExtensions({ drop: [san] }) }), privatePlan)).to.deep.equal(['e_ext_san_missing']);
      const client = await leaf({ extensions: await leafExtensions({ drop: [san], add: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])] }) });
      expect(lintLeaf(client, privatePlan)).to.deep.equal(['e_ext_san_missing']);
      const email = await leaf({ extensions: await leafExtensions({ drop: [san], add: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.emailProtection])] }) });
      expect(lintLeaf(email, privatePlan)).to.deep.equal([]);
    });

    it('e_subject_empty_without_san: an empty subject and no subjectAltName', async () => {
      const certificate = await leaf({ subject: '', extensions: await leafExtensions({ drop: [san], add: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.emailProtection])] }) });
      expect(lintLeaf(certificate, privatePlan)).to.deep.equal(['e_subject_empty_without_san']);
    });

    it('e_ext_san_not_critical_without_subject: an empty subject with a non-critical subjectAltName; critical passes', async () => {
      expect(lintLeaf(await leaf({ subject: '' }))).to.deep.equal(['e_ext_san_not_critical_without_subject']);
      const critical = await leaf({ subject: '', extensions: await leafExtensions({ add: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'leaf.test' }], true)] }) });
      expect(lintLeaf(critical)).to.deep.equal([]);
    });

    it('e_ext_san_empty_name: a subjectAltName without a name', async () => {
      const certificate = await leaf({ extensions: await leafExtensions({ add: [new x509.SubjectAlternativeNameExtension([])] }) });
      expect(lintLeaf(certificate, privatePlan)).to.deep.equal(['e_ext_san_empty_name']);
    });

    const dnsCases: readonly (readonly [string, readonly string[]])[] = [
      ['-bad.test', ['e_ext_san_dns_syntax_incorrect']],
      ['bad-.test', ['e_ext_san_dns_syntax_incorrect']],
      ['a..test', ['e_ext_san_dns_syntax_incorrect']],
      [`${'a'.repeat(64)}.test`, ['e_ext_san_dns_syntax_incorrect']],
      [`${'a'.repeat(63)}.test`, []],
      [`${'a.'.repeat(125)}abcd`, ['e_ext_san_dns_syntax_incorrect']],
      [`${'a.'.repeat(125)}abc`, []],
      ['under_score.test', ['e_dnsname_bad_character_in_label']],
      ['*.wild.test', []],
      ['a.*.test', ['e_dnsname_bad_character_in_label']],
      ['Mixed-Case9.test', []],
    ];
    for (const [name, expected] of dnsCases) {
      it(`dNSName "${name.length > 40 ? `${name.slice(0, 20)}…(${name.length})` : name}" yields [${expected.join(', ')}]`, async () => {
        const certificate = await leaf({ subject: 'CN=x', extensions: await leafExtensions({ add: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }])] }) });
        expect(lintLeaf(certificate, privatePlan)).to.deep.equal(expected);
      });
    }

    it('names each bad dNSName in the detail', async () => {
      const longLabel = `${'a'.repeat(64)}.test`;
      const longName = `${'a.'.repeat(125)}abcd`;
      const certificate = await leaf({ extensions: await leafExtensions({ add: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: '-a.test' }, { type: 'dns', value: 'b_.test' }, { type: 'dns', value: 'ok.test' }, { type: 'dns', value: 'c_.test' }, { type: 'dns', value: 'd..test' }, { type: 'dns', value: longLabel }, { type: 'dns', value: longName }])] }) });
      const findings = lintCertificate(certificate, { issuer: issuing.certificate, plan: privatePlan });
      expect(findings.map((finding) => finding.detail)).to.deep.equal([
        `dNSName "-a.test" has label "-a" starting or ending with a hyphen, dNSName "d..test" has an empty label, dNSName "${longLabel}" has a label longer than 63 characters, dNSName "${longName}" is longer than 253 characters`,
        'dNSName "b_.test" has a character other than a letter, digit or hyphen, dNSName "c_.test" has a character other than a letter, digit or hyphen',
      ]);
    });

    it('e_subject_common_name_not_from_san: a public TLS commonName absent from subjectAltName', async () => {
      const certificate = await leaf({ subject: 'CN=other.test' });
      const findings = lintCertificate(certificate, { issuer: issuing.certificate, plan: leafPlan });
      expect(ruleNames(findings)).to.deep.equal(['e_subject_common_name_not_from_san']);
      expect(findings[0]?.detail).to.equal('commonName "other.test" is not in subjectAltName');
      expect(lintLeaf(certificate, privatePlan)).to.deep.equal([]);
      expect(lintLeaf(await leaf({ subject: 'CN=LEAF.test' }))).to.deep.equal([]);
      const ip = await leaf({ subject: 'CN=192.0.2.1', extensions: await leafExtensions({ add: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '192.0.2.1' }, { type: 'email', value: 'a@b.test' }])] }) });
      expect(lintLeaf(ip)).to.deep.equal([]);
      const noSan = await leaf({ extensions: await leafExtensions({ drop: [san] }) });
      expect(lintLeaf(noSan)).to.deep.equal(['e_ext_san_missing', 'e_subject_common_name_not_from_san']);
      const email = await leaf({ subject: 'CN=a@b.test', extensions: await leafExtensions({ add: [new x509.SubjectAlternativeNameExtension([{ type: 'email', value: 'a@b.test' }])] }) });
      expect(lintLeaf(email)).to.deep.equal(['e_subject_common_name_not_from_san']);
      const twoNames = lintCertificate(await leaf({ subject: 'CN=a.test, CN=leaf.test, CN=b.test' }), { issuer: issuing.certificate, plan: leafPlan });
      expect(twoNames.map((finding) => finding.detail)).to.deep.equal(['commonName "a.test" is not in subjectAltName, commonName "b.test" is not in subjectAltName']);
    });

    it('e_ca_subject_field_empty: a CA with an empty subject (and a critical subjectAltName)', async () => {
      const certificate = await caCertificate({ subject: '', add: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'ca.test' }], true)] });
      expect(lintCa(certificate)).to.deep.equal(['e_ca_subject_field_empty']);
    });
  });

  describe('extensions RFC 5280 §4.2.1, BR §7.1.2', () => {
    const ski = '2.5.29.14';
    const aki = '2.5.29.35';
    const bc = '2.5.29.19';
    const ku = '2.5.29.15';
    const ekuOid = '2.5.29.37';

    it('e_ext_authority_key_identifier_missing: a leaf without AKI; a self-signed root may omit it', async () => {
      expect(lintLeaf(await leaf({ extensions: await leafExtensions({ drop: [aki] }) }))).to.deep.equal(['e_ext_authority_key_identifier_missing']);
      const keys = await generateKeys('ES256');
      const extensions = async (subjectKey: webcrypto.CryptoKey): Promise<x509.Extension[]> => [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true), await x509.SubjectKeyIdentifierExtension.create(subjectKey)];
      const root = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: testSerial(), name: 'CN=Bare Root', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 365 * DAY_MS), keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, extensions: await extensions(keys.publicKey) });
      expect(ruleNames(lintCertificate(root, { issuer: root, plan: caPlan }))).to.deep.equal([]);
      // Self-issued under a new key (a key rollover certificate) is not self-signed.
      const newKeys = await generateKeys('ES256');
      const signer: CaSigner = { name: 'bare', certificate: root, privateKey: keys.privateKey, keyAlgorithm: 'ES256', chain: [] };
      const rollover = (await issueTestCertificate(signer, { keys: newKeys, subject: 'CN=Bare Root', extensions: await extensions(newKeys.publicKey) })).certificate;
      expect(ruleNames(lintCertificate(rollover, { issuer: root, plan: caPlan }))).to.deep.equal(['e_ext_authority_key_identifier_missing']);
      // The issuer's own key under another name is not self-signed either.
      const renamed = (await issueTestCertificate(signer, { keys, subject: 'CN=Other Name', extensions: await extensions(keys.publicKey) })).certificate;
      expect(ruleNames(lintCertificate(renamed, { issuer: root, plan: caPlan }))).to.deep.equal(['e_ext_authority_key_identifier_missing']);
    });

    it('e_ext_subject_key_identifier_missing_ca: a CA without SKI', async () => {
      expect(lintCa(await caCertificate({ drop: [ski] }))).to.deep.equal(['e_ext_subject_key_identifier_missing_ca']);
    });

    it('w_ext_subject_key_identifier_missing_sub_cert: a leaf without SKI is a warning', async () => {
      const findings = lintCertificate(await leaf({ extensions: await leafExtensions({ drop: [ski] }) }), { issuer: issuing.certificate, plan: leafPlan });
      expect(findings).to.deep.equal([{ rule: 'w_ext_subject_key_identifier_missing_sub_cert', level: 'warn', detail: 'end-entity certificate has no subjectKeyIdentifier' }]);
    });

    it('e_basic_constraints_not_critical: a CA with non-critical basicConstraints', async () => {
      expect(lintCa(await caCertificate({ add: [new x509.BasicConstraintsExtension(true, 0, false)] }))).to.deep.equal(['e_basic_constraints_not_critical']);
    });

    it('e_ca_key_usage_missing: a CA without keyUsage', async () => {
      expect(lintCa(await caCertificate({ drop: [ku], add: [new x509.BasicConstraintsExtension(true, undefined, true)] }))).to.deep.equal(['e_ca_key_usage_missing']);
    });

    it('e_ca_key_cert_sign_not_set: a CA keyUsage without keyCertSign', async () => {
      expect(lintCa(await caCertificate({ add: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.cRLSign, true)] }))).to.deep.equal(['e_ca_key_cert_sign_not_set']);
    });

    it('e_ca_key_usage_not_critical: a CA keyUsage not critical', async () => {
      expect(lintCa(await caCertificate({ add: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, false)] }))).to.deep.equal(['e_ca_key_usage_not_critical']);
    });

    it('e_sub_cert_key_usage_cert_sign_bit_set and e_ext_key_usage_cert_sign_without_ca: a leaf asserting keyCertSign', async () => {
      const certificate = await leaf({ extensions: await leafExtensions({ add: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true)] }) });
      expect(lintLeaf(certificate)).to.deep.equal(['e_ext_key_usage_cert_sign_without_ca', 'e_sub_cert_key_usage_cert_sign_bit_set']);
    });

    it('e_path_len_constraint_improperly_included: pathLen on a leaf, and on a CA without keyCertSign', async () => {
      const certificate = await leaf({ extensions: await leafExtensions({ add: [new x509.BasicConstraintsExtension(false, 0, true)] }) });
      const findings = lintCertificate(certificate, { issuer: issuing.certificate, plan: leafPlan });
      expect(findings.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal(['e_path_len_constraint_improperly_included: pathLenConstraint without cA']);
      const ca = await caCertificate({ add: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.cRLSign, true)] });
      expect(lintCa(ca)).to.deep.equal(['e_ca_key_cert_sign_not_set', 'e_path_len_constraint_improperly_included']);
    });

    it('e_ext_name_constraints_not_critical: nameConstraints not critical; critical passes', async () => {
      const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ dNSName: 'example.test' }) })]) }));
      expect(lintCa(await caCertificate({ add: [new x509.Extension('2.5.29.30', false, value)] }))).to.deep.equal(['e_ext_name_constraints_not_critical']);
      expect(lintCa(await caCertificate({ add: [new x509.Extension('2.5.29.30', true, value)] }))).to.deep.equal([]);
    });

    it('e_ext_key_usage_without_bits: a keyUsage with no bit', async () => {
      // An empty BIT STRING: no unused-bits count beyond the leading 0, no bits.
      const empty = new x509.Extension('2.5.29.15', true, new Uint8Array([0x03, 0x01, 0x00]));
      expect(lintLeaf(await leaf({ extensions: await leafExtensions({ add: [empty] }) }))).to.deep.equal(['e_ext_key_usage_without_bits']);
    });

    it('e_sub_cert_eku_missing: a public TLS leaf without extKeyUsage', async () => {
      const certificate = await leaf({ extensions: await leafExtensions({ drop: [ekuOid] }) });
      expect(lintLeaf(certificate)).to.deep.equal(['e_sub_cert_eku_missing']);
      expect(lintLeaf(certificate, privatePlan)).to.deep.equal([]);
    });

    it('e_tsa_eku_not_critical_or_extra: timeStamping not critical, or with another purpose', async () => {
      const tsa = (critical: boolean, usages: string[]): Promise<x509.X509Certificate> => leafExtensions({ drop: [bc], add: [new x509.ExtendedKeyUsageExtension(usages, critical)] }).then((extensions) => leaf({ extensions }));
      const notCritical = lintCertificate(await tsa(false, [x509.ExtendedKeyUsage.timeStamping]), { issuer: issuing.certificate, plan: privatePlan });
      expect(notCritical.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal(['e_tsa_eku_not_critical_or_extra: timeStamping extKeyUsage is not critical']);
      const extra = lintCertificate(await tsa(true, [x509.ExtendedKeyUsage.timeStamping, x509.ExtendedKeyUsage.serverAuth]), { issuer: issuing.certificate, plan: privatePlan });
      expect(extra.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal(['e_tsa_eku_not_critical_or_extra: extKeyUsage holds 2 purposes, not timeStamping alone']);
      expect(lintLeaf(await tsa(true, [x509.ExtendedKeyUsage.timeStamping]), privatePlan)).to.deep.equal([]);
    });

    it('CA certificates are exempt from the end-entity rules, even under a public TLS plan', async () => {
      const notAfter = new Date(Date.now() + 400 * 86_400_000);
      const usages = new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.ocspSigning]);
      const keyUsage = new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.keyEncipherment, true);
      const ca = await caCertificate({ notAfter, add: [usages, keyUsage] });
      expect(ruleNames(lintCertificate(ca, { issuer: hierarchy.root.certificate, plan: { ...caPlan, publicTls: true } }))).to.deep.equal([]);
      expect(ruleNames(lintCertificate(await caCertificate({ notAfter }), { issuer: hierarchy.root.certificate, plan: { ...caPlan, publicTls: true } }))).to.deep.equal([]);
    });

    it('a leaf may mark basicConstraints and keyUsage non-critical', async () => {
      const extensions = await leafExtensions({ add: [new x509.BasicConstraintsExtension(false, undefined, false), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, false)] });
      expect(lintLeaf(await leaf({ extensions }))).to.deep.equal([]);
    });

    it('e_ocsp_responder_missing_nocheck: an OCSP responder without id-pkix-ocsp-nocheck', async () => {
      const responder = await leaf({ extensions: await leafExtensions({ add: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.ocspSigning])] }) });
      expect(lintLeaf(responder, privatePlan)).to.deep.equal(['e_ocsp_responder_missing_nocheck']);
    });
  });

  describe('keys BR §6.1.5, RFC 5480, RFC 8410', () => {
    const keyUsage = (flags: x509.KeyUsageFlags): Promise<x509.Extension[]> => leafExtensions({ add: [new x509.KeyUsagesExtension(flags, true)] });

    it('e_rsa_mod_less_than_2048_bits: a 1024-bit key fails, 2048 passes', async () => {
      const rsa = (bits: number): Promise<webcrypto.CryptoKeyPair> => webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
      const small = lintCertificate(await issueTestCertificate(issuing, { keys: await rsa(1024) }).then((result) => result.certificate), { issuer: issuing.certificate, plan: leafPlan });
      expect(small.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal(['e_rsa_mod_less_than_2048_bits: RSA modulus is 1024 bits']);
      expect(lintLeaf((await issueTestCertificate(issuing, { keys: await rsa(2048) })).certificate)).to.deep.equal([]);
    });

    it('e_ec_improper_curves: secp256k1 fails, P-521 passes', async () => {
      const spki = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'der', type: 'spki' });
      const certificate = resign(await leaf(), issuing, (tbs) => { tbs.subjectPublicKeyInfo = AsnConvert.parse(spki, SubjectPublicKeyInfo); });
      const findings = lintCertificate(certificate, { issuer: issuing.certificate, plan: leafPlan });
      expect(findings.map((finding) => `${finding.rule}: ${finding.detail}`)).to.deep.equal(['e_ec_improper_curves: EC key is on curve secp256k1']);
      const p521 = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-521' }, true, ['sign', 'verify']);
      expect(lintLeaf((await issueTestCertificate(issuing, { keys: p521 })).certificate)).to.deep.equal([]);
    });

    it('e_ecdsa_ee_invalid_ku: keyEncipherment or dataEncipherment on an EC leaf', async () => {
      expect(lintLeaf(await leaf({ extensions: await keyUsage(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment) }))).to.deep.equal(['e_ecdsa_ee_invalid_ku']);
      expect(lintLeaf(await leaf({ extensions: await keyUsage(x509.KeyUsageFlags.dataEncipherment) }))).to.deep.equal(['e_ecdsa_ee_invalid_ku']);
      expect(lintLeaf(await leaf({ extensions: await keyUsage(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement) }))).to.deep.equal([]);
    });

    it('e_key_usage_incorrect: keyEncipherment on an Ed25519 leaf; signing usages pass', async () => {
      const keys = await generateKeys('Ed25519');
      const ed = async (flags: x509.KeyUsageFlags): Promise<x509.X509Certificate> => (await issueTestCertificate(issuing, { keys, extensions: [new x509.KeyUsagesExtension(flags, true), new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'leaf.test' }]), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey), await x509.AuthorityKeyIdentifierExtension.create(issuing.certificate.publicKey)] })).certificate;
      expect(lintLeaf(await ed(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment))).to.deep.equal(['e_key_usage_incorrect']);
      expect(lintLeaf(await ed(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation))).to.deep.equal([]);
    });
  });
});
