import { expect } from 'chai';
import { lintCertificate } from './lint/index.ts';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { loadCatalog } from '../identity-authz/resources.ts';
import { services } from '../registry.ts';
import { x509 } from '../template/tls/x509.ts';
import { createPki, loadRules, pkiCa } from './index.ts';
import { call, startPkiCa, type PkiHarness } from './testing/harness.ts';
import { tempFiles } from './testing/test-ca.ts';

const run = promisify(execFile);

interface Enrollment { serial: string; certificate: string; chain: string[]; notAfter: string; clamped?: boolean }
interface CertificatePage { items: { serial: string; status: string; ca: string }[]; page: number; size: number; total: number }

describe('pki-ca end to end: bootstrap, enroll an openssl CSR, verify, list, get, revoke', function () {
  this.timeout(20_000);
  let pki: PkiHarness;
  let csrPem: string;
  let enrollment: Enrollment;

  before(async () => {
    const files = await tempFiles({});
    try {
      await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-subj', '/CN=web.test', '-addext', 'subjectAltName=DNS:web.test', '-nodes', '-keyout', files.path('key.pem'), '-out', files.path('csr.pem')]);
      csrPem = await readFile(files.path('csr.pem'), 'utf8');
    } finally {
      await files.cleanup();
    }
    pki = await startPkiCa();
  });
  after(async () => { await pki.close(); });

  it('refuses a runtime without a barrier', () => {
    expect(() => createPki({ config: {} } as unknown as Parameters<typeof createPki>[0], loadRules)).to.throw(/barrier: true/);
  });

  it('issues by the built-in profiles (plus pki.profilesDir) and the issuance lint', async () => {
    const rules = await loadRules('');
    expect(rules.catalog.list().map((profile) => profile.name)).to.include.members(['root-ca', 'intermediate-ca', 'issuing-ca', 'tls-server', 'ocsp-responder', 'timestamp', 'device']);
    expect(rules.lint).to.equal(lintCertificate);
    let failure: unknown;
    try { await loadRules('/nonexistent/profiles'); } catch (error) { failure = error; }
    expect(String(failure)).to.contain('/nonexistent/profiles');
  });

  it('is a resource identity-authz issues tokens for, with exactly the four scopes', async () => {
    const catalog = await loadCatalog([pkiCa]);
    expect(catalog.get('urn:cryptoutil:pki-ca')).to.deep.equal(['ca:admin', 'ca:issue', 'ca:read', 'ca:revoke']);
    expect(services.map((service) => service.name).slice(-2)).to.deep.equal(['pki-ca', 'learn-ps']);
  });

  it('declares what the template and cryptoutil up need', async () => {
    expect(pkiCa).to.include({ name: 'pki-ca', publicPort: 8380, upAdminPort: 9097, barrier: true });
    expect(await pkiCa.upConfig?.({ dataDir: '/tmp', publicUrl: () => '', secret: () => Promise.resolve(''), demoClientId: 'demo', signInClients: () => Promise.resolve([]) })).to.deep.equal({ pki: { bootstrap: true } });
  });

  it('names in credentials.json the bootstrapped issuing CA and URLs that answer', async () => {
    const base = pki.harness.service.publicUrl;
    const suite = { dataDir: '/tmp', publicUrl: (name: string) => (name === 'pki-ca' ? base : ''), secret: () => Promise.resolve(''), demoClientId: 'demo', signInClients: () => Promise.resolve([]) };
    const { pki: urls } = await pkiCa.upCredentials?.(suite) as { pki: Record<string, string> };
    expect(urls).to.deep.equal({
      ca: 'default',
      chain_url: `${base}/service/api/v1/cas/default/chain`,
      root_certificate_url: `${base}/pki/v1/ca/root.crt`,
      issuer_certificate_url: `${base}/pki/v1/ca/default.crt`,
      crl_url: `${base}/pki/v1/crl/default.crl`,
      ocsp_url: `${base}/pki/v1/ocsp/default`,
      tsa_url: `${base}/tsa`,
      acme_directory: `${base}/acme/default/directory`,
      est_url: `${base}/.well-known/est/`,
    });
    const ca = pki.harness.service.ca;
    const chain = await call(ca, 'GET', String(urls.chain_url), { token: await pki.token(['ca:read']) });
    expect(chain.status, chain.text).to.equal(200);
    const chainSubjects = (chain.text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((block) => new x509.X509Certificate(block).subject);
    const root = await call(ca, 'GET', String(urls.root_certificate_url));
    const issuer = await call(ca, 'GET', String(urls.issuer_certificate_url));
    expect([root.status, issuer.status]).to.deep.equal([200, 200]);
    expect(chainSubjects).to.deep.equal([new x509.X509Certificate(issuer.bytes).subject, 'CN=Intermediate CA, O=cryptoutil', new x509.X509Certificate(root.bytes).subject]);
    expect((await pki.api('POST', '/cas/default/crl')).status).to.equal(200);
    expect((await call(ca, 'GET', String(urls.crl_url))).headers['content-type']).to.equal('application/pkix-crl');
    expect((await call(ca, 'GET', String(urls.acme_directory))).json).to.have.property('newOrder');
    expect((await call(ca, 'GET', `${String(urls.est_url)}cacerts`)).status).to.equal(200);
  });

  it('bootstraps root, intermediate and default on the first unseal and is ready', async () => {
    const answer = await pki.api('GET', '/cas');
    expect(answer.status).to.equal(200);
    const items = (answer.json as { items: { name: string; kind: string }[] }).items;
    expect(items.map((ca) => `${ca.name}:${ca.kind}`)).to.deep.equal(['root:root', 'intermediate:intermediate', 'default:issuing']);
    const ready = await pki.harness.call('GET', `${pki.harness.service.adminUrl}/admin/v1/readyz`);
    expect(ready.status).to.equal(200);
  });

  it('reports the days each CA certificate has left in the health detail and as a gauge', async () => {
    const admin = pki.harness.service.adminUrl;
    const health = await pki.harness.call('GET', `${admin}/admin/v1/healthz`);
    const expiry = (health.json as { checks: Record<string, { ok: boolean; detail: string }> }).checks['ca-expiry'];
    expect(expiry?.ok).to.equal(true);
    expect(expiry?.detail).to.match(/^root \d+ days left; intermediate \d+ days left; default \d+ days left$/);
    const scraped = await pki.harness.call('GET', `${admin}/admin/v1/metrics`);
    expect(scraped.text).to.match(/pki_ca_certificate_days_left\{ca="default",service="pki-ca"\} \d+/);
  });

  it('enrolls the CSR with tls-server and openssl -x509_strict verifies it against root, intermediate and issuing', async () => {
    const answer = await pki.api('POST', '/enrollments', { body: { csr: csrPem, profile: 'tls-server' } });
    expect(answer.status, answer.text).to.equal(201);
    enrollment = answer.json as Enrollment;
    expect(enrollment.serial).to.match(/^[4-7][0-9a-f]{31}$/);
    expect(enrollment.chain).to.have.length(3);
    expect(enrollment).to.not.have.property('clamped');
    const certificate = new x509.X509Certificate(enrollment.certificate);
    expect(certificate.serialNumber.toLowerCase()).to.equal(enrollment.serial);
    expect(certificate.notAfter.toISOString()).to.equal(enrollment.notAfter);
    const base = pki.harness.service.publicUrl;
    const aia = certificate.getExtension(x509.AuthorityInfoAccessExtension);
    expect(aia?.caIssuers.map((name) => name.value)).to.deep.equal([`${base}/pki/v1/ca/default.crt`]);
    expect(aia?.ocsp.map((name) => name.value)).to.deep.equal([`${base}/pki/v1/ocsp/default`]);
    const [issuing, intermediate, root] = enrollment.chain;
    const files = await tempFiles({ 'leaf.pem': enrollment.certificate, 'root.pem': root ?? '', 'untrusted.pem': `${intermediate ?? ''}${issuing ?? ''}` });
    try {
      const { stdout } = await run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', files.path('root.pem'), '-untrusted', files.path('untrusted.pem'), files.path('leaf.pem')]);
      expect(stdout).to.include('leaf.pem: OK');
      const { stdout: text } = await run('openssl', ['x509', '-in', files.path('leaf.pem'), '-noout', '-ext', 'crlDistributionPoints,subjectAltName']);
      expect(text).to.include(`${base}/pki/v1/crl/default.crl`).and.include('DNS:web.test');
    } finally {
      await files.cleanup();
    }
  });

  it('serves the issuer certificate that AIA names, without a token, as DER', async () => {
    const answer = await pki.open('GET', '/pki/v1/ca/default.crt');
    expect(answer.status).to.equal(200);
    expect(answer.headers['content-type']).to.equal('application/pkix-cert');
    expect(`${new x509.X509Certificate(answer.bytes).toString('pem')}\n`).to.equal(enrollment.chain[0]);
    const unknown = await pki.open('GET', '/pki/v1/ca/nope.crt');
    expect([unknown.status, unknown.headers['content-type']]).to.deep.equal([404, 'application/problem+json']);
    const head = await pki.open('HEAD', '/pki/v1/ca/root.crt');
    expect([head.status, head.headers['content-type']]).to.deep.equal([200, 'application/pkix-cert']);
    expect((await pki.open('POST', '/pki/v1/ca/root.crt')).status).to.equal(404);
  });

  it('lists and gets the certificate, with filters and paging', async () => {
    const list = await pki.api('GET', '/certificates?ca=default&status=good&size=5');
    expect(list.status).to.equal(200);
    const page = list.json as CertificatePage;
    expect(page).to.include({ page: 0, size: 5, total: 1 });
    expect(page.items[0]).to.include({ serial: enrollment.serial, status: 'good', ca: 'default' });
    expect((await pki.api('GET', '/certificates?ca=intermediate').then((answer) => answer.json as CertificatePage)).total).to.equal(1);
    const one = await pki.api('GET', `/certificates/${enrollment.serial}`);
    expect(one.json).to.include({ serial: enrollment.serial, profile: 'tls-server', subject: 'CN=web.test', certificate: enrollment.certificate });
    expect((one.json as { sans: unknown }).sans).to.deep.equal([{ type: 'dns', value: 'web.test' }]);
    expect((await pki.api('GET', '/certificates/00')).status).to.equal(400);
    expect((await pki.api('GET', `/certificates/${'4'.repeat(32)}`)).status).to.equal(404);
  });

  it('revokes once with a reason name (200), then 409; an unknown reason is 400', async () => {
    expect((await pki.api('POST', `/certificates/${enrollment.serial}/revoke`, { body: { reason: 'notAReason' } })).status).to.equal(400);
    const revoked = await pki.api('POST', `/certificates/${enrollment.serial}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(revoked.status).to.equal(200);
    expect(revoked.json).to.include({ status: 'revoked', revocationReason: 'keyCompromise' });
    expect((await pki.api('POST', `/certificates/${enrollment.serial}/revoke`, { body: { reason: 'superseded' } })).status).to.equal(409);
    const page = (await pki.api('GET', '/certificates?status=revoked')).json as CertificatePage;
    expect(page.items.map((item) => item.serial)).to.deep.equal([enrollment.serial]);
  });

  it('reads CAs, chains and profiles; creates an issuing CA with ca:admin only', async () => {
    expect((await pki.api('GET', '/cas/default')).json).to.include({ name: 'default', kind: 'issuing', parent: 'intermediate' });
    const chain = await pki.api('GET', '/cas/default/chain');
    expect(chain.headers['content-type']).to.match(/^application\/pem-certificate-chain/);
    expect(chain.text.match(/BEGIN CERTIFICATE/g)).to.have.length(3);
    expect((await pki.api('GET', '/cas/nope')).status).to.equal(404);
    const profiles = (await pki.api('GET', '/profiles')).json as { items: { name: string }[] };
    expect(profiles.items.map((profile) => profile.name)).to.include('tls-server');
    expect((await pki.api('GET', '/profiles/tls-server')).json).to.include({ name: 'tls-server', kind: 'leaf' }).and.have.property('document');
    expect((await pki.api('GET', '/profiles/nope')).status).to.equal(404);
    const reader = await pki.token(['ca:read', 'ca:issue', 'ca:revoke']);
    expect((await pki.api('POST', '/cas', { token: reader, body: { name: 'team' } })).status).to.equal(403);
    const created = await pki.api('POST', '/cas', { body: { name: 'team', keyAlgorithm: 'ES384' } });
    expect(created.status, created.text).to.equal(201);
    expect(created.json).to.include({ name: 'team', kind: 'issuing', parent: 'intermediate', keyAlgorithm: 'ES384' });
    expect((await pki.api('POST', '/cas', { body: { name: 'team' } })).status).to.equal(409);
    const enrolled = await pki.api('POST', '/enrollments', { body: { csr: csrPem, profile: 'tls-server', ca: 'team', validityDays: 3000 } });
    expect(enrolled.status, enrolled.text).to.equal(201);
    expect(enrolled.json).to.include({ clamped: true, notAfter: (created.json as { notAfter: string }).notAfter });
  });

  it('refuses enrollment without ca:issue (403), a bad CSR (400), an unknown profile (404) and a CA profile (400)', async () => {
    const reader = await pki.token(['ca:read']);
    expect((await pki.api('POST', '/enrollments', { token: reader, body: { csr: csrPem, profile: 'tls-server' } })).status).to.equal(403);
    expect((await pki.api('POST', '/enrollments', { body: { csr: 'nonsense!', profile: 'tls-server' } })).status).to.equal(400);
    expect((await pki.api('POST', '/enrollments', { body: { csr: csrPem, profile: 'nope' } })).status).to.equal(404);
    expect((await pki.api('POST', '/enrollments', { body: { csr: csrPem, profile: 'issuing-ca' } })).status).to.equal(400);
    expect((await pki.api('POST', '/enrollments', { body: { csr: csrPem, profile: 'tls-server', ca: 'root' } })).status).to.equal(400);
  });

  it('answers 503 to the API and the public routes once sealed, and opens nothing', async () => {
    const seal = await pki.harness.call('POST', `${pki.harness.service.adminUrl}/admin/v1/seal`, { headers: { authorization: `Bearer ${(await readFile(`${pki.harness.dataDir}/admin.token`, 'utf8')).trim()}` } });
    expect(seal.status).to.be.oneOf([200, 204]);
    expect((await pki.api('GET', '/cas')).status).to.equal(503);
    expect((await pki.api('POST', '/enrollments', { body: { csr: csrPem, profile: 'tls-server' } })).status).to.equal(503);
    expect((await pki.open('GET', '/pki/v1/ca/default.crt')).status).to.equal(503);
  });
});
