import { expect } from 'chai';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { BarrierIntegrityError } from '../template/barrier/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import type { Database } from '../template/database/index.ts';
import { UnsupportedAlgorithmError } from '../template/jose/index.ts';
import { AuditEvent, ElasticKey, entities, MaterialKey } from './entities.ts';
import { cancelDeletion, createElasticKey, findElasticKey, listElasticKeys, scheduleDeletion, updateElasticKey } from './elastic-keys.ts';
import { migrations } from './migrations.ts';
import { materialAad, openMaterial } from './material.ts';
import { ALICE, unsealedKms, unique, rejection, type TestKms } from './testing/kms-context.ts';

const DAY = 86_400_000;


async function actions(db: Database, elasticKeyId: string): Promise<string[]> {
  const events = await db.fork().find(AuditEvent, { elasticKeyId }, { orderBy: { id: 'asc' } });
  return events.map((event) => event.action);
}

describeOnDatabases('sm-kms elastic keys are audited transactions', { entities, migrations }, (db) => {
  let t: TestKms;
  beforeEach(async () => { t = await unsealedKms(db().reads); });

  it('creates the key and its sealed version 1 with one create event, in one transaction', async () => {
    const view = await createElasticKey(db().fork(), t.kms, { name: unique('enc'), description: 'd', algorithm: 'A256GCM/A256KW' }, ALICE);
    expect(view).to.include({ description: 'd', algorithm: 'A256GCM/A256KW', status: 'active', versioningAllowed: true, importAllowed: false, revokedMayDecrypt: true, revokedMayVerify: false, deletionScheduledAt: null });
    const [material] = await db().fork().find(MaterialKey, { elasticKey: view.id });
    expect(material).to.include({ version: 1, status: 'active', imported: false });
    expect(material?.publicJwk).to.equal(null);
    const sealed = material?.sealedJwk as Buffer;
    const opened = await openMaterial(t.barrier, { id: material?.id ?? '', sealedJwk: sealed, publicJwk: null });
    expect(opened.privateJwk).to.include({ kty: 'oct', kid: material?.id });
    // The secret never appears in clear in the stored column.
    expect(sealed.includes(Buffer.from(String(opened.privateJwk.k)))).to.equal(false);
    const events = await db().fork().find(AuditEvent, { elasticKeyId: view.id });
    expect(events.map((event) => ({ action: event.action, materialKeyId: event.materialKeyId, actor: event.actor, client: event.actorClientId, to: event.toStatus })))
      .to.deep.equal([{ action: 'create', materialKeyId: material?.id, actor: 'alice', client: 'console', to: 'active' }]);
  });

  it('binds sealed material to its row: another row id does not open it', async () => {
    const view = await createElasticKey(db().fork(), t.kms, { name: unique('bound'), algorithm: 'ES256' }, ALICE);
    const material = await db().fork().findOneOrFail(MaterialKey, { elasticKey: view.id });
    expect(material.publicJwk).to.include({ kty: 'EC', crv: 'P-256', kid: material.id });
    expect(material.publicJwk).to.not.have.property('d');
    const error = await rejection(t.barrier.decrypt(material.sealedJwk as Buffer, materialAad('01900000-0000-7000-8000-000000000000')));
    expect(error).to.be.instanceOf(BarrierIntegrityError);
  });

  it('an importAllowed key starts without material', async () => {
    const view = await createElasticKey(db().fork(), t.kms, { name: unique('import'), algorithm: 'HS256', importAllowed: true, versioningAllowed: false, revokedMayDecrypt: false, revokedMayVerify: true }, ALICE);
    expect(view).to.include({ importAllowed: true, versioningAllowed: false, revokedMayDecrypt: false, revokedMayVerify: true });
    expect(await db().fork().count(MaterialKey, { elasticKey: view.id })).to.equal(0);
    const [event] = await db().fork().find(AuditEvent, { elasticKeyId: view.id });
    expect(event?.materialKeyId).to.equal(null);
  });

  it('refuses a duplicate name (409) and an unknown algorithm (400), storing nothing', async () => {
    const name = unique('dup');
    await createElasticKey(db().fork(), t.kms, { name, algorithm: 'A128GCM/dir' }, ALICE);
    const keys = await db().fork().count(ElasticKey, {});
    const events = await db().fork().count(AuditEvent, {});
    const materials = await db().fork().count(MaterialKey, {});
    expect(await rejection(createElasticKey(db().fork(), t.kms, { name, algorithm: 'A128GCM/dir' }, ALICE))).to.be.instanceOf(ConflictError);
    expect(await rejection(createElasticKey(db().fork(), t.kms, { name: unique('x'), algorithm: 'ROT13' }, ALICE))).to.be.instanceOf(UnsupportedAlgorithmError);
    expect(await db().fork().count(ElasticKey, {})).to.equal(keys);
    expect(await db().fork().count(AuditEvent, {})).to.equal(events);
    expect(await db().fork().count(MaterialKey, {})).to.equal(materials);
  });

  it('update changes policy with one update event; the same values change nothing', async () => {
    const view = await createElasticKey(db().fork(), t.kms, { name: unique('upd'), algorithm: 'A256GCM/dir' }, ALICE);
    t.advance(1000);
    const updated = await updateElasticKey(db().fork(), t.kms, view.id, { description: 'new', revokedMayDecrypt: false }, ALICE);
    expect(updated).to.include({ description: 'new', revokedMayDecrypt: false, status: 'active' });
    expect(Date.parse(updated.updatedAt)).to.be.greaterThan(Date.parse(view.updatedAt));
    await updateElasticKey(db().fork(), t.kms, view.id, { description: 'new', status: 'active', revokedMayDecrypt: false }, ALICE);
    expect(await actions(db(), view.id)).to.deep.equal(['create', 'update']);
  });

  it('autoRotate is off by default and needs versioningAllowed, at creation and on update (400, nothing stored)', async () => {
    const plain = await createElasticKey(db().fork(), t.kms, { name: unique('plain'), algorithm: 'A256GCM/dir' }, ALICE);
    expect(plain.autoRotate).to.equal(false);
    const name = unique('auto-nover');
    expect(await rejection(createElasticKey(db().fork(), t.kms, { name, algorithm: 'A256GCM/dir', autoRotate: true, versioningAllowed: false }, ALICE))).to.be.instanceOf(BadRequestError);
    expect(await db().fork().count(ElasticKey, { name })).to.equal(0);
    expect((await updateElasticKey(db().fork(), t.kms, plain.id, { autoRotate: true }, ALICE)).autoRotate).to.equal(true);
    expect(await rejection(updateElasticKey(db().fork(), t.kms, plain.id, { versioningAllowed: false }, ALICE))).to.be.instanceOf(BadRequestError);
    const fixed = await createElasticKey(db().fork(), t.kms, { name: unique('fixed'), algorithm: 'A256GCM/dir', versioningAllowed: false }, ALICE);
    expect(await rejection(updateElasticKey(db().fork(), t.kms, fixed.id, { autoRotate: true }, ALICE))).to.be.instanceOf(BadRequestError);
    expect((await updateElasticKey(db().fork(), t.kms, fixed.id, { autoRotate: true, versioningAllowed: true }, ALICE))).to.include({ autoRotate: true, versioningAllowed: true });
    expect((await findElasticKey(db().fork(), t.kms, plain.id)).autoRotate).to.equal(true);
  });

  it('disable and enable through update, each audited with both statuses', async () => {
    const view = await createElasticKey(db().fork(), t.kms, { name: unique('dis'), algorithm: 'A256GCM/dir' }, ALICE);
    expect((await updateElasticKey(db().fork(), t.kms, view.id, { status: 'disabled', description: 'off' }, ALICE)).status).to.equal('disabled');
    expect((await updateElasticKey(db().fork(), t.kms, view.id, { status: 'active' }, ALICE)).status).to.equal('active');
    const events = await db().fork().find(AuditEvent, { elasticKeyId: view.id }, { orderBy: { id: 'asc' } });
    expect(events.map((event) => [event.action, event.fromStatus, event.toStatus])).to.deep.equal([
      ['create', null, 'active'], ['update', null, null], ['disable', 'active', 'disabled'], ['enable', 'disabled', 'active'],
    ]);
  });

  it('a rename onto a taken name is 409 and rolls the whole change back', async () => {
    const taken = unique('taken');
    await createElasticKey(db().fork(), t.kms, { name: taken, algorithm: 'A256GCM/dir' }, ALICE);
    const view = await createElasticKey(db().fork(), t.kms, { name: unique('ren'), algorithm: 'A256GCM/dir' }, ALICE);
    expect(await rejection(updateElasticKey(db().fork(), t.kms, view.id, { name: taken, status: 'disabled' }, ALICE))).to.be.instanceOf(ConflictError);
    expect(await findElasticKey(db().fork(), t.kms, view.id)).to.include({ name: view.name, status: 'active' });
    expect(await actions(db(), view.id)).to.deep.equal(['create']);
  });

  it('schedules deletion after the waiting period, cancels it to disabled, and refuses what the table refuses', async () => {
    const view = await createElasticKey(db().fork(), t.kms, { name: unique('del'), algorithm: 'A256GCM/dir' }, ALICE);
    const scheduled = await scheduleDeletion(db().fork(), t.kms, view.id, 3, ALICE);
    expect(scheduled.status).to.equal('pending_deletion');
    expect(Date.parse(scheduled.deletionScheduledAt ?? '')).to.equal(t.kms.now().getTime() + 3 * DAY);
    expect(await rejection(scheduleDeletion(db().fork(), t.kms, view.id, 7, ALICE))).to.be.instanceOf(ConflictError);
    expect(await rejection(updateElasticKey(db().fork(), t.kms, view.id, { description: 'x' }, ALICE))).to.be.instanceOf(ConflictError);
    const cancelled = await cancelDeletion(db().fork(), t.kms, view.id, ALICE);
    expect(cancelled).to.include({ status: 'disabled', deletionScheduledAt: null });
    expect(await rejection(cancelDeletion(db().fork(), t.kms, view.id, ALICE))).to.be.instanceOf(ConflictError);
    expect(await actions(db(), view.id)).to.deep.equal(['create', 'schedule_deletion', 'cancel_deletion']);
  });

  it('a due deletion is applied on access: deleted, material removed, one delete event by sm-kms', async () => {
    const view = await createElasticKey(db().fork(), t.kms, { name: unique('due'), algorithm: 'ES256' }, ALICE);
    await scheduleDeletion(db().fork(), t.kms, view.id, 1, ALICE);
    t.advance(DAY - 1);
    expect((await findElasticKey(db().fork(), t.kms, view.id)).status).to.equal('pending_deletion');
    t.advance(1);
    expect((await findElasticKey(db().fork(), t.kms, view.id)).status).to.equal('deleted');
    const material = await db().fork().findOneOrFail(MaterialKey, { elasticKey: view.id });
    expect(material.sealedJwk).to.equal(null);
    expect(material.publicJwk).to.include({ kty: 'EC' });
    const last = await db().fork().findOneOrFail(AuditEvent, { elasticKeyId: view.id, action: 'delete' });
    expect(last).to.include({ actor: 'sm-kms', fromStatus: 'pending_deletion', toStatus: 'deleted' });
    expect(await rejection(cancelDeletion(db().fork(), t.kms, view.id, ALICE))).to.be.instanceOf(ConflictError);
    expect(await actions(db(), view.id)).to.deep.equal(['create', 'schedule_deletion', 'delete']);
  });

  it('404 for an unknown key', async () => {
    const missing = '01900000-0000-7000-8000-0000000000ff';
    expect(await rejection(findElasticKey(db().fork(), t.kms, missing))).to.be.instanceOf(NotFoundError);
    expect(await rejection(updateElasticKey(db().fork(), t.kms, missing, { description: 'x' }, ALICE))).to.be.instanceOf(NotFoundError);
  });

  it('lists by name, algorithm and status, paged oldest first, with due deletions applied', async () => {
    const tag = unique('list');
    const a = await createElasticKey(db().fork(), t.kms, { name: `${tag}-a`, algorithm: 'HS384' }, ALICE);
    const b = await createElasticKey(db().fork(), t.kms, { name: `${tag}-b`, algorithm: 'HS384' }, ALICE);
    await scheduleDeletion(db().fork(), t.kms, b.id, 1, ALICE);
    expect((await listElasticKeys(db().fork(), t.kms, { name: `${tag}-a` }, 0, 10)).items.map((key) => key.id)).to.deep.equal([a.id]);
    const hs384 = await listElasticKeys(db().fork(), t.kms, { algorithm: 'HS384' }, 0, 1);
    expect(hs384.total).to.be.at.least(2);
    expect(hs384.items).to.have.length(1);
    t.advance(DAY);
    const deleted = await listElasticKeys(db().fork(), t.kms, { status: 'deleted', name: `${tag}-b` }, 0, 10);
    expect(deleted.items.map((key) => key.id)).to.deep.equal([b.id]);
  });

  it('processes racing transitions on one key: the audit trail is one consistent chain ending in the stored status', async () => {
    const view = await createElasticKey(db().fork(), t.kms, { name: unique('race'), algorithm: 'A256GCM/dir' }, ALICE);
    const other = await unsealedKms(db().reads);
    const results = await Promise.allSettled([
      updateElasticKey(db().fork(), t.kms, view.id, { status: 'disabled' }, ALICE),
      updateElasticKey(db().fork(), other.kms, view.id, { status: 'disabled' }, ALICE),
      scheduleDeletion(db().fork(), other.kms, view.id, 7, ALICE),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).to.be.instanceOf(ConflictError);
    }
    const events = await db().fork().find(AuditEvent, { elasticKeyId: view.id }, { orderBy: { id: 'asc' } });
    expect(events.filter((event) => event.action === 'disable')).to.have.length.at.most(1);
    for (let index = 1; index < events.length; index += 1) {
      expect(events[index]?.fromStatus).to.equal(events[index - 1]?.toStatus);
    }
    expect((await findElasticKey(db().fork(), t.kms, view.id)).status).to.equal(events.at(-1)?.toStatus);
  });
});
