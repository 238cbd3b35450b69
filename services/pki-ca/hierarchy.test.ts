import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BarrierIntegrityError } from '../template/barrier/index.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { x509 } from '../template/tls/x509.ts';
import { CertificateAuthority, entities, IssuedCertificate } from './entities.ts';
import { bootstrapHierarchy, caChainPem, createCa, createIssuingCa, getCa, listCas } from './hierarchy.ts';
import { caAad, SignerCache } from './keys.ts';
import { migrations } from './migrations.ts';
import { fakeCatalog, fakeLint } from './testing/fake-rules.ts';
import { unsealedPki, type TestPki } from './testing/pki-context.ts';
import { tempFiles } from './testing/test-ca.ts';

const run = promisify(execFile);

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}

describeOnDatabases('pki-ca hierarchy', { entities, migrations }, (db) => {
  let t: TestPki;
  before(async function () {
    this.timeout(20_000);
    t = await unsealedPki();
    await bootstrapHierarchy(() => db().fork(), t.pki);
  });

  it('bootstraps root, intermediate and default, each signed by its parent, and openssl verifies the chain', async () => {
    const cas = await listCas(db().fork());
    expect(cas.map((ca) => [ca.name, ca.kind, ca.parent, ca.status, ca.keyAlgorithm])).to.deep.equal([
      ['root', 'root', null, 'active', 'ES256'],
      ['intermediate', 'intermediate', 'root', 'active', 'ES256'],
      ['default', 'issuing', 'intermediate', 'active', 'ES256'],
    ]);
    const [root, intermediate, issuing] = cas.map((ca) => new x509.X509Certificate(ca.certificate));
    expect(root?.subject).to.equal('CN=Root CA, O=cryptoutil test');
    expect(await root?.isSelfSigned()).to.equal(true);
    expect(intermediate?.issuer).to.equal(root?.subject);
    expect(issuing?.issuer).to.equal(intermediate?.subject);
    expect(cas[0]?.fingerprintSha256).to.match(/^[0-9a-f]{64}$/);
    // The root names no issuer URLs; the others name their parent's.
    expect(root?.getExtension('1.3.6.1.5.5.7.1.1')).to.equal(null);
    const aia = issuing?.getExtension(x509.AuthorityInfoAccessExtension);
    expect(aia?.caIssuers.map((name) => name.value)).to.deep.equal(['https://pki.test:8380/pki/v1/ca/intermediate.crt']);
    expect(issuing?.getExtension(x509.BasicConstraintsExtension)).to.include({ ca: true, pathLength: 0 });
    const files = await tempFiles({ 'root.pem': cas[0]?.certificate ?? '', 'issuing.pem': cas[2]?.certificate ?? '', 'intermediate.pem': cas[1]?.certificate ?? '' });
    try {
      const { stdout } = await run('openssl', ['verify', '-x509_strict', '-CAfile', files.path('root.pem'), '-untrusted', files.path('intermediate.pem'), files.path('issuing.pem')]);
      expect(stdout).to.include(': OK');
    } finally {
      await files.cleanup();
    }
    // Every CA certificate is also a stored certificate of its parent (the root's of itself).
    const rows = await db().fork().find(CertificateAuthority, {});
    const stored = await db().fork().find(IssuedCertificate, { caId: { $in: rows.map((row) => row.id) } });
    expect(stored.map((row) => row.profile).sort()).to.deep.equal(['intermediate-ca', 'issuing-ca', 'root-ca']);
  });

  it('seals each CA key under its own row: another row id does not open it, and no PKCS#8 is in clear', async () => {
    const row = await db().fork().findOneOrFail(CertificateAuthority, { name: 'default' });
    expect(await rejection(t.barrier.decrypt(row.sealedPrivateKey, caAad('01900000-0000-7000-8000-000000000000')))).to.be.instanceOf(BarrierIntegrityError);
    const clear = await t.barrier.decrypt(row.sealedPrivateKey, caAad(row.id));
    expect(Buffer.from(row.sealedPrivateKey).includes(Buffer.from(clear))).to.equal(false);
  });

  it('is idempotent and safe when two processes bootstrap at once', async () => {
    const other = { ...t.pki, signers: new SignerCache(t.barrier) };
    await Promise.all([bootstrapHierarchy(() => db().fork(), t.pki), bootstrapHierarchy(() => db().fork(), other)]);
    expect(await db().fork().count(CertificateAuthority, {})).to.equal(3);
  });

  it('creates an issuing CA under the intermediate, clamped to its parent, and lists its chain', async () => {
    const view = await createIssuingCa(db().fork(), t.pki, { name: 'long', keyAlgorithm: 'Ed25519', validityDays: 3000 });
    expect(view).to.include({ name: 'long', kind: 'issuing', parent: 'intermediate', keyAlgorithm: 'Ed25519', subject: 'CN=Issuing CA long, O=cryptoutil test' });
    const parent = await getCa(db().fork(), 'intermediate');
    expect(view.notAfter).to.equal(parent.notAfter);
    const chain = await caChainPem(db().fork(), 'long');
    expect(chain).to.have.length(3);
    expect(chain[1]).to.equal(parent.certificate);
  });

  it('refuses a taken name (409), an unknown parent (404), a parent of the wrong kind and a bad subject (400)', async () => {
    expect(await rejection(createIssuingCa(db().fork(), t.pki, { name: 'default' }))).to.be.instanceOf(ConflictError);
    expect(await rejection(createIssuingCa(db().fork(), t.pki, { name: 'x1', parent: 'nope' }))).to.be.instanceOf(NotFoundError);
    expect(await rejection(createIssuingCa(db().fork(), t.pki, { name: 'x2', parent: 'root' }))).to.be.instanceOf(BadRequestError);
    expect(await rejection(createIssuingCa(db().fork(), t.pki, { name: 'x3', subject: 'not a name' }))).to.be.instanceOf(BadRequestError);
    expect(await rejection(createCa(db().fork(), t.pki, { name: 'x4', kind: 'issuing', keyAlgorithm: 'ES256', subject: 'CN=x4', validityDays: 1 }))).to.be.instanceOf(BadRequestError);
    expect(await rejection(createCa(db().fork(), t.pki, { name: 'x4', kind: 'intermediate', keyAlgorithm: 'ES256', subject: 'FOO=bar', validityDays: 1 }))).to.be.instanceOf(BadRequestError);
    expect(await db().fork().count(CertificateAuthority, { name: { $in: ['x1', 'x2', 'x3', 'x4'] } })).to.equal(0);
  });

  it('refuses a CA whose profile makes no CA certificate, and one the lint refuses, storing nothing', async () => {
    const catalog = fakeCatalog();
    const leafy = { ...catalog, plan: (_name: string, request: Parameters<typeof catalog.plan>[1]) => catalog.plan('tls-server', request) };
    const noCa = await unsealedPki({}, { catalog: leafy, lint: fakeLint() });
    const linted = await unsealedPki({}, { catalog, lint: fakeLint([{ rule: 'e_test', level: 'error', detail: 'broken' }, { rule: 'w_test', level: 'warn', detail: 'meh' }]) });
    for (const pki of [noCa.pki, linted.pki]) {
      const error = await rejection(createCa(db().fork(), pki, { name: 'refused-root', kind: 'root', keyAlgorithm: 'ES256', subject: 'CN=r', validityDays: 10 }));
      expect(error).to.be.instanceOf(BadRequestError);
    }
    expect((await rejection(createCa(db().fork(), linted.pki, { name: 'refused-root', kind: 'root', keyAlgorithm: 'ES256', subject: 'CN=r', validityDays: 10 })) as Error).message).to.include('e_test: broken').and.not.include('w_test');
    expect(await db().fork().count(CertificateAuthority, { name: 'refused-root' })).to.equal(0);
  });

  it('refuses a parent that is not active (409)', async () => {
    await createIssuingCa(db().fork(), t.pki, { name: 'retire-me' });
    const em = db().fork();
    await em.nativeUpdate(CertificateAuthority, { name: 'intermediate' }, { status: 'retiring' });
    try {
      expect(await rejection(createIssuingCa(db().fork(), t.pki, { name: 'under-retiring' }))).to.be.instanceOf(ConflictError);
    } finally {
      await em.nativeUpdate(CertificateAuthority, { name: 'intermediate' }, { status: 'active' });
    }
  });
});
