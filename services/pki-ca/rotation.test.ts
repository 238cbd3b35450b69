import { expect } from 'chai';
import type { Logger } from 'pino';
import type { PkiContext } from './context.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { uuidv7 } from '../template/database/index.ts';
import { x509 } from '../template/tls/x509.ts';
import { BarrierSealedError } from '../template/barrier/contract.ts';
import { delegatedSigner } from './delegated.ts';
import { CertificateAuthority, entities, IssuedCertificate } from './entities.ts';
import { bootstrapHierarchy, createIssuingCa, getCa } from './hierarchy.ts';
import { enroll } from './issue.ts';
import { migrations } from './migrations.ts';
import { acmeDeps, crlPublisher, estDeps, tsaAuthority } from './protocols.ts';
import { caHandlers } from './routes/cas.ts';
import type { OperationContext } from '../template/service.ts';
import { pino } from 'pino';
import { nextGenerationName, retireFinished, RetirementSweep, rotateCa, successorSubject } from './rotation.ts';
import { currentCa, lineage } from './signers.ts';
import { unsealedPki, type TestPki } from './testing/pki-context.ts';
import { generateCsrKeys, makeCsr } from './testing/test-csr.ts';

const DAY_MS = 86_400_000;

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}

async function csrPem(name: string): Promise<string> {
  return (await makeCsr(await generateCsrKeys('P-256'), { subject: `CN=${name}`, sans: [{ type: 'dns', value: name }] })).toString('pem');
}

describe('pki-ca rotation names', () => {
  it('counts generations from -g2, and refuses a name that would grow past 63 characters', () => {
    expect(nextGenerationName('default')).to.equal('default-g2');
    expect(nextGenerationName('default-g2')).to.equal('default-g3');
    expect(nextGenerationName('web-g9')).to.equal('web-g10');
    expect(nextGenerationName('a-gx')).to.equal('a-gx-g2');
    expect(nextGenerationName('x'.repeat(60))).to.equal(`${'x'.repeat(60)}-g2`);
    expect(() => nextGenerationName('x'.repeat(61))).to.throw(BadRequestError, 'longer than 63');
  });

  it('replaces the leading CN of the old subject, escaped commas included, or puts one first', () => {
    expect(successorSubject('CN=Issuing CA default, O=Example', 'default-g2')).to.equal('CN=Issuing CA default-g2, O=Example');
    expect(successorSubject('CN=A\\, B, O=Example', 'n')).to.equal('CN=Issuing CA n, O=Example');
    expect(successorSubject('O=Example', 'n')).to.equal('CN=Issuing CA n, O=Example');
  });
});

describeOnDatabases('pki-ca rotation', { entities, migrations }, (db) => {
  let t: TestPki;
  before(async function () {
    this.timeout(20_000);
    t = await unsealedPki();
    await bootstrapHierarchy(() => db().fork(), t.pki);
  });

  it('moves issuance to a new issuing CA under the same parent; the old one is retiring and names it', async () => {
    const before = await enroll(db().fork(), t.pki, { csr: await csrPem('before.test'), profile: 'tls-server' });
    expect(before.ca).to.equal('default');
    const { retiring, active } = await rotateCa(db().fork(), t.pki, 'default');
    expect(retiring).to.include({ name: 'default', status: 'retiring', successor: 'default-g2' });
    expect(active).to.include({ name: 'default-g2', kind: 'issuing', parent: 'intermediate', status: 'active', successor: null, keyAlgorithm: 'ES256', subject: 'CN=Issuing CA default-g2, O=cryptoutil test' });
    expect(await getCa(db().fork(), 'default')).to.include({ status: 'retiring', successor: 'default-g2' });
    // Enrollment naming the old CA (or none) is signed by the new one, with the new chain.
    const after = await enroll(db().fork(), t.pki, { csr: await csrPem('after.test'), profile: 'tls-server' });
    expect(after.ca).to.equal('default-g2');
    const leaf = new x509.X509Certificate(after.certificate);
    const issuer = new x509.X509Certificate(active.certificate);
    expect(leaf.issuer).to.equal(issuer.subject);
    expect(await leaf.verify({ publicKey: issuer.publicKey, signatureOnly: true })).to.equal(true);
    expect(after.chain[0]).to.equal(active.certificate);
    const stored = await db().fork().findOneOrFail(IssuedCertificate, { serialHex: after.serial });
    expect(stored.caId).to.equal(active.id);
    // The old CA keeps its certificate rows; the new one has its own key.
    expect((await db().fork().findOneOrFail(IssuedCertificate, { serialHex: before.serial })).caId).to.equal(retiring.id);
    expect(Buffer.from(issuer.publicKey.rawData).equals(Buffer.from(new x509.X509Certificate(retiring.certificate).publicKey.rawData))).to.equal(false);
  });

  it('follows several rotations, and refuses to rotate a CA that already was (409 naming its successor)', async () => {
    const error = await rejection(rotateCa(db().fork(), t.pki, 'default'));
    expect(error).to.be.instanceOf(ConflictError);
    expect((error as Error).message).to.include('rotated to default-g2');
    await rotateCa(db().fork(), t.pki, 'default-g2', { name: 'third', keyAlgorithm: 'Ed25519', subject: 'CN=Third, O=Elsewhere', validityDays: 10 });
    expect((await lineage(db().fork(), 'default')).map((ca) => ca.name)).to.deep.equal(['default', 'default-g2', 'third']);
    expect((await currentCa(db().fork(), 'default-g2')).name).to.equal('third');
    const third = await getCa(db().fork(), 'third');
    expect(third).to.include({ keyAlgorithm: 'Ed25519', subject: 'CN=Third, O=Elsewhere' });
    expect(new Date(third.notAfter).getTime() - new Date(third.notBefore).getTime()).to.be.within(10 * DAY_MS, 10 * DAY_MS + 120_000);
    expect((await enroll(db().fork(), t.pki, { csr: await csrPem('third.test'), profile: 'tls-server', ca: 'default' })).ca).to.equal('third');
  });

  it('of two rotations at once, exactly one succeeds and the other stores nothing', async () => {
    const results = await Promise.allSettled([
      rotateCa(db().fork(), t.pki, 'third', { name: 'race-a' }),
      rotateCa(db().fork(), t.pki, 'third', { name: 'race-b' }),
    ]);
    const won = results.flatMap((result) => result.status === 'fulfilled' ? [result.value] : []);
    const lost = results.flatMap((result): unknown[] => result.status === 'rejected' ? [result.reason] : []);
    expect(won).to.have.length(1);
    expect(lost).to.have.length(1);
    expect(lost[0]).to.be.instanceOf(ConflictError);
    expect(await db().fork().count(CertificateAuthority, { name: { $in: ['race-a', 'race-b'] } })).to.equal(1);
    const winner = won[0]?.active.name;
    expect((await currentCa(db().fork(), 'default')).name).to.equal(winner);
    // Rotating again names the new CA by generation; a taken name is 409 and changes nothing.
    await db().fork().nativeUpdate(CertificateAuthority, { name: winner }, { name: 'gen' });
    expect((await rotateCa(db().fork(), t.pki, 'gen')).active.name).to.equal('gen-g2');
    expect(await rejection(rotateCa(db().fork(), t.pki, 'gen-g2', { name: 'default' }))).to.be.instanceOf(ConflictError);
    expect(await getCa(db().fork(), 'gen-g2')).to.include({ status: 'active', successor: null });
  });

  it('refuses to rotate a root or intermediate (400), an unknown CA (404), and anything while sealed', async () => {
    expect(await rejection(rotateCa(db().fork(), t.pki, 'root'))).to.be.instanceOf(BadRequestError);
    expect(await rejection(rotateCa(db().fork(), t.pki, 'intermediate'))).to.be.instanceOf(BadRequestError);
    expect(await rejection(rotateCa(db().fork(), t.pki, 'nope'))).to.be.instanceOf(NotFoundError);
    const sealed = await unsealedPki();
    sealed.barrier.seal();
    expect(await rejection(rotateCa(db().fork(), sealed.pki, 'gen-g2'))).to.be.instanceOf(BarrierSealedError);
    const retired = await db().fork().findOneOrFail(CertificateAuthority, { name: 'gen-g2' });
    await db().fork().nativeUpdate(CertificateAuthority, { id: retired.id }, { status: 'retired' });
    try {
      expect((await rejection(rotateCa(db().fork(), t.pki, 'gen-g2')) as Error).message).to.equal('CA gen-g2 is retired');
    } finally {
      await db().fork().nativeUpdate(CertificateAuthority, { id: retired.id }, { status: 'active' });
    }
  });

  it('retires a retiring CA once its last certificate has expired, whatever its own OCSP signer still holds', async () => {
    const em = db().fork();
    const old = await em.findOneOrFail(CertificateAuthority, { name: 'default' });
    // The old CA's OCSP responder certificate outlives its leaves; it does not keep the CA alive.
    await delegatedSigner(db().fork(), t.pki, 'default', 'ocsp');
    const lastLeaf = await em.findOne(IssuedCertificate, { caId: old.id, profile: 'tls-server' }, { orderBy: { notAfter: 'desc' } });
    const lastLeafEnd = lastLeaf?.notAfter.getTime() ?? 0;
    expect(await retireFinished(db().fork(), new Date(lastLeafEnd - 1000))).to.not.include('default');
    expect(await retireFinished(db().fork(), new Date(lastLeafEnd + 1000))).to.include('default');
    expect(await getCa(db().fork(), 'default')).to.include({ status: 'retired', successor: 'default-g2' });
    // A retired CA publishes no more CRLs (409), while the CA issuing now still does.
    const crls = crlPublisher(() => db().fork(), t.pki, pino({ level: 'silent' }));
    const regenerate = (name: string): Promise<unknown> => Promise.resolve(caHandlers(t.pki, crls).regenerateCrl?.({ state: { em: db().fork(), params: { name } }, body: undefined } as unknown as OperationContext));
    try {
      expect((await rejection(regenerate('default')) as Error).message).to.equal('CA default is retired: every certificate it issued has expired, and it publishes no more CRLs');
      expect(await rejection(regenerate((await currentCa(db().fork(), 'default')).name))).to.equal(undefined);
    } finally {
      await crls.stop();
    }
    // A second sweep (another replica) finds nothing left to do.
    expect(await retireFinished(db().fork(), new Date(lastLeafEnd + 1000))).to.not.include('default');
    // The name still leads to the CA issuing now.
    expect((await currentCa(db().fork(), 'default')).status).to.equal('active');
  });

  it('refuses to follow successors that loop (a hand-edited table) instead of looping forever', async () => {
    const em = db().fork();
    await rotateCa(db().fork(), t.pki, 'gen-g2', { name: 'loop' });
    const child = await em.findOneOrFail(CertificateAuthority, { name: 'loop' });
    const parent = await em.findOneOrFail(CertificateAuthority, { name: 'gen-g2' });
    await em.nativeUpdate(CertificateAuthority, { id: child.id }, { successorId: parent.id });
    try {
      expect((await rejection(lineage(db().fork(), 'gen-g2')) as Error).message).to.equal('the successors of CA gen-g2 loop back to an earlier one');
    } finally {
      await em.nativeUpdate(CertificateAuthority, { id: child.id }, { successorId: null });
    }
  });

  it('points EST, ACME and time-stamps that name the old CA at the current one', async () => {
    const current = await currentCa(db().fork(), 'default');
    const chain = await estDeps(() => db().fork(), t.pki, () => Promise.reject(new Error('no tokens here'))).chain('default');
    expect(chain?.[0]?.subject).to.equal(new x509.X509Certificate(current.certificate).subject);
    expect(await estDeps(() => db().fork(), t.pki, () => Promise.reject(new Error('no tokens here'))).chain('missing')).to.equal(undefined);
    const tsa = await tsaAuthority(() => db().fork(), t.pki)();
    expect(tsa.signer.chain[0]?.subject).to.equal(new x509.X509Certificate(current.certificate).subject);
    // ACME: a certificate issued through `default` after rotations is known to and revocable through `default`.
    const acme = acmeDeps(() => db().fork(), t.pki);
    const issued = await acme.issue('default', new Uint8Array((await makeCsr(await generateCsrKeys('P-256'), { subject: 'CN=acme.test', sans: [{ type: 'dns', value: 'acme.test' }] })).rawData));
    expect(await acme.certificateBySerial?.('default', issued.serialHex)).to.have.property('certificatePem', issued.certificatePem);
    expect(await acme.certificateBySerial?.('root', issued.serialHex)).to.equal(undefined);
    expect(await acme.revoke('root', issued.serialHex, 'superseded')).to.equal('unknown');
    expect(await acme.revoke('default', issued.serialHex, 'superseded')).to.equal('revoked');
  });

  it('sweeps on a timer, logs what it retires and a failure, and stops', async () => {
    const lines: string[] = [];
    const record = (_fields: unknown, message: string): void => { lines.push(message); };
    const log = { info: record, error: record } as unknown as Pick<Logger, 'info' | 'error'>;
    const em = db().fork();
    const current = await currentCa(em, 'default');
    await em.nativeUpdate(CertificateAuthority, { id: current.id }, { status: 'retiring' });
    try {
      const far = new Date(Date.now() + 4000 * DAY_MS);
      const sweep = new RetirementSweep(() => db().fork(), () => far, log);
      sweep.start(5);
      sweep.start(5);
      const deadline = Date.now() + 5000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      await sweep.stop();
      expect(lines).to.include(`pki-ca: CA ${current.name} is retired: the last certificate it issued has expired`);
      const failing = new RetirementSweep(() => { throw new Error('database down'); }, () => far, log);
      await failing.run();
      expect(lines.at(-1)).to.equal('pki-ca: the retirement sweep failed; it runs again later');
    } finally {
      await em.nativeUpdate(CertificateAuthority, { id: current.id }, { status: 'active' });
    }
  });

  it('drops a certificate signed while its CA was rotated and signs with the successor; after three such rotations it gives up (409), storing none', async () => {
    await createIssuingCa(db().fork(), t.pki, { name: 'racer' });
    let rotations = 0;
    /** t.pki whose tls-server plans rotate the CA racer issues under now, `times` times. */
    const rotating = (times: number): PkiContext => ({
      ...t.pki,
      rules: async () => {
        const rules = await t.pki.rules();
        const catalog: typeof rules.catalog = Object.create(rules.catalog) as typeof rules.catalog;
        catalog.plan = async (...args: Parameters<typeof rules.catalog.plan>) => {
          if (rotations < times) {
            rotations += 1;
            await rotateCa(db().fork(), t.pki, (await currentCa(db().fork(), 'racer')).name);
          }
          return await rules.catalog.plan(...args);
        };
        return { ...rules, catalog };
      },
    });
    const once = await enroll(db().fork(), rotating(1), { csr: await csrPem('once.test'), profile: 'tls-server', ca: 'racer' });
    expect(once.ca).to.equal('racer-g2');
    const stored = await db().fork().find(IssuedCertificate, { profile: 'tls-server', caId: { $in: (await lineage(db().fork(), 'racer')).map((ca) => ca.id) } });
    expect(stored.map((row) => row.serialHex)).to.deep.equal([once.serial]);

    rotations = 0;
    const error = await rejection(enroll(db().fork(), rotating(3), { csr: await csrPem('never.test'), profile: 'tls-server', ca: 'racer' }));
    expect(error).to.be.instanceOf(ConflictError);
    expect((error as Error).message).to.include('was rotated while the certificate was signed, 3 times');
    expect(await db().fork().count(IssuedCertificate, { profile: 'tls-server', caId: { $in: (await lineage(db().fork(), 'racer')).map((ca) => ca.id) } })).to.equal(1);
  });

  it('follows a lineage of more generations than any fixed bound to its end, and refuses a successor loop (409)', async () => {
    const em = db().fork();
    const template = await em.findOneOrFail(CertificateAuthority, { name: 'racer' });
    const generations = Array.from({ length: 100 }, (_unused, index) => em.create(CertificateAuthority, {
      ...template, id: uuidv7(), name: `long-${String(index)}`, status: index === 99 ? 'active' : 'retiring', successorId: null,
    }));
    await em.flush();
    for (const [index, ca] of generations.slice(0, -1).entries()) ca.successorId = generations[index + 1]?.id ?? null;
    await em.flush();
    expect((await currentCa(db().fork(), 'long-0')).name).to.equal('long-99');
    expect(await lineage(db().fork(), 'long-0')).to.have.length(100);

    await db().fork().nativeUpdate(CertificateAuthority, { name: 'long-99' }, { successorId: generations[50]?.id ?? null });
    const error = await rejection(currentCa(db().fork(), 'long-0'));
    expect(error).to.be.instanceOf(ConflictError);
    expect((error as Error).message).to.equal('the successors of CA long-0 loop back to an earlier one');
  });
});
