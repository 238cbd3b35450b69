import { expect } from 'chai';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { decrypt, encrypt, sign } from '../template/jose/index.ts';
import { entities, MaterialKey } from './entities.ts';
import { createElasticKey, scheduleDeletion, updateElasticKey } from './elastic-keys.ts';
import { keyForKid, latestKey } from './keyring.ts';
import { revokeMaterial, rotateMaterial } from './material-keys.ts';
import { migrations } from './migrations.ts';
import { ALICE, unsealedKms, unique, rejection, type TestKms } from './testing/kms-context.ts';



describeOnDatabases('sm-kms keyring (the hot path)', { entities, migrations }, (db) => {
  let t: TestKms;
  beforeEach(async () => { t = await unsealedKms(db().reads); });

  it('encrypts with the latest active version; decrypts with the version the kid names', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('enc'), algorithm: 'A256GCM/A256KW' }, ALICE);
    const first = await latestKey(() => db().fork(), t.kms, key.id, 'encrypt');
    const old = await encrypt(first.prepared, Buffer.from('v1'));
    const second = await rotateMaterial(db().fork(), t.kms, key.id, ALICE);
    const now = await latestKey(() => db().fork(), t.kms, key.id, 'encrypt');
    expect(now.prepared.kid).to.equal(second.id);
    const back = await keyForKid(() => db().fork(), t.kms, key.id, first.prepared.kid, 'decrypt');
    expect(Buffer.from(await decrypt(back.prepared, old)).toString()).to.equal('v1');
    await revokeMaterial(db().fork(), t.kms, key.id, second.id, ALICE);
    expect((await latestKey(() => db().fork(), t.kms, key.id, 'encrypt')).prepared.kid).to.equal(first.prepared.kid);
    // Revoked, and revokedMayDecrypt defaults to true.
    expect((await keyForKid(() => db().fork(), t.kms, key.id, second.id, 'decrypt')).prepared.kid).to.equal(second.id);
  });

  it('a revoked signing version does not verify by default (409)', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('sig'), algorithm: 'ES256' }, ALICE);
    const { prepared } = await latestKey(() => db().fork(), t.kms, key.id, 'sign');
    await revokeMaterial(db().fork(), t.kms, key.id, prepared.kid, ALICE);
    expect(await rejection(keyForKid(() => db().fork(), t.kms, key.id, prepared.kid, 'verify'))).to.be.instanceOf(ConflictError);
    const error = await rejection(latestKey(() => db().fork(), t.kms, key.id, 'sign'));
    expect(error).to.be.instanceOf(ConflictError);
    expect((error as ConflictError).message).to.include('no active material key');
  });

  it('refuses a kid that is unknown, malformed or another key\'s (400), and the wrong use (400)', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('a'), algorithm: 'A128GCM/dir' }, ALICE);
    const other = await createElasticKey(db().fork(), t.kms, { name: unique('b'), algorithm: 'A128GCM/dir' }, ALICE);
    const foreign = await latestKey(() => db().fork(), t.kms, other.id, 'encrypt');
    for (const kid of [foreign.prepared.kid, 'not-a-uuid', '01900000-0000-7000-8000-0000000000aa']) {
      const error = await rejection(keyForKid(() => db().fork(), t.kms, key.id, kid, 'decrypt'));
      expect(error, kid).to.be.instanceOf(BadRequestError);
    }
    expect(await rejection(latestKey(() => db().fork(), t.kms, key.id, 'sign'))).to.be.instanceOf(BadRequestError);
    expect(await rejection(latestKey(() => db().fork(), t.kms, '01900000-0000-7000-8000-0000000000bb', 'encrypt'))).to.be.instanceOf(NotFoundError);
  });

  it('another process\'s disable is seen once the 500 ms snapshot expires; a local one at once', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('remote'), algorithm: 'A256GCM/dir' }, ALICE);
    await latestKey(() => db().fork(), t.kms, key.id, 'encrypt');
    const other = await unsealedKms(db().reads);
    await updateElasticKey(db().fork(), other.kms, key.id, { status: 'disabled' }, ALICE);
    expect(await rejection(latestKey(() => db().fork(), other.kms, key.id, 'encrypt'))).to.be.instanceOf(ConflictError);
    // Still cached here, for at most the TTL.
    expect((await latestKey(() => db().fork(), t.kms, key.id, 'encrypt')).key.status).to.equal('active');
    t.advance(500);
    expect(await rejection(latestKey(() => db().fork(), t.kms, key.id, 'encrypt'))).to.be.instanceOf(ConflictError);
  });

  it('a due deletion is applied on the hot path, and destroyed material is 409', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('due'), algorithm: 'HS256' }, ALICE);
    await scheduleDeletion(db().fork(), t.kms, key.id, 1, ALICE);
    t.advance(86_400_000);
    const error = await rejection(latestKey(() => db().fork(), t.kms, key.id, 'sign'));
    expect((error as ConflictError).message).to.include('deleted');
    expect((await db().fork().findOneOrFail(MaterialKey, { elasticKey: key.id })).sealedJwk).to.equal(null);

    const wiped = await createElasticKey(db().fork(), t.kms, { name: unique('wiped'), algorithm: 'HS256' }, ALICE);
    await db().fork().nativeUpdate(MaterialKey, { elasticKey: wiped.id }, { sealedJwk: null });
    const destroyed = await rejection(latestKey(() => db().fork(), t.kms, wiped.id, 'sign'));
    expect(destroyed).to.be.instanceOf(ConflictError);
    expect((destroyed as ConflictError).message).to.include('destroyed');
  });

  it('asks for no entity manager while the key is not due for deletion, and for one when it is', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('lazy'), algorithm: 'ES256' }, ALICE);
    let forks = 0;
    const em = () => { forks += 1; return db().fork(); };
    const { prepared } = await latestKey(em, t.kms, key.id, 'sign');
    const signed = await sign(prepared, Buffer.from('hot'));
    expect((await keyForKid(em, t.kms, key.id, prepared.kid, 'verify')).prepared.kid).to.equal(prepared.kid);
    await scheduleDeletion(db().fork(), t.kms, key.id, 1, ALICE);
    // Pending and not yet due: refused on its status, still without an entity manager.
    expect((await rejection(latestKey(em, t.kms, key.id, 'sign')) as ConflictError).message).to.include('pending_deletion');
    expect(forks).to.equal(0);
    t.advance(86_400_000);
    expect((await rejection(keyForKid(em, t.kms, key.id, prepared.kid, 'verify')) as ConflictError).message).to.include('deleted');
    expect(forks).to.equal(1);
    expect(signed.split('.')).to.have.length(3);
  });

  it('a seal wipes every cached key', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('seal'), algorithm: 'HS256' }, ALICE);
    await latestKey(() => db().fork(), t.kms, key.id, 'sign');
    expect(t.cache.sizes().prepared).to.equal(1);
    t.barrier.seal();
    expect(t.cache.sizes()).to.deep.equal({ prepared: 0, keys: 0, materials: 0 });
  });
});
