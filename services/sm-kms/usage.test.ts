import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/core';
import { ConflictError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { resolveAlgorithm } from '../template/jose/index.ts';
import type { KeySnapshot } from './cache.ts';
import { createElasticKey, updateElasticKey } from './elastic-keys.ts';
import { entities, MaterialKey } from './entities.ts';
import { rotateAfter } from './material-keys.ts';
import { migrations } from './migrations.ts';
import { AUTO_ROTATE_SHARE, reserveEncryption, rotationPoint } from './usage.ts';
import { ALICE, NO_DATABASE, rejection, unique, unsealedKms, type TestKms } from './testing/kms-context.ts';

function snapshotOf(id: string, algorithm: string, kid: string, autoRotate: boolean): KeySnapshot {
  return { id, algorithm: resolveAlgorithm(algorithm), status: 'active', deletionScheduledAt: null, revokedMayDecrypt: true, revokedMayVerify: false, autoRotate, latestActiveKid: kid };
}

describe('sm-kms rotation point (docs/sm-kms/usage-limits.md)', () => {
  it('is three quarters of the limit, rounded down, and at least one', () => {
    expect(AUTO_ROTATE_SHARE).to.equal(0.75);
    expect([1, 2, 4, 12, 13, 2 ** 30].map(rotationPoint)).to.deep.equal([1, 1, 3, 9, 9, 805_306_368]);
  });

  it('counts nothing and asks for no entity manager for a key that draws no IV under itself', async () => {
    const untouchable = (): EntityManager => { throw new Error('no entity manager expected'); };
    const t = await unsealedKms(NO_DATABASE, {}, 1);
    for (const algorithm of ['A256GCM/A256KW', 'A256GCM/RSA-OAEP-256', 'A256CBC-HS512/dir', 'ES256']) {
      await reserveEncryption(untouchable, t.kms, snapshotOf('k', algorithm, 'm', true), 'm');
    }
  });

  it('passes on a rotation failure that is not a conflict', async () => {
    const t = await unsealedKms(NO_DATABASE, {}, 4);
    const em = { getConnection: () => ({ execute: () => Promise.resolve([{ gcm_encryptions: '3' }]) }), fork: () => { throw new Error('database down'); } } as unknown as EntityManager;
    const error = await rejection(reserveEncryption(() => em, t.kms, snapshotOf('k', 'A256GCM/dir', 'm', true), 'm'));
    expect(error).to.have.property('message', 'database down');
    // Below the rotation point nothing rotates, so nothing fails.
    const below = { getConnection: () => ({ execute: () => Promise.resolve([{ gcm_encryptions: 2 }]) }), fork: () => { throw new Error('database down'); } } as unknown as EntityManager;
    await reserveEncryption(() => below, t.kms, snapshotOf('k', 'A256GCM/dir', 'm', true), 'm');
  });
});

describeOnDatabases('sm-kms encryption counting', { entities, migrations }, (db) => {
  let t: TestKms;
  beforeEach(async () => { t = await unsealedKms(db().reads, {}, 3); });

  const countOf = async (kid: string): Promise<number> => Number((await db().fork().findOneOrFail(MaterialKey, { id: kid })).gcmEncryptions);
  const latestOf = async (id: string): Promise<string> => (await db().fork().findOneOrFail(MaterialKey, { elasticKey: id }, { orderBy: { version: 'desc' } })).id;

  it('reserves up to the limit, then refuses with a conflict that says to rotate', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('count'), algorithm: 'A192GCM/dir' }, ALICE);
    const kid = await latestOf(key.id);
    const snapshot = snapshotOf(key.id, key.algorithm, kid, false);
    for (let used = 0; used < 3; used += 1) await reserveEncryption(() => db().fork(), t.kms, snapshot, kid);
    expect(await countOf(kid)).to.equal(3);
    const refused = await rejection(reserveEncryption(() => db().fork(), t.kms, snapshot, kid));
    expect(refused).to.be.instanceOf(ConflictError);
    expect((refused as ConflictError).message).to.equal(`the material key ${kid} has made 3 AES-GCM encryptions, its limit (kms.encryptionLimit); rotate the elastic key (POST /elastickeys/${key.id}/materialkeys) to encrypt again`);
    expect(await countOf(kid)).to.equal(3);
    expect(await latestOf(key.id)).to.equal(kid);
  });

  it('with autoRotate, rotates once at the rotation point and again only while the old version is still the latest', async () => {
    t = await unsealedKms(db().reads, {}, 8);
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('auto'), algorithm: 'A128GCM/A128GCMKW', autoRotate: true }, ALICE);
    const kid = await latestOf(key.id);
    const snapshot = snapshotOf(key.id, key.algorithm, kid, true);
    for (let used = 0; used < 5; used += 1) await reserveEncryption(() => db().fork(), t.kms, snapshot, kid);
    expect(await latestOf(key.id)).to.equal(kid);
    await reserveEncryption(() => db().fork(), t.kms, snapshot, kid);
    const next = await latestOf(key.id);
    expect(next).to.not.equal(kid);
    // A request that chose the old version before the rotation does not rotate again.
    await reserveEncryption(() => db().fork(), t.kms, snapshot, kid);
    expect(await latestOf(key.id)).to.equal(next);
    expect(await rotateAfter(db().fork(), t.kms, key.id, kid)).to.equal(undefined);
    expect(await db().fork().count(MaterialKey, { elasticKey: key.id })).to.equal(2);
  });

  it('a rotation refused by the key state does not fail the encryption, and the next request tries again', async () => {
    t = await unsealedKms(db().reads, {}, 4);
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('paused'), algorithm: 'A256GCM/dir', autoRotate: true }, ALICE);
    const kid = await latestOf(key.id);
    const snapshot = snapshotOf(key.id, key.algorithm, kid, true);
    await updateElasticKey(db().fork(), t.kms, key.id, { status: 'disabled' }, ALICE);
    for (let used = 0; used < 3; used += 1) await reserveEncryption(() => db().fork(), t.kms, snapshot, kid);
    expect(await latestOf(key.id)).to.equal(kid);
    await updateElasticKey(db().fork(), t.kms, key.id, { status: 'active' }, ALICE);
    await reserveEncryption(() => db().fork(), t.kms, snapshot, kid);
    expect(await latestOf(key.id)).to.not.equal(kid);
  });
});
