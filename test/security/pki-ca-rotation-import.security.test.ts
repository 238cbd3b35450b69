/**
 * pki-ca's rotation and external CA import, attacked as a hostile client and a careless operator,
 * on SQLite and PostgreSQL: tokens without `ca:admin` rotate and import nothing; an enrollment that
 * was signed while its CA was being rotated is never stored under the retiring CA; two rotations at
 * once leave one successor; a rotation cannot take a name already promised; an imported chain that
 * is name-constrained, loops, is too long, is for another key or is too big is refused and leaves
 * the request pending; ACME revokes only inside its directory's lineage; a retired CA signs no OCSP
 * answer or CRL; the trust bundle holds only the certificates of the CAs in use.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { Middleware } from 'koa';
import { pino } from 'pino';
import { ConflictError } from '../../services/template/errors/index.ts';
import { describeOnDatabases } from '../../services/template/testing/databases.ts';
import type { OperationContext } from '../../services/template/service.ts';
import type { RequestState } from '../../services/template/service.ts';
import { x509 } from '../../services/template/tls/x509.ts';
import { CaRequest, CertificateAuthority, entities, IssuedCertificate } from '../../services/pki-ca/entities.ts';
import { bootstrapHierarchy, createIssuingCa } from '../../services/pki-ca/hierarchy.ts';
import { loadRules } from '../../services/pki-ca/index.ts';
import { enroll } from '../../services/pki-ca/issue.ts';
import { migrations } from '../../services/pki-ca/migrations.ts';
import { acmeDeps, crlPublisher, crlSource, ocspAuthority } from '../../services/pki-ca/protocols.ts';
import { retireFinished, rotateCa } from '../../services/pki-ca/rotation.ts';
import { caHandlers } from '../../services/pki-ca/routes/cas.ts';
import { caBundleRoute } from '../../services/pki-ca/routes/public.ts';
import type { PkiRules } from '../../services/pki-ca/rules.ts';
import { startPkiCa, type PkiHarness } from '../../services/pki-ca/testing/harness.ts';
import { unsealedPki, type TestPki } from '../../services/pki-ca/testing/pki-context.ts';
import { tempFiles } from '../../services/pki-ca/testing/test-ca.ts';
import { generateCsrKeys, makeCsr } from '../../services/pki-ca/testing/test-csr.ts';

const run = promisify(execFile);
const DAY_MS = 86_400_000;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

async function csrPem(name: string): Promise<string> {
  return (await makeCsr(await generateCsrKeys('P-256'), { subject: `CN=${name}`, sans: [{ type: 'dns', value: name }] })).toString('pem');
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}

/** Holds `tls-server` plans while armed: the enrollment has its issuer and waits before signing. */
class PlanGate {
  #held: { readonly reached: () => void; readonly release: Promise<void> } | undefined;

  /** Arms the gate; answers when a plan reached it and the function that lets it through. */
  arm(): { readonly reached: Promise<void>; readonly open: () => void } {
    let reached = (): void => undefined;
    let open = (): void => undefined;
    const reachedPromise = new Promise<void>((resolve) => { reached = resolve; });
    const release = new Promise<void>((resolve) => { open = resolve; });
    this.#held = { reached, release };
    return { reached: reachedPromise, open };
  }

  /** The rules of `rules` whose catalog waits at the gate for `tls-server` plans. */
  wrap(rules: PkiRules): PkiRules {
    const { catalog } = rules;
    const gated: PkiRules['catalog'] = Object.create(catalog) as PkiRules['catalog'];
    gated.plan = async (...args: Parameters<PkiRules['catalog']['plan']>) => {
      const held = this.#held;
      if (args[0] === 'tls-server' && held !== undefined) {
        this.#held = undefined;
        held.reached();
        await held.release;
      }
      return await catalog.plan(...args);
    };
    return { ...rules, catalog: gated };
  }
}

interface CaRow { readonly name: string; readonly status: string; readonly successor: string | null; readonly certificate: string; readonly external: boolean }

describeOnDatabases('pki-ca rotation and import under attack', { entities, migrations, migrate: false }, (db, engine) => {
  // Nested, so the service stops before the suite drops its database.
  describe('over HTTPS', () => {
    let pki: PkiHarness;
    let files: Awaited<ReturnType<typeof tempFiles>>;
    const gate = new PlanGate();

    before(async function () {
      this.timeout(30_000);
      pki = await startPkiCa({ databaseUrl: engine.url(), rules: async (dir) => gate.wrap(await loadRules(dir)) });
      files = await tempFiles({});
    });
    after(async () => {
      await pki.close();
      await files.cleanup();
    });

    const cas = async (): Promise<CaRow[]> => ((await pki.api('GET', '/cas')).json as { items: CaRow[] }).items;

    it('a token without ca:admin rotates nothing, requests no CA and installs nothing (403), and nothing is stored', async () => {
      const untouched = await cas();
      const token = await pki.token(['ca:read', 'ca:issue', 'ca:revoke']);
      const rotate = await pki.api('POST', '/cas/default/rotate', { token, body: { name: 'stolen' } });
      expect(rotate.status, rotate.text).to.equal(403);
      const request = await pki.api('POST', '/ca-requests', { token, body: { name: 'sneaky', subject: 'CN=Sneaky' } });
      expect(request.status, request.text).to.equal(403);
      const install = await pki.api('POST', '/ca-requests/sneaky/certificate', { token, body: { certificate: 'x', chain: 'y' } });
      expect(install.status, install.text).to.equal(403);
      expect(await cas()).to.deep.equal(untouched);
      expect((await pki.api('GET', '/ca-requests')).json).to.deep.equal({ items: [] });
    });

    it('an enrollment whose CA is rotated after it chose the CA and before it stored is signed by the successor, never stored under the retiring CA', async () => {
      const em = db().fork();
      const old = await em.findOneOrFail(CertificateAuthority, { name: 'default' });
      const oldCount = await em.count(IssuedCertificate, { caId: old.id });
      const held = gate.arm();
      const enrollment = pki.api('POST', '/enrollments', { body: { csr: await csrPem('race.example.com'), profile: 'tls-server' } });
      await held.reached;
      const rotation = await pki.api('POST', '/cas/default/rotate');
      expect(rotation.status, rotation.text).to.equal(201);
      held.open();
      const answer = await enrollment;
      expect(answer.status, answer.text).to.equal(201);
      const result = answer.json as { serial: string; ca: string; certificate: string };
      expect(result.ca).to.equal('default-g2');
      expect(new x509.X509Certificate(result.certificate).issuer).to.include('Issuing CA default-g2');
      const later = db().fork();
      expect(await later.count(IssuedCertificate, { caId: old.id })).to.equal(oldCount);
      const row = await later.findOneOrFail(IssuedCertificate, { serialHex: result.serial });
      expect(row.caId).to.equal((await later.findOneOrFail(CertificateAuthority, { name: 'default-g2' })).id);
    });

    it('of two rotations of one CA at once under different names, one wins: one successor, the loser stores no CA', async () => {
      const [first, second] = await Promise.all([
        pki.api('POST', '/cas/default-g2/rotate', { body: { name: 'left' } }),
        pki.api('POST', '/cas/default-g2/rotate', { body: { name: 'right' } }),
      ]);
      expect([first.status, second.status].sort()).to.deep.equal([201, 409]);
      const winner = first.status === 201 ? 'left' : 'right';
      const loser = winner === 'left' ? 'right' : 'left';
      const rows = await cas();
      expect(rows.find((ca) => ca.name === 'default-g2')).to.include({ status: 'retiring', successor: winner });
      expect(rows.map((ca) => ca.name)).to.not.include(loser);
      expect(rows.filter((ca) => ca.status === 'active' && ['default', 'default-g2', winner].includes(ca.name)).map((ca) => ca.name)).to.deep.equal([winner]);
      // The name keeps leading to the one CA that issues now.
      const enrolled = await pki.api('POST', '/enrollments', { body: { csr: await csrPem('after.example.com'), profile: 'tls-server', ca: 'default' } });
      expect((enrolled.json as { ca: string }).ca).to.equal(winner);
    });

    it('a rotation cannot take a CA\'s name (no successor loop) nor a pending request\'s (409), and changes nothing', async () => {
      const current = (await cas()).find((ca) => ca.status === 'active' && ca.name !== 'root' && ca.name !== 'intermediate');
      const name = current?.name ?? '';
      expect((await pki.api('POST', '/ca-requests', { body: { name: 'promised', subject: 'CN=Promised' } })).status).to.equal(201);
      for (const taken of ['default', 'root', name, 'promised']) {
        const answer = await pki.api('POST', `/cas/${name}/rotate`, { body: { name: taken } });
        expect(answer.status, `${taken}: ${answer.text}`).to.equal(409);
      }
      expect((await cas()).find((ca) => ca.name === name)).to.include({ status: 'active', successor: null });
      expect((await pki.api('GET', '/ca-requests/promised')).status).to.equal(200);
    });

    it('no CA may be named <ca>-delta (400): its CRL URL would serve the delta CRL of <ca>, signed by another key', async () => {
      const current = (await cas()).find((ca) => ca.status === 'active' && !['root', 'intermediate'].includes(ca.name))?.name ?? '';
      const answers = [
        await pki.api('POST', `/cas/${current}/rotate`, { body: { name: `${current}-delta` } }),
        await pki.api('POST', '/cas', { body: { name: 'intermediate-delta' } }),
        await pki.api('POST', '/ca-requests', { body: { name: 'root-delta', subject: 'CN=Root Delta' } }),
      ];
      expect(answers.map((answer) => answer.status), answers.map((answer) => answer.text).join('\n')).to.deep.equal([400, 400, 400]);
      expect(answers.map((answer) => answer.text).join('')).to.include('may not end in -delta');
      expect((await cas()).map((ca) => ca.name).filter((name) => name.endsWith('-delta'))).to.deep.equal([]);
    });

    describe('an imported certificate and chain that are forged or hostile', () => {
      let csr: string;
      let casBefore: CaRow[];

      async function openssl(args: readonly string[]): Promise<void> {
        await run('openssl', [...args]);
      }

      /** A self-signed CA `<label>.pem`/`.key` with `extensions` (openssl -addext). */
      async function root(label: string, subject: string, extensions: readonly string[] = []): Promise<string> {
        await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path(`${label}.key`), '-subj', subject, '-days', '365',
          ...['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', ...extensions].flatMap((value) => ['-addext', value]), '-out', files.path(`${label}.pem`)]);
        return await readFile(files.path(`${label}.pem`), 'utf8');
      }

      /** `request` (a CSR's PEM) signed by the CA `issuer` as a CA certificate with `extra` extensions. */
      async function sign(request: string, issuer: string, extra: readonly string[] = []): Promise<string> {
        const label = randomBytes(6).toString('hex');
        await writeFile(files.path(`${label}.csr`), request);
        await writeFile(files.path(`${label}.ext`), `[v3]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n${extra.join('\n')}\n`);
        await openssl(['x509', '-req', '-in', files.path(`${label}.csr`), '-CA', files.path(`${issuer}.pem`), '-CAkey', files.path(`${issuer}.key`), '-set_serial', `0x${randomBytes(8).toString('hex')}`,
          '-days', '100', '-extfile', files.path(`${label}.ext`), '-extensions', 'v3', '-out', files.path(`${label}.pem`)]);
        return await readFile(files.path(`${label}.pem`), 'utf8');
      }

      /** A CSR with `subject` of the key `<label>.key`, made new unless `existing`. */
      async function newCsr(label: string, subject: string, existing = false): Promise<string> {
        const key = existing ? ['-key', files.path(`${label}.key`)] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path(`${label}.key`)];
        await openssl(['req', '-new', ...key, '-subj', subject, '-out', files.path(`${label}.csr`)]);
        return await readFile(files.path(`${label}.csr`), 'utf8');
      }

      async function refused(certificate: string, chain: string, detail: RegExp, status = 400): Promise<void> {
        const answer = await pki.api('POST', '/ca-requests/imported/certificate', { body: { certificate, chain } });
        expect(answer.status, answer.text).to.equal(status);
        expect(answer.text).to.match(detail);
      }

      before(async () => {
        const made = await pki.api('POST', '/ca-requests', { body: { name: 'imported', kind: 'issuing', subject: 'CN=Imported' } });
        expect(made.status, made.text).to.equal(201);
        csr = (made.json as { csr: string }).csr;
        casBefore = await cas();
      });

      after(async () => {
        // Every refusal left the request pending and stored no external row.
        expect((await pki.api('GET', '/ca-requests/imported')).status).to.equal(200);
        expect(await cas()).to.deep.equal(casBefore);
      });

      it('is refused when the path constrains names, since issuance would escape them', async () => {
        const constrainedRoot = await root('nc-root', '/CN=Constrained Root', ['nameConstraints=critical,permitted;DNS:corp.example']);
        await refused(await sign(csr, 'nc-root'), constrainedRoot, /nameConstraints/);
        const plainRoot = await root('plain-root', '/CN=Plain Root');
        await refused(await sign(csr, 'plain-root', ['nameConstraints = critical, permitted;DNS:corp.example']), plainRoot, /nameConstraints/);
      });

      it('is refused when the chain loops without a self-signed root, is longer than 8, or the certificate holds another key', async () => {
        // A and B sign each other's key: a chain that links and verifies but never reaches a root.
        await root('loop-a', '/CN=Loop A');
        const b = await sign(await newCsr('loop-b', '/CN=Loop B'), 'loop-a');
        await writeFile(files.path('loop-b.pem'), b);
        const a = await sign(await newCsr('loop-a', '/CN=Loop A', true), 'loop-b');
        const leaf = await sign(csr, 'loop-a');
        await refused(leaf, `${a}${b}`, /does not end at a self-signed root/);
        await refused(leaf, `${a}${b}`.repeat(4), /does not end at a self-signed root/);
        const plain = await readFile(files.path('plain-root.pem'), 'utf8');
        await refused(await sign(csr, 'plain-root'), plain.repeat(9), /more than 8/);
        await refused(await sign(await newCsr('other-key', '/CN=Imported'), 'plain-root'), plain, /does not hold the key/);
      });

      it('is refused when the chain is longer than the document allows (400), or the body than the service reads (413)', async () => {
        const plain = await readFile(files.path('plain-root.pem'), 'utf8');
        const long = await pki.api('POST', '/ca-requests/imported/certificate', { body: { certificate: plain, chain: plain.repeat(Math.ceil(262_145 / plain.length)) } });
        expect(long.status, long.text).to.equal(400);
        const huge = await pki.api('POST', '/ca-requests/imported/certificate', { body: { certificate: plain, chain: plain.repeat(Math.ceil(1_048_577 / plain.length)) } });
        expect(huge.status, huge.text).to.equal(413);
      });
    });

    it('the trust bundle holds the certificates of the CAs in use and nothing else; a CA named bundle does not shadow it', async () => {
      const active = (await cas()).filter((ca) => ca.status === 'active');
      const rotated = await pki.api('POST', `/cas/${active.find((ca) => !['root', 'intermediate'].includes(ca.name))?.name ?? ''}/rotate`, { body: { name: 'bundle' } });
      expect(rotated.status, rotated.text).to.equal(201);
      const bundle = await pki.open('GET', '/pki/v1/ca/bundle.pem');
      expect(bundle.status).to.equal(200);
      const blocks = [...bundle.text.matchAll(PEM_BLOCK)];
      expect(new Set(blocks.map((block) => block[1]))).to.deep.equal(new Set(['CERTIFICATE']));
      expect(bundle.text.replace(PEM_BLOCK, '').trim()).to.equal('');
      const inUse = (await cas()).filter((ca) => ca.status !== 'retired').map((ca) => new x509.X509Certificate(ca.certificate).toString('pem'));
      expect(blocks.map((block) => new x509.X509Certificate(block[0]).toString('pem')).sort()).to.deep.equal([...inUse].sort());
      const named = await pki.open('GET', '/pki/v1/ca/bundle.crt');
      expect(named.headers['content-type']).to.include('application/pkix-cert');
      expect(new x509.X509Certificate(named.bytes).subject).to.include('Issuing CA bundle');
    });

    describe('while sealed', () => {
      it('refuses to rotate, to request or install a CA and to enroll (503 problem), stores nothing', async () => {
        const made = await pki.api('POST', '/ca-requests', { body: { name: 'late', kind: 'issuing', subject: 'CN=Late' } });
        expect(made.status, made.text).to.equal(201);
        await writeFile(files.path('late.csr'), (made.json as { csr: string }).csr);
        await writeFile(files.path('late.ext'), '[v3]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n');
        await run('openssl', ['x509', '-req', '-in', files.path('late.csr'), '-CA', files.path('plain-root.pem'), '-CAkey', files.path('plain-root.key'), '-set_serial', '0x1234',
          '-days', '100', '-extfile', files.path('late.ext'), '-extensions', 'v3', '-out', files.path('late.pem')]);
        const install = { certificate: await readFile(files.path('late.pem'), 'utf8'), chain: await readFile(files.path('plain-root.pem'), 'utf8') };
        const current = (await cas()).find((ca) => ca.status === 'active' && !['root', 'intermediate'].includes(ca.name) && !ca.external)?.name ?? '';
        const stored = async (): Promise<string[]> => [
          ...(await db().fork().find(CertificateAuthority, {}, { orderBy: { name: 'asc' } })).map((ca) => `${ca.name}:${ca.status}`),
          ...(await db().fork().find(CaRequest, {}, { orderBy: { name: 'asc' } })).map((request) => `request ${request.name}`),
        ];
        const untouched = await stored();
        expect(untouched).to.include('request late');
        const { service } = pki.harness;
        expect((await pki.harness.call('POST', `${service.adminUrl}/admin/v1/seal`, { token: service.adminToken })).status).to.be.within(200, 204);

        const answers = [
          await pki.api('POST', `/cas/${current}/rotate`, { body: { name: 'sealed-rotation' } }),
          await pki.api('POST', '/ca-requests', { body: { name: 'sealed-request', subject: 'CN=Sealed' } }),
          await pki.api('POST', '/ca-requests/late/certificate', { body: install }),
          await pki.api('POST', '/enrollments', { body: { csr: await csrPem('sealed.example.com'), profile: 'tls-server', ca: current } }),
        ];
        expect(answers.map((answer) => answer.status), answers.map((answer) => answer.text).join('\n')).to.deep.equal([503, 503, 503, 503]);
        expect(answers.map((answer) => answer.headers['content-type'])).to.satisfy((types: string[]) => types.every((type) => type.includes('application/problem+json')));
        expect(await stored()).to.deep.equal(untouched);
        // The public routes sit behind the same gate: a sealed service publishes no (partial) bundle.
        const bundle = await pki.open('GET', '/pki/v1/ca/bundle.pem');
        expect(bundle.status, bundle.text).to.equal(503);
        expect(bundle.text).to.not.include('BEGIN CERTIFICATE');
      });
    });
  });
});

describeOnDatabases('pki-ca lineages and retired CAs under attack', { entities, migrations }, (db) => {
  let t: TestPki;
  const fork = (): ReturnType<ReturnType<typeof db>['fork']> => db().fork();
  const issue = async (ca: string, name: string): Promise<string> => (await enroll(fork(), t.pki, { csr: await csrPem(name), profile: 'tls-server', ca })).serial;

  before(async function () {
    this.timeout(20_000);
    t = await unsealedPki({}, await loadRules(''));
    await bootstrapHierarchy(fork, t.pki);
    await createIssuingCa(fork(), t.pki, { name: 'other' });
  });

  it('ACME revokes and finds only certificates of its directory\'s CA and the CAs it was rotated to', async () => {
    const acme = acmeDeps(fork, t.pki);
    const fromDefault = await issue('default', 'a.example.com');
    const fromOther = await issue('other', 'o.example.com');
    await rotateCa(fork(), t.pki, 'default');
    const fromSuccessor = await issue('default', 'b.example.com');

    expect(await acme.revoke('other', fromDefault, 'keyCompromise')).to.equal('unknown');
    expect(await acme.revoke('default-g2', fromDefault, 'keyCompromise')).to.equal('unknown');
    expect(await acme.revoke('default', fromOther, 'keyCompromise')).to.equal('unknown');
    expect(await acme.certificateBySerial?.('other', fromDefault)).to.equal(undefined);
    expect(await acme.certificateBySerial?.('default-g2', fromDefault)).to.equal(undefined);
    const statuses = async (): Promise<string[]> => (await fork().find(IssuedCertificate, { serialHex: { $in: [fromDefault, fromOther] } }, { orderBy: { serialHex: 'asc' } })).map((row) => row.status);
    expect(await statuses()).to.deep.equal(['good', 'good']);

    expect(await acme.revoke('default', fromSuccessor, 'superseded')).to.equal('revoked');
    expect(await acme.revoke('default', fromDefault, 'superseded')).to.equal('revoked');
  });

  it('a retired CA answers no OCSP, publishes no CRL and leaves the bundle', async () => {
    const lastLeaf = await fork().findOne(IssuedCertificate, { caId: (await fork().findOneOrFail(CertificateAuthority, { name: 'default' })).id, profile: 'tls-server' }, { orderBy: { notAfter: 'desc' } });
    t.advance((lastLeaf?.notAfter.getTime() ?? 0) - t.pki.now().getTime() + DAY_MS);
    expect(await retireFinished(fork(), t.pki.now())).to.include('default');

    expect(await ocspAuthority(fork, t.pki)('default')).to.equal(undefined);
    expect(await crlSource(fork, t.pki).caNames()).to.not.include('default');
    const crls = crlPublisher(fork, t.pki, pino({ level: 'silent' }));
    const ctx = { state: { em: fork(), params: { name: 'default' } } } as unknown as OperationContext;
    const error = await rejection(Promise.resolve(caHandlers(t.pki, crls).regenerateCrl?.(ctx)));
    expect(error).to.be.instanceOf(ConflictError);
    expect((error as Error).message).to.include('retired');
    await crls.stop();

    const bundleCtx = { path: '/pki/v1/ca/bundle.pem', method: 'GET', state: { em: fork() }, type: '', body: undefined as unknown, set: (): void => undefined };
    const route: Middleware<RequestState> = caBundleRoute();
    await route(bundleCtx as never, () => Promise.resolve());
    const pemOf = async (name: string): Promise<string> => new x509.X509Certificate((await fork().findOneOrFail(CertificateAuthority, { name })).certificate).toString('pem');
    expect(String(bundleCtx.body)).to.include(await pemOf('default-g2')).and.not.include(await pemOf('default'));
  });
});
