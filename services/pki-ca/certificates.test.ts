import { expect } from 'chai';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { x509 } from '../template/tls/x509.ts';
import { getCertificate, listCertificates, REVOCATION_REASON_NAMES, revokeCertificate } from './certificates.ts';
import { signingAlgorithm } from './contract.ts';
import { entities, IssuedCertificate } from './entities.ts';
import { bootstrapHierarchy, createIssuingCa } from './hierarchy.ts';
import { enroll } from './issue.ts';
import { migrations } from './migrations.ts';
import { unsealedPki, type TestPki } from './testing/pki-context.ts';
import { generateKeys } from './testing/test-ca.ts';

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}

describeOnDatabases('pki-ca issued certificates', { entities, migrations }, (db) => {
  let t: TestPki;
  const serials: string[] = [];
  before(async function () {
    this.timeout(20_000);
    t = await unsealedPki();
    await bootstrapHierarchy(() => db().fork(), t.pki);
    await createIssuingCa(db().fork(), t.pki, { name: 'other' });
    const keys = await generateKeys('ES256');
    const csr = (await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=list.test', keys, signingAlgorithm: signingAlgorithm('ES256') })).toString('pem');
    for (const ca of ['default', 'default', 'default', 'other']) {
      t.advance(1000);
      serials.push((await enroll(db().fork(), t.pki, { csr, profile: 'tls-server', ca })).serial);
    }
  });

  it('lists newest first with ca, status and paging filters; an unknown CA matches nothing', async () => {
    const all = await listCertificates(db().fork(), { ca: 'default' }, 0, 2);
    expect(all.total).to.equal(3);
    expect(all.items.map((item) => item.serial)).to.deep.equal([serials[2], serials[1]]);
    expect((await listCertificates(db().fork(), { ca: 'default' }, 1, 2)).items.map((item) => item.serial)).to.deep.equal([serials[0]]);
    expect((await listCertificates(db().fork(), { ca: 'other', status: 'good' }, 0, 10)).items.map((item) => [item.serial, item.ca])).to.deep.equal([[serials[3], 'other']]);
    expect(await listCertificates(db().fork(), { ca: 'nope' }, 0, 10)).to.deep.equal({ items: [], total: 0 });
    // Every CA certificate is listed too, under its parent.
    expect((await listCertificates(db().fork(), {}, 0, 100)).total).to.equal(8);
  });

  it('gets one by serial (400 malformed, 404 unknown)', async () => {
    const view = await getCertificate(db().fork(), serials[0] ?? '');
    expect(view).to.include({ serial: serials[0], ca: 'default', profile: 'tls-server', subject: 'CN=list.test', status: 'good', revokedAt: null, revocationReason: null });
    expect(await rejection(getCertificate(db().fork(), 'ABC'))).to.be.instanceOf(BadRequestError);
    expect(await rejection(getCertificate(db().fork(), '4'.repeat(32)))).to.be.instanceOf(NotFoundError);
  });

  it('revokes with an RFC 5280 reason name; unknown reason 400, unknown serial 404, twice 409', async () => {
    const serial = serials[1] ?? '';
    expect(REVOCATION_REASON_NAMES).to.have.length(10);
    expect(await rejection(revokeCertificate(db().fork(), serial, 'lostIt', t.pki.now()))).to.be.instanceOf(BadRequestError);
    expect(await rejection(revokeCertificate(db().fork(), 'zz', 'superseded', t.pki.now()))).to.be.instanceOf(BadRequestError);
    expect(await rejection(revokeCertificate(db().fork(), '5'.repeat(32), 'superseded', t.pki.now()))).to.be.instanceOf(NotFoundError);
    const now = t.pki.now();
    const view = await revokeCertificate(db().fork(), serial, 'cessationOfOperation', now);
    expect(view).to.include({ status: 'revoked', revocationReason: 'cessationOfOperation' });
    expect(Math.abs(new Date(view.revokedAt ?? 0).getTime() - now.getTime())).to.be.below(1000);
    expect(await rejection(revokeCertificate(db().fork(), serial, 'keyCompromise', t.pki.now()))).to.be.instanceOf(ConflictError);
    expect((await db().fork().findOneOrFail(IssuedCertificate, { serialHex: serial })).revocationReason).to.equal('cessationOfOperation');
  });

  it('of 20 concurrent revocations of one serial exactly one succeeds and 19 answer 409', async function () {
    this.timeout(15_000);
    const serial = serials[2] ?? '';
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, index) => revokeCertificate(db().fork(), serial, REVOCATION_REASON_NAMES[index % 10] ?? 'unspecified', t.pki.now())));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(1);
    const failures = outcomes.flatMap((outcome) => outcome.status === 'rejected' ? [outcome.reason as unknown] : []);
    expect(failures.every((reason) => reason instanceof ConflictError)).to.equal(true);
  });
});
