import { expect } from 'chai';
import { BadRequestError, ConflictError, InternalError, NotFoundError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { listAudit } from './audit.ts';
import { AuditRecord, entities, JwkKey, KeySet } from './entities.ts';
import {
  createKeySet, deleteExpiredKeys, deleteKeySet, dueForRotation, getKeySet, listKeySets, rotateKeySet, updatePeriods,
} from './key-sets.ts';
import { CachedKeySource } from './key-source.ts';
import { migrations } from './migrations.ts';
import { ALICE, DAY_MS, rejection, unique, unsealedJa, type TestJa } from './testing/context.ts';

const sig = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, use: 'sig', alg: 'ES256', rotationDays: 30, retentionDays: 2, ...extra });

describeOnDatabases('jose-ja key sets', { entities, migrations }, (db) => {
  let t: TestJa;
  beforeEach(async () => { t = await unsealedJa(300); });

  it('creates an active and a next key, audited in the same transaction, and reports the change', async () => {
    const name = unique('made');
    const set = await createKeySet(db().fork(), t.ja, sig(name, { issuer: 'https://issuer.test', tokenType: 'at+jwt' }), ALICE);
    expect(set).to.include({ name, issuer: 'https://issuer.test', tokenType: 'at+jwt', jwksUrl: `https://ja.test/jwks/${name}/.well-known/jwks.json` });
    const [active, next] = set.keys;
    expect(active).to.include({ status: 'active', retiredAt: null, deleteAfter: null });
    expect(active?.activatedAt).to.be.a('string');
    expect(next).to.include({ status: 'next', activatedAt: null });
    const audit = await listAudit(db().fork(), name, 0, 10);
    expect(audit.items.map((item) => [item.action, item.kid, item.outcome, item.actor])).to.deep.equal([['create', active?.kid, 'success', ALICE]]);
    expect(t.changes).to.deep.equal([name]);
  });

  it('refuses what the rules refuse (400) and a pairing with a missing (404) or non-sig set (400)', async () => {
    expect(await rejection(createKeySet(db().fork(), t.ja, sig('Bad'), ALICE))).to.be.instanceOf(BadRequestError);
    expect(await rejection(createKeySet(db().fork(), t.ja, sig(unique('hs'), { alg: 'HS256' }), ALICE))).to.be.instanceOf(BadRequestError);
    expect(await rejection(createKeySet(db().fork(), t.ja, sig(unique('mix'), { use: 'enc' }), ALICE))).to.be.instanceOf(BadRequestError);
    const enc = { use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW' };
    expect(await rejection(createKeySet(db().fork(), t.ja, sig(unique('lone'), { ...enc, pairedWith: unique('none') }), ALICE))).to.be.instanceOf(NotFoundError);
    const other = unique('encset');
    await createKeySet(db().fork(), t.ja, sig(other, enc), ALICE);
    expect(await rejection(createKeySet(db().fork(), t.ja, sig(unique('pair'), { ...enc, pairedWith: other }), ALICE))).to.be.instanceOf(BadRequestError);
  });

  it('concurrent creations of one name: exactly one set with one active key, the rest 409', async () => {
    const name = unique('race');
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => createKeySet(db().fork(), t.ja, sig(name), ALICE)));
    expect(results.filter((result) => result.status === 'fulfilled')).to.have.length(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).to.be.instanceOf(ConflictError);
    const set = await db().fork().findOneOrFail(KeySet, { name });
    expect(await db().fork().count(JwkKey, { keySetId: set.id, status: 'active' })).to.equal(1);
    expect(await db().fork().count(JwkKey, { keySetId: set.id })).to.equal(2);
    expect(await db().fork().count(AuditRecord, { keySet: name, action: 'create' })).to.equal(1);
  });

  it('rotation waits until the next key has been published for the JWKS max-age, unless immediate', async () => {
    const name = unique('rot');
    const created = await createKeySet(db().fork(), t.ja, sig(name), ALICE);
    const early = await rejection(rotateKeySet(db().fork(), t.ja, name, ALICE));
    expect(early).to.be.instanceOf(ConflictError);
    expect((early as Error).message).to.contain('rotate from ').and.contain('immediate');
    t.advance(300_000);
    const rotated = await rotateKeySet(db().fork(), t.ja, name, ALICE);
    expect(rotated.keys.map((key) => key.status)).to.deep.equal(['active', 'next', 'retired']);
    expect(rotated.keys[0]?.kid).to.equal(created.keys[1]?.kid);
    const retired = rotated.keys[2];
    expect(retired?.kid).to.equal(created.keys[0]?.kid);
    expect(Date.parse(retired?.deleteAfter ?? '') - Date.parse(retired?.retiredAt ?? '')).to.equal(2 * DAY_MS);
    const immediate = await rotateKeySet(db().fork(), t.ja, name, ALICE, { immediate: true });
    expect(immediate.keys.map((key) => key.status)).to.deep.equal(['active', 'next', 'retired', 'retired']);
    const actions = (await listAudit(db().fork(), name, 0, 10)).items.map((item) => item.action);
    expect(actions).to.deep.equal(['rotate', 'rotate', 'create']);
  });

  it('concurrent rotations of one set: exactly one succeeds, the rest 409, one active key after', async () => {
    const name = unique('par');
    await createKeySet(db().fork(), t.ja, sig(name), ALICE);
    t.advance(300_000);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => rotateKeySet(db().fork(), t.ja, name, ALICE)));
    expect(results.filter((result) => result.status === 'fulfilled')).to.have.length(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).to.be.instanceOf(ConflictError);
    const set = await db().fork().findOneOrFail(KeySet, { name });
    const statuses = (await db().fork().find(JwkKey, { keySetId: set.id })).map((key) => key.status).sort();
    expect(statuses).to.deep.equal(['active', 'next', 'retired']);
    expect(set.version).to.equal(2);
    expect(await db().fork().count(AuditRecord, { keySet: name, action: 'rotate' })).to.equal(1);
  });

  it('finds sets due for rotation and deletes retired keys once their retention ends, each once', async () => {
    const name = unique('due');
    await createKeySet(db().fork(), t.ja, sig(name, { rotationDays: 1, retentionDays: 1 }), ALICE);
    expect(await dueForRotation(db().fork(), t.ja.now())).to.not.include(name);
    t.advance(DAY_MS);
    expect(await dueForRotation(db().fork(), t.ja.now())).to.include(name);
    const rotated = await rotateKeySet(db().fork(), t.ja, name, ALICE, { action: 'rotate.scheduled' });
    const retiredKid = rotated.keys[2]?.kid;
    expect(await deleteExpiredKeys(() => db().fork(), t.ja)).to.not.include(retiredKid);
    t.advance(DAY_MS);
    const sweeps = await Promise.all([deleteExpiredKeys(() => db().fork(), t.ja), deleteExpiredKeys(() => db().fork(), t.ja)]);
    expect(sweeps.flat().filter((kid) => kid === retiredKid)).to.have.length(1);
    expect((await getKeySet(db().fork(), t.ja, name)).keys.map((key) => key.status)).to.deep.equal(['active', 'next']);
    const audit = (await listAudit(db().fork(), name, 0, 10)).items;
    expect(audit.map((item) => item.action)).to.deep.equal(['key.delete', 'rotate.scheduled', 'create']);
    expect(audit[0]).to.deep.include({ kid: retiredKid, actor: { subject: 'jose-ja', clientId: 'jose-ja' } });
  });

  it('updates the periods of an existing set (audited), and does nothing when they match', async () => {
    const name = unique('upd');
    await createKeySet(db().fork(), t.ja, sig(name), ALICE);
    expect(await updatePeriods(db().fork(), t.ja, sig(name) as never, ALICE)).to.equal(false);
    expect(await updatePeriods(db().fork(), t.ja, sig(name, { rotationDays: 60, retentionDays: 9 }) as never, ALICE)).to.equal(true);
    expect(await getKeySet(db().fork(), t.ja, name)).to.include({ rotationDays: 60, retentionDays: 9 });
    expect((await listAudit(db().fork(), name, 0, 1)).items[0]).to.include({ action: 'update' });
  });

  it('deletes a set and its keys, keeps its audit trail, and refuses while an enc set is paired with it', async () => {
    const name = unique('del');
    await createKeySet(db().fork(), t.ja, sig(name), ALICE);
    const enc = unique('nested');
    await createKeySet(db().fork(), t.ja, sig(enc, { use: 'enc', alg: 'A256GCM/RSA-OAEP-256', pairedWith: name }), ALICE);
    expect(await rejection(deleteKeySet(db().fork(), t.ja, name, ALICE))).to.be.instanceOf(ConflictError);
    await deleteKeySet(db().fork(), t.ja, enc, ALICE);
    await deleteKeySet(db().fork(), t.ja, name, ALICE);
    expect(await rejection(getKeySet(db().fork(), t.ja, name))).to.be.instanceOf(NotFoundError);
    expect(await rejection(deleteKeySet(db().fork(), t.ja, name, ALICE))).to.be.instanceOf(NotFoundError);
    expect((await listAudit(db().fork(), name, 0, 10)).items.map((item) => item.action)).to.deep.equal(['delete', 'create']);
  });

  it('lists sets by name, one page at a time, each with its keys', async () => {
    const page = await listKeySets(db().fork(), t.ja, 0, 2);
    expect(page.items).to.have.length(2);
    expect(page.total).to.be.greaterThan(2);
    for (const item of page.items) expect(item.keys.map((key) => key.status)).to.include('active');
    const names = page.items.map((item) => item.name);
    expect(names).to.deep.equal([...names].sort());
    expect((await listKeySets(db().fork(), t.ja, 1000, 2)).items).to.deep.equal([]);
  });

  it('a set whose keys were changed under it: rotation is a 409, the key source a 500, never a silent fallback', async () => {
    const name = unique('odd');
    await createKeySet(db().fork(), t.ja, sig(name), ALICE);
    const set = await db().fork().findOneOrFail(KeySet, { name });
    await db().fork().nativeUpdate(JwkKey, { keySetId: set.id }, { status: 'retired', deleteAfter: new Date(t.now() + DAY_MS) });
    t.advance(300_000);
    expect(await rejection(rotateKeySet(db().fork(), t.ja, name, ALICE))).to.be.instanceOf(ConflictError);
    const source = new CachedKeySource(() => db().fork(), t.ja, t.barrier);
    expect(await rejection(source.keys(name))).to.be.instanceOf(InternalError);
  });

  it('deletions raced against rotations: one delete wins, the others 404, rotations 200 or 409, no key outlives the set', async () => {
    for (let round = 0; round < 8; round += 1) {
      const name = unique('race');
      await createKeySet(db().fork(), t.ja, sig(name), ALICE);
      const set = await db().fork().findOneOrFail(KeySet, { name });
      const outcomes = await Promise.all([
        ...Array.from({ length: 3 }, () => rotateKeySet(db().fork(), t.ja, name, ALICE, { immediate: true }).then(() => 'rotated', (error: unknown) => error)),
        // After the rotations have generated their keys and entered their transactions.
        ...Array.from({ length: 3 }, () => new Promise((resolve) => { setTimeout(resolve, round); }).then(() => deleteKeySet(db().fork(), t.ja, name, ALICE)).then(() => 'deleted', (error: unknown) => error)),
      ]);
      const [rotations, deletes] = [outcomes.slice(0, 3), outcomes.slice(3)];
      expect(deletes.filter((outcome) => outcome === 'deleted')).to.have.length(1);
      for (const outcome of deletes.filter((item) => item !== 'deleted')) expect(outcome).to.be.instanceOf(NotFoundError);
      for (const outcome of rotations.filter((item) => item !== 'rotated')) expect(outcome).to.satisfy((error: unknown) => error instanceof ConflictError || error instanceof NotFoundError);
      expect(await db().fork().count(JwkKey, { keySetId: set.id })).to.equal(0);
    }
  });

  it('an enc set made while the sig set it pairs with is deleted: never both, so no enc set pairs with a set that is gone', async () => {
    for (let round = 0; round < 8; round += 1) {
      const signer = unique('pair');
      await createKeySet(db().fork(), t.ja, sig(signer), ALICE);
      const enc = { name: unique('sealed'), use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 2, pairedWith: signer };
      const [made, deleted] = await Promise.all([
        createKeySet(db().fork(), t.ja, enc, ALICE).then(() => 'made', (error: unknown) => error),
        new Promise((resolve) => { setTimeout(resolve, round % 4); }).then(() => deleteKeySet(db().fork(), t.ja, signer, ALICE)).then(() => 'deleted', (error: unknown) => error),
      ]);
      if (made === 'made') {
        expect(deleted).to.be.instanceOf(ConflictError);
        expect(await db().fork().count(KeySet, { name: signer })).to.equal(1);
      } else {
        expect([made, deleted]).to.satisfy(([error, outcome]: unknown[]) => error instanceof NotFoundError && outcome === 'deleted');
      }
    }
  });
});
