import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { AuditEvent, entities, MaterialKey } from './entities.ts';
import { createElasticKey, scheduleDeletion, updateElasticKey } from './elastic-keys.ts';
import { findMaterialKey, importMaterial, listMaterialKeys, revokeMaterial, rotateMaterial } from './material-keys.ts';
import { migrations } from './migrations.ts';
import { ALICE, unsealedKms, unique, rejection, type TestKms } from './testing/kms-context.ts';



const MISSING = '01900000-0000-7000-8000-0000000000ee';

describeOnDatabases('sm-kms material keys', { entities, migrations }, (db) => {
  let t: TestKms;
  beforeEach(async () => { t = await unsealedKms(db().reads); });

  it('rotation adds the next version with a rotate event naming it', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('rot'), algorithm: 'ES256' }, ALICE);
    const second = await rotateMaterial(db().fork(), t.kms, key.id, ALICE);
    expect(second).to.include({ elasticKeyId: key.id, version: 2, status: 'active', imported: false, revokedAt: null });
    expect(second.publicJwk).to.include({ kid: second.id, alg: 'ES256', kty: 'EC' });
    expect(second.publicJwk).to.not.have.property('d');
    const event = await db().fork().findOneOrFail(AuditEvent, { elasticKeyId: key.id, action: 'rotate' });
    expect(event.materialKeyId).to.equal(second.id);
    const page = await listMaterialKeys(db().fork(), t.kms, key.id, 0, 10);
    expect(page.items.map((material) => material.version)).to.deep.equal([2, 1]);
    expect(page.total).to.equal(2);
    expect((await findMaterialKey(db().fork(), t.kms, key.id, second.id)).version).to.equal(2);
  });

  it('versioningAllowed false refuses a second version (409), by rotation or import', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('nover'), algorithm: 'A256GCM/A256KW', versioningAllowed: false, importAllowed: true }, ALICE);
    const first = await rotateMaterial(db().fork(), t.kms, key.id, ALICE);
    expect(first.version).to.equal(1);
    expect(await rejection(rotateMaterial(db().fork(), t.kms, key.id, ALICE))).to.be.instanceOf(ConflictError);
    const jwk = { kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url') };
    expect(await rejection(importMaterial(db().fork(), t.kms, key.id, jwk, ALICE))).to.be.instanceOf(ConflictError);
    expect(await db().fork().count(MaterialKey, { elasticKey: key.id })).to.equal(1);
  });

  it('imports a JWK as an imported version only when importAllowed; a JWK that does not fit is 400', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('imp'), algorithm: 'ES256', importAllowed: true }, ALICE);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const imported = await importMaterial(db().fork(), t.kms, key.id, await exportJWK(privateKey), ALICE);
    expect(imported).to.include({ version: 1, imported: true, status: 'active' });
    expect(imported.publicJwk).to.not.have.property('d');
    expect(await rejection(importMaterial(db().fork(), t.kms, key.id, { kty: 'oct', k: 'AAAA' }, ALICE))).to.be.instanceOf(BadRequestError);
    const closed = await createElasticKey(db().fork(), t.kms, { name: unique('closed'), algorithm: 'ES256' }, ALICE);
    expect(await rejection(importMaterial(db().fork(), t.kms, closed.id, await exportJWK(privateKey), ALICE))).to.be.instanceOf(ConflictError);
    const events = await db().fork().find(AuditEvent, { elasticKeyId: key.id }, { orderBy: { id: 'asc' } });
    expect(events.map((event) => event.action)).to.deep.equal(['create', 'import']);
  });

  it('only an active key gets new material', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('off'), algorithm: 'HS256' }, ALICE);
    await updateElasticKey(db().fork(), t.kms, key.id, { status: 'disabled' }, ALICE);
    const error = await rejection(rotateMaterial(db().fork(), t.kms, key.id, ALICE));
    expect(error).to.be.instanceOf(ConflictError);
    expect((error as ConflictError).message).to.include('disabled');
  });

  it('revokes once (a second revoke is 409), with an event; other keys\' versions are 404', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('rev'), algorithm: 'HS256' }, ALICE);
    const other = await createElasticKey(db().fork(), t.kms, { name: unique('other'), algorithm: 'HS256' }, ALICE);
    const [first] = (await listMaterialKeys(db().fork(), t.kms, key.id, 0, 1)).items;
    const [foreign] = (await listMaterialKeys(db().fork(), t.kms, other.id, 0, 1)).items;
    const revoked = await revokeMaterial(db().fork(), t.kms, key.id, first?.id ?? '', ALICE);
    expect(revoked.status).to.equal('revoked');
    expect(Date.parse(revoked.revokedAt ?? '')).to.equal(t.kms.now().getTime());
    expect(await rejection(revokeMaterial(db().fork(), t.kms, key.id, first?.id ?? '', ALICE))).to.be.instanceOf(ConflictError);
    expect(await rejection(revokeMaterial(db().fork(), t.kms, key.id, foreign?.id ?? '', ALICE))).to.be.instanceOf(NotFoundError);
    expect(await rejection(findMaterialKey(db().fork(), t.kms, key.id, MISSING))).to.be.instanceOf(NotFoundError);
    const event = await db().fork().findOneOrFail(AuditEvent, { elasticKeyId: key.id, action: 'revoke' });
    expect(event).to.include({ materialKeyId: first?.id, fromStatus: 'active', toStatus: 'revoked' });
  });

  it('revocation works while pending deletion, not once deleted', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('pend'), algorithm: 'HS256' }, ALICE);
    const second = await rotateMaterial(db().fork(), t.kms, key.id, ALICE);
    await scheduleDeletion(db().fork(), t.kms, key.id, 1, ALICE);
    expect((await revokeMaterial(db().fork(), t.kms, key.id, second.id, ALICE)).status).to.equal('revoked');
    t.advance(86_400_000);
    const [first] = (await listMaterialKeys(db().fork(), t.kms, key.id, 1, 1)).items;
    expect(await rejection(revokeMaterial(db().fork(), t.kms, key.id, first?.id ?? '', ALICE))).to.be.instanceOf(ConflictError);
  });

  it('concurrent rotations never share a version; each success has its event', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('par'), algorithm: 'HS256' }, ALICE);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => rotateMaterial(db().fork(), t.kms, key.id, ALICE)));
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).to.be.instanceOf(ConflictError);
    }
    const materials = await db().fork().find(MaterialKey, { elasticKey: key.id });
    const versions = materials.map((material) => material.version);
    expect(new Set(versions).size).to.equal(versions.length);
    const rotated = results.filter((result) => result.status === 'fulfilled').length;
    expect(materials).to.have.length(1 + rotated);
    expect(await db().fork().count(AuditEvent, { elasticKeyId: key.id, action: 'rotate' })).to.equal(rotated);
  });

  it('404 for material of an unknown elastic key', async () => {
    expect(await rejection(listMaterialKeys(db().fork(), t.kms, MISSING, 0, 1))).to.be.instanceOf(NotFoundError);
    expect(await rejection(rotateMaterial(db().fork(), t.kms, MISSING, ALICE))).to.be.instanceOf(NotFoundError);
  });
});
