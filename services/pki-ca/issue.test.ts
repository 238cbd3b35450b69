import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { x509 } from '../template/tls/x509.ts';
import { signingAlgorithm, type IssuancePlan } from './contract.ts';
import { CertificateAuthority, entities, IssuedCertificate } from './entities.ts';
import { OCSP_NO_CHECK_OID } from './extensions.ts';
import { bootstrapHierarchy, createIssuingCa } from './hierarchy.ts';
import { BACKDATE_MS, enroll, parseCsr, signPlan } from './issue.ts';
import { migrations } from './migrations.ts';
import { fakeCatalog, fakeLint } from './testing/fake-rules.ts';
import { unsealedPki, type TestPki } from './testing/pki-context.ts';
import { createTestHierarchy, generateKeys, tempFiles, type TestHierarchy } from './testing/test-ca.ts';

const run = promisify(execFile);
const DAY = 86_400_000;

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}

async function csrPem(subject: string, names: x509.JsonGeneralName[] = [], algorithm: 'ES256' | 'Ed25519' = 'ES256'): Promise<string> {
  const keys = await generateKeys(algorithm);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys,
    signingAlgorithm: signingAlgorithm(algorithm),
    extensions: names.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(names)],
  });
  return csr.toString('pem');
}

const LEAF: IssuancePlan = {
  profile: 'test', subject: '', subjectAltNames: [{ type: 'dns', value: 'a.test' }, { type: 'ip', value: '10.0.0.1' }, { type: 'email', value: 'a@a.test' }, { type: 'uri', value: 'https://a.test/' }],
  validityDays: 10, keyUsage: [], extendedKeyUsage: ['1.3.6.1.5.5.7.3.9'], extendedKeyUsageCritical: true, ocspNoCheck: true, publicTls: false,
};

describe('pki-ca signing a plan', () => {
  let h: TestHierarchy;
  before(async () => { h = await createTestHierarchy('ES256'); });

  it('writes every planned extension, a critical SAN for an empty subject, no key usage when none, and CDP/AIA of the issuer', async () => {
    const keys = await generateKeys('ES256');
    const now = new Date();
    const { certificate, serialHex, clamped } = await signPlan(LEAF, await x509.PublicKey.create(keys.publicKey), h.issuing, now, 'https://ca.test');
    expect(clamped).to.equal(false);
    expect(certificate.serialNumber.toLowerCase()).to.equal(serialHex);
    expect(certificate.subject).to.equal('');
    expect(certificate.notBefore.getTime()).to.be.closeTo(now.getTime() - BACKDATE_MS, 1000);
    expect(certificate.notAfter.getTime()).to.be.closeTo(now.getTime() + 10 * DAY, 1000);
    const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.critical).to.equal(true);
    expect(san?.names.items.map((name) => `${name.type}:${name.value}`)).to.deep.equal(['dns:a.test', 'ip:10.0.0.1', 'email:a@a.test', 'url:https://a.test/']);
    expect(certificate.getExtension(x509.KeyUsagesExtension)).to.equal(null);
    expect(certificate.getExtension(x509.ExtendedKeyUsageExtension)?.critical).to.equal(true);
    expect(Buffer.from(certificate.getExtension(OCSP_NO_CHECK_OID)?.value ?? new ArrayBuffer(0)).toString('hex')).to.equal('0500');
    expect(certificate.getExtension(x509.CRLDistributionPointsExtension)?.distributionPoints[0]?.distributionPoint?.fullName?.[0]?.uniformResourceIdentifier).to.equal('https://ca.test/pki/v1/crl/test-issuing.crl');
    expect(await certificate.verify({ publicKey: h.issuing.certificate.publicKey, signatureOnly: true })).to.equal(true);
  });

  it('writes name constraints that openssl reads, and clamps to the issuer notAfter', async () => {
    const keys = await generateKeys('ES256');
    const plan: IssuancePlan = {
      ...LEAF, subject: 'CN=Constrained', subjectAltNames: [], keyUsage: ['keyCertSign', 'cRLSign'], extendedKeyUsage: [], ocspNoCheck: false, validityDays: 100_000,
      ca: { pathLength: 0 },
      nameConstraints: { permittedDns: ['example.test'], excludedDns: ['bad.example.test'], permittedIp: ['10.0.0.0/8', 'fd00::/8'], excludedIp: ['10.1.0.0/16'], permittedEmail: ['example.test'] },
    };
    const { certificate, clamped } = await signPlan(plan, await x509.PublicKey.create(keys.publicKey), h.issuing, new Date(), 'https://ca.test');
    expect(clamped).to.equal(true);
    const dnsOnly = await signPlan({ ...plan, nameConstraints: { permittedDns: ['only.test'] } }, await x509.PublicKey.create(keys.publicKey), h.issuing, new Date(), 'https://ca.test');
    const excludedOnly = await signPlan({ ...plan, nameConstraints: { excludedIp: ['10.0.0.0/8'] } }, await x509.PublicKey.create(keys.publicKey), h.issuing, new Date(), 'https://ca.test');
    expect(Buffer.from(excludedOnly.certificate.getExtension('2.5.29.30')?.value ?? new ArrayBuffer(0)).toString('hex')).to.equal('300ea10c300a87080a000000ff000000');
    // permittedSubtrees [0] with one dNSName, and no excludedSubtrees [1].
    const value = Buffer.from(dnsOnly.certificate.getExtension('2.5.29.30')?.value ?? new ArrayBuffer(0));
    expect(value.toString('hex')).to.equal(`300fa00d300b8209${Buffer.from('only.test').toString('hex')}`);
    expect(certificate.notAfter.getTime()).to.equal(h.issuing.certificate.notAfter.getTime());
    const files = await tempFiles({ 'ca.pem': certificate.toString('pem') });
    try {
      const { stdout } = await run('openssl', ['x509', '-in', files.path('ca.pem'), '-noout', '-ext', 'nameConstraints,basicConstraints,keyUsage']);
      expect(stdout).to.include('critical').and.include('DNS:example.test').and.include('DNS:bad.example.test').and.include('IP:10.0.0.0/255.0.0.0').and.include('email:example.test').and.include('CA:TRUE, pathlen:0').and.include('Certificate Sign, CRL Sign');
    } finally {
      await files.cleanup();
    }
  });
});

describe('pki-ca reading a CSR', () => {
  it('takes PEM or base64 DER, refuses anything else and a CSR whose signature does not verify', async () => {
    const pem = await csrPem('CN=read.test');
    const der = new x509.Pkcs10CertificateRequest(pem).rawData;
    expect((await parseCsr(pem)).subject).to.equal('CN=read.test');
    expect((await parseCsr(Buffer.from(der).toString('base64'))).subject).to.equal('CN=read.test');
    for (const bad of ['not base64 at all!', Buffer.from('garbage').toString('base64')]) {
      expect(await rejection(parseCsr(bad))).to.be.instanceOf(BadRequestError);
    }
    const tampered = Buffer.from(der);
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0xff;
    const error = await rejection(parseCsr(tampered.toString('base64')));
    expect(error).to.be.instanceOf(BadRequestError);
  });
});

describeOnDatabases('pki-ca enrollment', { entities, migrations }, (db) => {
  let t: TestPki;
  before(async function () {
    this.timeout(20_000);
    t = await unsealedPki();
    await bootstrapHierarchy(() => db().fork(), t.pki);
  });

  it('issues from the default CA, stores the certificate and answers the chain issuing → intermediate → root', async () => {
    const result = await enroll(db().fork(), t.pki, { csr: await csrPem('CN=web.test', [{ type: 'dns', value: 'web.test' }]), profile: 'tls-server', validityDays: 30 });
    const row = await db().fork().findOneOrFail(IssuedCertificate, { serialHex: result.serial });
    const ca = await db().fork().findOneOrFail(CertificateAuthority, { name: 'default' });
    expect(row).to.include({ caId: ca.id, profile: 'tls-server', subject: 'CN=web.test', status: 'good' });
    expect(row.sans).to.deep.equal([{ type: 'dns', value: 'web.test' }]);
    const names = result.chain.map((pem) => new x509.X509Certificate(pem).subject);
    expect(names).to.deep.equal(['CN=Issuing CA default, O=cryptoutil test', 'CN=Intermediate CA, O=cryptoutil test', 'CN=Root CA, O=cryptoutil test']);
    expect(result.certificate.endsWith('-----END CERTIFICATE-----\n')).to.equal(true);
    expect(result).to.not.have.property('clamped');
  });

  it('refuses what the profile, the lint or the CA does not allow, storing nothing', async () => {
    const csr = await csrPem('CN=refused.test');
    const before = await db().fork().count(IssuedCertificate, {});
    expect(await rejection(enroll(db().fork(), t.pki, { csr, profile: 'tls-server', validityDays: 99_999 }))).to.be.instanceOf(BadRequestError);
    expect(await rejection(enroll(db().fork(), t.pki, { csr, profile: 'nope' }))).to.be.instanceOf(NotFoundError);
    expect(await rejection(enroll(db().fork(), t.pki, { csr, profile: 'tls-server', ca: 'missing' }))).to.be.instanceOf(NotFoundError);
    expect(await rejection(enroll(db().fork(), t.pki, { csr, profile: 'tls-server', ca: 'intermediate' }))).to.be.instanceOf(BadRequestError);
    const linted = { ...t.pki, rules: () => Promise.resolve({ catalog: fakeCatalog(), lint: fakeLint([{ rule: 'e_bad', level: 'error', detail: 'no' }]) }) };
    const refused = await rejection(enroll(db().fork(), linted, { csr, profile: 'tls-server' }));
    expect(refused).to.be.instanceOf(BadRequestError);
    expect((refused as Error).message).to.include('e_bad');
    expect(await db().fork().count(IssuedCertificate, {})).to.equal(before);
  });

  it('refuses a CA that is not active (409) or has expired (409)', async () => {
    await createIssuingCa(db().fork(), t.pki, { name: 'short', validityDays: 1 });
    const csr = await csrPem('CN=late.test', [], 'Ed25519');
    const em = db().fork();
    await em.nativeUpdate(CertificateAuthority, { name: 'short' }, { status: 'retired' });
    expect(await rejection(enroll(db().fork(), t.pki, { csr, profile: 'tls-server', ca: 'short' }))).to.be.instanceOf(ConflictError);
    await em.nativeUpdate(CertificateAuthority, { name: 'short' }, { status: 'active' });
    const later = { ...t.pki, now: () => new Date(Date.now() + 2 * DAY) };
    expect(await rejection(enroll(db().fork(), later, { csr, profile: 'tls-server', ca: 'short' }))).to.be.instanceOf(ConflictError);
    const clamped = await enroll(db().fork(), t.pki, { csr, profile: 'tls-server', ca: 'short', validityDays: 30 });
    expect(clamped.clamped).to.equal(true);
  });
});
