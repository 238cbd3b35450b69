import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createPostgresDatabase, type Scratch } from '../../template/testing/databases.ts';
import { loadRules } from '../index.ts';
import { startPkiCa, type PkiHarness } from '../testing/harness.ts';
import { tempFiles } from '../testing/test-ca.ts';

const run = promisify(execFile);

interface CaRequestBody { name: string; kind: string; keyAlgorithm: string; subject: string; csr?: string; createdAt: string }
interface CaBody { name: string; kind: string; parent: string | null; external: boolean; certificate: string }

/** Each engine: a scratch database (PostgreSQL) or none (the harness's SQLite file). */
const ENGINES: readonly { readonly title: string; readonly database: () => Promise<Scratch | undefined> }[] = [
  { title: 'SQLite', database: () => Promise.resolve(undefined) },
  { title: 'PostgreSQL', database: createPostgresDatabase },
];

for (const engine of ENGINES) {
  describe(`pki-ca /ca-requests over HTTPS, a service whose root is external, on ${engine.title}`, function () {
    this.timeout(25_000);
    let pki: PkiHarness;
    let scratch: Scratch | undefined;
    let files: Awaited<ReturnType<typeof tempFiles>>;

    before(async () => {
      scratch = await engine.database();
      // No bootstrap: the service's only root is the one signed elsewhere.
      pki = await startPkiCa({ rules: loadRules, pki: { bootstrap: false }, ...(scratch === undefined ? {} : { databaseUrl: scratch.url }) });
      files = await tempFiles({});
      await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path('extroot.key'), '-subj', '/O=Example/CN=Example Root',
        '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', files.path('extroot.pem')]);
      await writeFile(files.path('v3.ext'), '[v3]\nbasicConstraints = critical, CA:TRUE, pathlen:1\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n');
    });
    after(async () => {
      await pki.close();
      await files.cleanup();
      await scratch?.drop();
    });

    it('creates a request (201) with a CSR, lists it without the CSR, reads it, and refuses a taken name (409)', async () => {
      const created = await pki.api('POST', '/ca-requests', { body: { name: 'corp', subject: 'CN=Corp Intermediate,O=Example', keyAlgorithm: 'ES384' } });
      expect(created.status, created.text).to.equal(201);
      const body = created.json as CaRequestBody;
      expect(body).to.include({ name: 'corp', kind: 'intermediate', keyAlgorithm: 'ES384', subject: 'CN=Corp Intermediate, O=Example' });
      expect(body.csr).to.match(/^-----BEGIN CERTIFICATE REQUEST-----/);
      const listed = await pki.api('GET', '/ca-requests', { token: await pki.token(['ca:read']) });
      expect((listed.json as { items: CaRequestBody[] }).items).to.deep.equal([{ name: 'corp', kind: 'intermediate', keyAlgorithm: 'ES384', subject: body.subject, createdAt: body.createdAt }]);
      expect((await pki.api('GET', '/ca-requests/corp')).json).to.deep.equal(body);
      expect((await pki.api('GET', '/ca-requests/nope')).status).to.equal(404);
      const taken = await pki.api('POST', '/ca-requests', { body: { name: 'corp', subject: 'CN=Again' } });
      expect(taken.status).to.equal(409);
      expect(taken.headers['content-type']).to.include('application/problem+json');
    });

    it('needs ca:admin to create or install, and refuses a malformed body (400)', async () => {
      const reader = await pki.token(['ca:read']);
      expect((await pki.api('POST', '/ca-requests', { token: reader, body: { name: 'r', subject: 'CN=r' } })).status).to.equal(403);
      expect((await pki.api('POST', '/ca-requests/corp/certificate', { token: reader, body: { certificate: 'x', chain: 'x' } })).status).to.equal(403);
      expect((await pki.api('POST', '/ca-requests', { body: { name: 'r', kind: 'root', subject: 'CN=r' } })).status).to.equal(400);
      expect((await pki.api('POST', '/ca-requests', { body: { name: 'x'.repeat(51), subject: 'CN=r' } })).status).to.equal(400);
      expect((await pki.api('POST', '/ca-requests', { body: { name: 'r' } })).status).to.equal(400);
    });

    it('installs the certificate openssl signed: the external root is `root`, an issuing CA and a leaf follow and verify', async () => {
      const csr = ((await pki.api('GET', '/ca-requests/corp')).json as CaRequestBody).csr ?? '';
      await writeFile(files.path('corp.csr'), csr);
      await run('openssl', ['x509', '-req', '-in', files.path('corp.csr'), '-CA', files.path('extroot.pem'), '-CAkey', files.path('extroot.key'), '-set_serial', '0x4a01',
        '-days', '1000', '-extfile', files.path('v3.ext'), '-extensions', 'v3', '-out', files.path('corp.pem')]);
      const certificate = await readFile(files.path('corp.pem'), 'utf8');
      const chain = await readFile(files.path('extroot.pem'), 'utf8');
      const refused = await pki.api('POST', '/ca-requests/corp/certificate', { body: { certificate: chain, chain } });
      expect(refused.status).to.equal(400);
      expect((refused.json as { detail: string }).detail).to.equal('certificate does not hold the key of CA request corp');

      const installed = await pki.api('POST', '/ca-requests/corp/certificate', { body: { certificate, chain } });
      expect(installed.status, installed.text).to.equal(200);
      expect(installed.json).to.include({ name: 'corp', kind: 'intermediate', parent: 'root', external: false });
      expect((await pki.api('POST', '/ca-requests/corp/certificate', { body: { certificate, chain } })).status).to.equal(404);
      const cas = (await pki.api('GET', '/cas')).json as { items: CaBody[] };
      expect(cas.items.map((ca) => [ca.name, ca.kind, ca.parent, ca.external])).to.have.deep.members([['root', 'root', null, true], ['corp', 'intermediate', 'root', false]]);
      expect((await pki.api('GET', '/ca-requests')).json).to.deep.equal({ items: [] });

      // The external root signs nothing here: not a CA under it, not its CRL.
      expect((await pki.api('POST', '/cas', { body: { name: 'under-root', parent: 'root' } })).status).to.equal(400);
      const crl = await pki.api('POST', '/cas/root/crl');
      expect(crl.status).to.equal(409);
      expect((crl.json as { detail: string }).detail).to.equal('CA root is held outside this service; its key is not here');
      expect((await pki.open('GET', '/pki/v1/crl/root.crl')).status).to.equal(404);
      expect((await pki.open('GET', '/pki/v1/crl/corp.crl')).status).to.equal(200);

      const issuing = await pki.api('POST', '/cas', { body: { name: 'corp-issuing', parent: 'corp' } });
      expect(issuing.status, issuing.text).to.equal(201);
      await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path('web.key'), '-subj', '/CN=web.test', '-addext', 'subjectAltName=DNS:web.test', '-out', files.path('web.csr')]);
      const enrolled = await pki.api('POST', '/enrollments', { body: { csr: await readFile(files.path('web.csr'), 'utf8'), profile: 'tls-server', ca: 'corp-issuing' } });
      expect(enrolled.status, enrolled.text).to.equal(201);
      const leaf = enrolled.json as { certificate: string; chain: string[] };
      await writeFile(files.path('web.pem'), leaf.certificate);
      await writeFile(files.path('untrusted.pem'), leaf.chain.slice(0, 2).join(''));
      const { stdout } = await run('openssl', ['verify', '-x509_strict', '-CAfile', files.path('extroot.pem'), '-untrusted', files.path('untrusted.pem'), files.path('web.pem')]);
      expect(stdout).to.include(': OK');
    });
  });
}

describe('pki-ca POST /ca-requests while sealed', function () {
  this.timeout(20_000);
  let pki: PkiHarness;
  before(async () => { pki = await startPkiCa({ sealed: true }); });
  after(async () => { await pki.close(); });

  it('answers 503 and stores nothing', async () => {
    const answer = await pki.api('POST', '/ca-requests', { body: { name: 'sealed', subject: 'CN=Sealed' } });
    expect(answer.status).to.equal(503);
    expect(answer.headers['content-type']).to.include('application/problem+json');
  });
});
