import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { BarrierSealedError } from '../template/barrier/index.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { x509 } from '../template/tls/x509.ts';
import { CaRequest, CertificateAuthority, entities } from './entities.ts';
import { createCaRequest, describeKey, getCaRequest, installCaCertificate, listCaRequests, parsePemCertificates, type CaCertificateInput } from './external.ts';
import { bootstrapHierarchy, caChainPem, createIssuingCa, getCa, listCas } from './hierarchy.ts';
import { CaExpiryWatch } from './expiry.ts';
import { enroll } from './issue.ts';
import { loadRules } from './index.ts';
import { migrations } from './migrations.ts';
import { crlPublisher, crlSource, ocspAuthority } from './protocols.ts';
import { openSigner } from './signers.ts';
import { unsealedPki, type TestPki } from './testing/pki-context.ts';
import { tempFiles } from './testing/test-ca.ts';

const run = promisify(execFile);
const DAY_MS = 86_400_000;

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}

/** The extensions an external CA gives a CA certificate, in openssl's extfile syntax. */
const CA_EXTENSIONS = [
  'basicConstraints = critical, CA:TRUE',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid:always',
];

describeOnDatabases('pki-ca external root: CSR out, certificate in, with the openssl CLI as the external CA', { entities, migrations }, (db) => {
  let t: TestPki;
  let files: Awaited<ReturnType<typeof tempFiles>>;
  let extRoot: string;

  /** A self-signed openssl root `<label>.pem` / `<label>.key`; extra `-addext` values replace the CA ones. */
  async function opensslRoot(label: string, subject: string, addext: readonly string[] = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']): Promise<string> {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', files.path(`${label}.key`), '-subj', subject, '-days', '3650',
      ...addext.flatMap((value) => ['-addext', value]), '-out', files.path(`${label}.pem`)]);
    return await readFile(files.path(`${label}.pem`), 'utf8');
  }

  /** `csr` signed by the openssl CA `issuer` with `extensions`, valid `days`. */
  async function opensslSign(csr: string, issuer: string, extensions: readonly string[] = CA_EXTENSIONS, days = 1000, extra: readonly string[] = []): Promise<string> {
    const label = randomBytes(6).toString('hex');
    await writeFile(files.path(`${label}.csr`), csr);
    await writeFile(files.path(`${label}.ext`), `[v3]\n${extensions.join('\n')}\n`);
    await run('openssl', ['x509', '-req', '-in', files.path(`${label}.csr`), '-CA', files.path(`${issuer}.pem`), '-CAkey', files.path(`${issuer}.key`),
      '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(days), '-sha384', '-extfile', files.path(`${label}.ext`), '-extensions', 'v3', ...extra, '-out', files.path(`${label}.pem`)]);
    return await readFile(files.path(`${label}.pem`), 'utf8');
  }

  /** A pending request `name` and its CSR signed by `issuer` as a CA certificate. */
  async function requestAndSign(name: string, kind: 'intermediate' | 'issuing' = 'intermediate', issuer = 'extroot', extensions: readonly string[] = CA_EXTENSIONS): Promise<string> {
    const request = await createCaRequest(db().fork(), t.pki, { name, kind, subject: `CN=${name},O=cryptoutil test` });
    return await opensslSign(request.csr, issuer, extensions);
  }

  before(async function () {
    this.timeout(20_000);
    const fixed = await unsealedPki({}, await loadRules(''));
    // openssl dates its certificates now: the service clock runs along.
    t = { ...fixed, pki: { ...fixed.pki, now: () => new Date() } };
    await bootstrapHierarchy(() => db().fork(), t.pki);
    files = await tempFiles({});
    extRoot = await opensslRoot('extroot', '/O=Elsewhere/CN=Elsewhere Root');
  });
  after(async () => { await files.cleanup(); });

  it('makes a sealed key and its CSR (verified by openssl), lists and reads the pending request', async () => {
    const made = await createCaRequest(db().fork(), t.pki, { name: 'pending', subject: 'CN=Pending,O=cryptoutil test', keyAlgorithm: 'ES384' });
    expect(made).to.include({ name: 'pending', kind: 'intermediate', keyAlgorithm: 'ES384', subject: 'CN=Pending, O=cryptoutil test' });
    await writeFile(files.path('pending.csr'), made.csr);
    const { stdout, stderr } = await run('openssl', ['req', '-in', files.path('pending.csr'), '-noout', '-verify', '-subject']);
    expect(`${stdout}${stderr}`).to.include('verify OK').and.include('CN = Pending');
    expect(await getCaRequest(db().fork(), 'pending')).to.deep.equal(made);
    const listed = await listCaRequests(db().fork());
    expect(listed.map((request) => request.name)).to.include('pending');
    expect(listed.find((request) => request.name === 'pending')).to.not.have.property('csr');
    // The key is sealed with the AAD of the CA row it will become.
    const row = await db().fork().findOneOrFail(CaRequest, { name: 'pending' });
    expect(Buffer.from(await t.barrier.decrypt(row.sealedPrivateKey, `pki-ca/pki_cas/${row.id}`)).length).to.be.greaterThan(0);
  });

  it('refuses a taken name (409), a bad subject (400), an unknown request (404) and a sealed barrier (503)', async () => {
    expect(await rejection(createCaRequest(db().fork(), t.pki, { name: 'intermediate', subject: 'CN=x' }))).to.be.instanceOf(ConflictError);
    expect(await rejection(createCaRequest(db().fork(), t.pki, { name: 'pending', subject: 'CN=x' }))).to.be.instanceOf(ConflictError);
    expect(await rejection(createCaRequest(db().fork(), t.pki, { name: 'bad-subject', subject: 'not a name' }))).to.be.instanceOf(BadRequestError);
    expect(await rejection(getCaRequest(db().fork(), 'nope'))).to.be.instanceOf(NotFoundError);
    expect(await rejection(installCaCertificate(db().fork(), t.pki, 'nope', { certificate: extRoot, chain: extRoot }))).to.be.instanceOf(NotFoundError);
    const sealed = await unsealedPki();
    sealed.barrier.seal();
    expect(await rejection(createCaRequest(db().fork(), sealed.pki, { name: 'sealed', subject: 'CN=x' }))).to.be.instanceOf(BarrierSealedError);
    expect(await db().fork().count(CaRequest, { name: { $in: ['bad-subject', 'sealed'] } })).to.equal(0);
  });

  it('installs the signed intermediate, issues an issuing CA and a leaf under it, and openssl verifies up to the external root', async function () {
    this.timeout(20_000);
    await createCaRequest(db().fork(), t.pki, { name: 'ext-inter', subject: 'CN=Imported Intermediate,O=cryptoutil test' });
    const row = await db().fork().findOneOrFail(CaRequest, { name: 'ext-inter' });
    const certificate = await opensslSign((await getCaRequest(db().fork(), 'ext-inter')).csr, 'extroot', [...CA_EXTENSIONS.slice(1), 'basicConstraints = critical, CA:TRUE, pathlen:1']);
    const installed = await installCaCertificate(db().fork(), t.pki, 'ext-inter', { certificate, chain: extRoot });
    // `root` is the bootstrapped one, so the external root is named after the request.
    expect(installed).to.include({ id: row.id, name: 'ext-inter', kind: 'intermediate', parent: 'ext-inter-root', keyAlgorithm: 'ES256', external: false, subject: 'CN=Imported Intermediate, O=cryptoutil test' });
    expect(await getCa(db().fork(), 'ext-inter-root')).to.include({ kind: 'root', parent: null, external: true, keyAlgorithm: 'ES384', subject: 'O=Elsewhere, CN=Elsewhere Root' });
    expect(await db().fork().count(CaRequest, { name: 'ext-inter' })).to.equal(0);
    const stored = await db().fork().findOneOrFail(CertificateAuthority, { name: 'ext-inter-root' });
    expect(stored.sealedPrivateKey.length).to.equal(0);

    const issuing = await createIssuingCa(db().fork(), t.pki, { name: 'ext-issuing', parent: 'ext-inter' });
    expect(issuing).to.include({ parent: 'ext-inter', external: false });
    expect(await caChainPem(db().fork(), 'ext-issuing')).to.have.length(3);
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path('leaf.key'), '-subj', '/CN=web.test', '-addext', 'subjectAltName=DNS:web.test', '-out', files.path('leaf.csr')]);
    const leaf = await enroll(db().fork(), t.pki, { csr: await readFile(files.path('leaf.csr'), 'utf8'), profile: 'tls-server', ca: 'ext-issuing' });
    expect(leaf.chain).to.have.length(3);
    expect(leaf.chain[2]).to.equal(new x509.X509Certificate(extRoot).toString('pem').trimEnd().concat('\n'));
    await writeFile(files.path('leaf.pem'), leaf.certificate);
    await writeFile(files.path('untrusted.pem'), `${leaf.chain[0] ?? ''}${leaf.chain[1] ?? ''}`);
    const { stdout } = await run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', files.path('extroot.pem'), '-untrusted', files.path('untrusted.pem'), files.path('leaf.pem')]);
    expect(stdout).to.include(': OK');
  });

  it('stores an external intermediate as <name>-issuer-1, reuses a stored external root, and never signs with either', async function () {
    this.timeout(20_000);
    const subRequest = await opensslSign((await opensslRootCsr('extsub', '/O=Elsewhere/CN=Elsewhere Sub CA')), 'extroot', [...CA_EXTENSIONS.slice(1), 'basicConstraints = critical, CA:TRUE, pathlen:1']);
    await writeFile(files.path('extsub.pem'), subRequest);
    const certificate = await requestAndSign('ext-issuing-2', 'issuing', 'extsub');
    const installed = await installCaCertificate(db().fork(), t.pki, 'ext-issuing-2', { certificate, chain: `${subRequest}${extRoot}` });
    expect(installed).to.include({ kind: 'issuing', parent: 'ext-issuing-2-issuer-1', external: false });
    expect(await getCa(db().fork(), 'ext-issuing-2-issuer-1')).to.include({ kind: 'intermediate', parent: 'ext-inter-root', external: true });
    // The same external root is one row, whichever import brought it.
    const roots = (await listCas(db().fork())).filter((ca) => ca.certificate === new x509.X509Certificate(extRoot).toString('pem').trimEnd().concat('\n'));
    expect(roots.map((ca) => ca.name)).to.deep.equal(['ext-inter-root']);

    for (const name of ['ext-issuing-2-issuer-1', 'ext-inter-root']) {
      const refused = await rejection(openSigner(db().fork(), t.pki, name));
      expect(refused).to.be.instanceOf(ConflictError);
      expect((refused as Error).message).to.equal(`CA ${name} is held outside this service; its key is not here`);
    }
    expect(await rejection(createIssuingCa(db().fork(), t.pki, { name: 'under-external', parent: 'ext-issuing-2-issuer-1' }))).to.be.instanceOf(ConflictError);
    expect(await ocspAuthority(() => db().fork(), t.pki)('ext-inter-root')).to.equal(undefined);
    expect(await ocspAuthority(() => db().fork(), t.pki)('ext-issuing-2')).to.not.equal(undefined);
    // The imported issuing CA signs leaves itself.
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path('leaf2.key'), '-subj', '/CN=two.test', '-addext', 'subjectAltName=DNS:two.test', '-out', files.path('leaf2.csr')]);
    const leaf = await enroll(db().fork(), t.pki, { csr: await readFile(files.path('leaf2.csr'), 'utf8'), profile: 'tls-server', ca: 'ext-issuing-2' });
    await writeFile(files.path('leaf2.pem'), leaf.certificate);
    await writeFile(files.path('untrusted2.pem'), `${leaf.chain[0] ?? ''}${leaf.chain[1] ?? ''}`);
    const { stdout } = await run('openssl', ['verify', '-x509_strict', '-CAfile', files.path('extroot.pem'), '-untrusted', files.path('untrusted2.pem'), files.path('leaf2.pem')]);
    expect(stdout).to.include(': OK');
  });

  /** A CSR of a new openssl key `<label>.key` (for an external intermediate). */
  async function opensslRootCsr(label: string, subject: string): Promise<string> {
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path(`${label}.key`), '-subj', subject, '-out', files.path(`${label}.csr`)]);
    return await readFile(files.path(`${label}.csr`), 'utf8');
  }

  it('publishes CRLs for the imported CAs and none for the external ones, without trying to sign for them', async function () {
    this.timeout(20_000);
    const names = await crlSource(() => db().fork(), t.pki).caNames();
    expect(names).to.include.members(['ext-inter', 'ext-issuing', 'ext-issuing-2', 'root', 'default']);
    expect(names).to.not.include.members(['ext-inter-root']);
    expect(names).to.not.include('ext-issuing-2-issuer-1');
    const lines: string[] = [];
    const crls = crlPublisher(() => db().fork(), t.pki, pino({ level: 'warn' }, { write: (line: string) => { lines.push(line); } }));
    const tick = await crls.tick();
    expect(tick.held).to.equal(true);
    expect(tick.failed).to.deep.equal([]);
    expect(lines).to.deep.equal([]);
    const published = new Set(tick.published.map((crl) => crl.ca));
    expect(published.has('ext-inter')).to.equal(true);
    expect(published.has('ext-inter-root')).to.equal(false);
    const { full } = await crls.regenerate('ext-inter');
    const crl = new x509.X509Crl(full.der);
    expect(crl.issuer).to.equal('CN=Imported Intermediate, O=cryptoutil test');
    expect(await crl.verify({ publicKey: new x509.X509Certificate((await getCa(db().fork(), 'ext-inter')).certificate).publicKey })).to.equal(true);
    expect(await crls.hasCa('ext-inter-root')).to.equal(false);
    await crls.stop();
  });

  it('keeps the expiry watch on the external CAs', async () => {
    const watch = new CaExpiryWatch({ listCas: () => db().fork().find(CertificateAuthority, {}), log: pino({ level: 'silent' }), metrics: new Registry(), now: () => t.pki.now() });
    const names = (await watch.refresh()).map((expiry) => expiry.name);
    expect(names).to.include.members(['ext-inter-root', 'ext-issuing-2-issuer-1', 'ext-inter']);
  });

  describe('refuses what does not fit, naming it (400), and keeps the request pending', () => {
    let otherRoot: string;
    before(async function () {
      this.timeout(20_000);
      otherRoot = await opensslRoot('otherroot', '/O=Elsewhere/CN=Elsewhere Root');
      await opensslRoot('strangerroot', '/CN=Stranger Root');
      await opensslRoot('plainroot', '/CN=Not A CA', ['basicConstraints=critical,CA:FALSE']);
      await opensslRoot('tightroot', '/CN=Tight Root', ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign']);
    });

    async function refusal(name: string, input: CaCertificateInput, pki = t.pki): Promise<string> {
      const error = await rejection(installCaCertificate(db().fork(), pki, name, input));
      expect(error).to.be.instanceOf(BadRequestError);
      expect(await getCaRequest(db().fork(), name)).to.include({ name });
      expect(await db().fork().count(CertificateAuthority, { name })).to.equal(0);
      return (error as Error).message;
    }

    it('a certificate for another key', async () => {
      await createCaRequest(db().fork(), t.pki, { name: 'wrong-key', subject: 'CN=Wrong Key' });
      const other = await opensslSign(await opensslRootCsr('stranger', '/CN=Wrong Key'), 'extroot');
      expect(await refusal('wrong-key', { certificate: other, chain: extRoot })).to.equal('certificate does not hold the key of CA request wrong-key');
    });

    it('a certificate that is not a CA certificate, or lacks a critical basicConstraints, keyUsage or path length', async () => {
      const leafy = await requestAndSign('not-ca', 'intermediate', 'extroot', ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature']);
      expect(await refusal('not-ca', { certificate: leafy, chain: extRoot })).to.include('is not a CA certificate');
      const soft = await requestAndSign('soft-ca', 'intermediate', 'extroot', ['basicConstraints = CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign']);
      expect(await refusal('soft-ca', { certificate: soft, chain: extRoot })).to.include('basicConstraints extension that is not critical');
      const noUsage = await requestAndSign('no-usage', 'intermediate', 'extroot', ['basicConstraints = critical, CA:TRUE']);
      expect(await refusal('no-usage', { certificate: noUsage, chain: extRoot })).to.include('lacks keyUsage keyCertSign and cRLSign');
      const noCrl = await requestAndSign('no-crl', 'intermediate', 'extroot', ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign']);
      expect(await refusal('no-crl', { certificate: noCrl, chain: extRoot })).to.include('lacks keyUsage keyCertSign and cRLSign');
      const short = await requestAndSign('short-path', 'intermediate', 'extroot', ['basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign']);
      expect(await refusal('short-path', { certificate: short, chain: extRoot })).to.include('pathLenConstraint 0; 1 CA certificate(s) must be allowed');
    });

    it('a chain whose CA does not allow the path, is not a CA, or lacks keyCertSign', async () => {
      const tight = await requestAndSign('tight', 'intermediate', 'tightroot');
      expect(await refusal('tight', { certificate: tight, chain: await readFile(files.path('tightroot.pem'), 'utf8') })).to.include('chain certificate 1 (CN=Tight Root) has pathLenConstraint 0; 2');
      const plain = await requestAndSign('plain', 'issuing', 'plainroot');
      expect(await refusal('plain', { certificate: plain, chain: await readFile(files.path('plainroot.pem'), 'utf8') })).to.include('chain certificate 1 (CN=Not A CA) is not a CA certificate');
      await opensslRoot('signonly', '/CN=Sign Only', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature']);
      const signOnly = await requestAndSign('sign-only', 'issuing', 'signonly');
      expect(await refusal('sign-only', { certificate: signOnly, chain: await readFile(files.path('signonly.pem'), 'utf8') })).to.include('chain certificate 1 (CN=Sign Only) lacks keyUsage keyCertSign');
    });

    it('a path that constrains names, in the chain or in the certificate: issuance here would escape them', async () => {
      const ncRoot = await opensslRoot('ncroot', '/CN=Constrained Root', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'nameConstraints=critical,permitted;DNS:corp.example']);
      const underNc = await requestAndSign('under-nc', 'issuing', 'ncroot');
      expect(await refusal('under-nc', { certificate: underNc, chain: ncRoot })).to.include('CN=Constrained Root has a nameConstraints extension');
      const constrained = await requestAndSign('constrained', 'issuing', 'extroot', [...CA_EXTENSIONS, 'nameConstraints = critical, permitted;DNS:corp.example']);
      expect(await refusal('constrained', { certificate: constrained, chain: extRoot })).to.include('CN=constrained, O=cryptoutil test has a nameConstraints extension');
    });

    it('a certificate that names another subject than the request asked for', async () => {
      const request = await createCaRequest(db().fork(), t.pki, { name: 'renamed', kind: 'issuing', subject: 'CN=Asked For,O=cryptoutil test' });
      const renamed = await opensslSign(request.csr, 'extroot', CA_EXTENSIONS, 1000, ['-subj', '/CN=Something Else']);
      expect(await refusal('renamed', { certificate: renamed, chain: extRoot })).to.equal('certificate names CN=Something Else; CA request renamed asked for CN=Asked For, O=cryptoutil test');
    });

    it('a path with a critical extension this service does not understand, in the certificate or the chain', async () => {
      const odd = await requestAndSign('odd-critical', 'issuing', 'extroot', [...CA_EXTENSIONS, '1.3.6.1.4.1.55555.1 = critical, ASN1:UTF8String:restricts-something']);
      expect(await refusal('odd-critical', { certificate: odd, chain: extRoot })).to.equal('CN=odd-critical, O=cryptoutil test has a critical extension 1.3.6.1.4.1.55555.1 that this service does not understand');
      const oddRoot = await opensslRoot('oddroot', '/CN=Odd Root', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', '1.3.6.1.4.1.55555.2=critical,ASN1:NULL']);
      const underOdd = await requestAndSign('under-odd', 'issuing', 'oddroot');
      expect(await refusal('under-odd', { certificate: underOdd, chain: oddRoot })).to.include('CN=Odd Root has a critical extension 1.3.6.1.4.1.55555.2');
      // The same extension, not critical, may be ignored (RFC 5280 §4.2).
      const mild = await requestAndSign('mild', 'issuing', 'extroot', [...CA_EXTENSIONS, '1.3.6.1.4.1.55555.1 = ASN1:UTF8String:informational']);
      expect(await installCaCertificate(db().fork(), t.pki, 'mild', { certificate: mild, chain: extRoot })).to.include({ name: 'mild' });
    });

    it('a chain that does not link, does not verify or does not end at a self-signed root', async () => {
      const certificate = await requestAndSign('bad-chain');
      expect(await refusal('bad-chain', { certificate, chain: await readFile(files.path('strangerroot.pem'), 'utf8') })).to.include('chain certificate 1 (CN=Stranger Root) is not the issuer of CN=bad-chain');
      // Same subject, another key: the names link, the signature does not.
      expect(await refusal('bad-chain', { certificate, chain: otherRoot })).to.include('does not verify with the key of chain certificate 1');
      const sub = await readFile(files.path('extsub.pem'), 'utf8');
      const underSub = await requestAndSign('no-root', 'issuing', 'extsub');
      expect(await refusal('no-root', { certificate: underSub, chain: sub })).to.include('the chain does not end at a self-signed root');
      expect(await refusal('no-root', { certificate: underSub, chain: sub.repeat(9) })).to.include('more than 8');
    });

    it('a certificate that is expired or not yet valid, by the service clock', async () => {
      const certificate = await requestAndSign('expired');
      const later = { ...t.pki, now: () => new Date(Date.now() + 1001 * DAY_MS) };
      expect(await refusal('expired', { certificate, chain: extRoot }, later)).to.include('is not valid now');
      const earlier = { ...t.pki, now: () => new Date(Date.now() - DAY_MS) };
      expect(await refusal('expired', { certificate, chain: extRoot }, earlier)).to.include('is not valid now');
    });

    it('text that holds no certificate, more than one, or one that does not parse', async () => {
      await createCaRequest(db().fork(), t.pki, { name: 'garbage', subject: 'CN=Garbage' });
      expect(await refusal('garbage', { certificate: 'hello', chain: extRoot })).to.equal('certificate holds no PEM certificate');
      expect(await refusal('garbage', { certificate: `${extRoot}${extRoot}`, chain: extRoot })).to.include('more than one certificate');
      expect(await refusal('garbage', { certificate: extRoot, chain: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' })).to.equal('chain: certificate 1 does not parse');
      expect(() => parsePemCertificates('', 'x')).to.throw(BadRequestError, 'x holds no PEM certificate');
    });
  });

  it('clamps what it issues under an imported CA to the earliest notAfter of the path, and openssl verifies it', async function () {
    this.timeout(20_000);
    // openssl lets the root certify a CA for longer than the root itself lasts.
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', files.path('shortroot.key'), '-subj', '/CN=Short Lived Root', '-days', '20',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', files.path('shortroot.pem')]);
    const root = await readFile(files.path('shortroot.pem'), 'utf8');
    const certificate = await requestAndSign('outlives', 'issuing', 'shortroot');
    expect(new x509.X509Certificate(certificate).notAfter.getTime()).to.be.greaterThan(new x509.X509Certificate(root).notAfter.getTime());
    await installCaCertificate(db().fork(), t.pki, 'outlives', { certificate, chain: root });
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path('short.key'), '-subj', '/CN=short.test', '-addext', 'subjectAltName=DNS:short.test', '-out', files.path('short.csr')]);
    const leaf = await enroll(db().fork(), t.pki, { csr: await readFile(files.path('short.csr'), 'utf8'), profile: 'tls-server', ca: 'outlives' });
    expect(leaf).to.include({ clamped: true });
    expect(new x509.X509Certificate(leaf.certificate).notAfter.getTime()).to.equal(new x509.X509Certificate(root).notAfter.getTime());
    await writeFile(files.path('short-leaf.pem'), leaf.certificate);
    await writeFile(files.path('short-untrusted.pem'), leaf.chain[0] ?? '');
    const { stdout } = await run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', files.path('shortroot.pem'), '-untrusted', files.path('short-untrusted.pem'), files.path('short-leaf.pem')]);
    expect(stdout).to.include(': OK');
  });

  it('installs exactly once when two installs race: one CA row, the other answer 404 or 409', async function () {
    this.timeout(20_000);
    const certificate = await requestAndSign('race');
    const results = await Promise.allSettled([0, 1].map(() => installCaCertificate(db().fork(), t.pki, 'race', { certificate, chain: extRoot })));
    expect(results.filter((result) => result.status === 'fulfilled')).to.have.length(1);
    const [failed] = results.filter((result) => result.status === 'rejected');
    expect(failed?.reason).to.satisfy((error: unknown) => error instanceof ConflictError || error instanceof NotFoundError);
    expect(await db().fork().count(CertificateAuthority, { name: 'race' })).to.equal(1);
    expect(await db().fork().count(CaRequest, { name: 'race' })).to.equal(0);
  });

  it('names an external key by its family and size', async () => {
    const cases: readonly (readonly [string, string])[] = [['rsa:2048', 'RSA-2048'], ['ed25519', 'Ed25519']];
    for (const [newkey, name] of cases) {
      await run('openssl', ['req', '-x509', '-newkey', newkey, '-nodes', '-keyout', files.path('k.key'), '-subj', '/CN=k', '-out', files.path('k.pem')]);
      expect(describeKey(new x509.X509Certificate(await readFile(files.path('k.pem'), 'utf8')).publicKey)).to.equal(name);
    }
    for (const [curve, name] of [['P-521', 'ES512'], ['P-256', 'ES256'], ['secp256k1', 'K-256']] as const) {
      await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-nodes', '-keyout', files.path('k.key'), '-subj', '/CN=k', '-out', files.path('k.pem')]);
      expect(describeKey(new x509.X509Certificate(await readFile(files.path('k.pem'), 'utf8')).publicKey)).to.equal(name);
    }
  });
});
