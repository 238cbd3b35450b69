import { expect } from 'chai';
import { decrypt, encrypt, sign, verify } from '../template/jose/index.ts';
import { NotFoundError, ServiceUnavailableError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { entities, KeySet } from './entities.ts';
import { createKeySet, deleteExpiredKeys, deleteKeySet, rotateKeySet } from './key-sets.ts';
import { buildJwks } from './jwks.ts';
import { CachedKeySource } from './key-source.ts';
import { migrations } from './migrations.ts';
import { ALICE, DAY_MS, rejection, unique, unsealedJa, type TestJa } from './testing/context.ts';
import { REVALIDATE_MS } from './cache.ts';

describeOnDatabases('jose-ja key source', { entities, migrations }, (db) => {
  let t: TestJa;
  let source: CachedKeySource;
  beforeEach(async () => {
    t = await unsealedJa(0);
    source = new CachedKeySource(() => db().fork(), t.ja, t.barrier);
  });

  it('hands out the active key and the usable ones, prepared: they sign and verify', async () => {
    const name = unique('src');
    const set = await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'EdDSA', rotationDays: 10, retentionDays: 1, tokenType: 'at+jwt' }, ALICE);
    const choice = await source.keys(name);
    expect(choice.settings).to.deep.equal({ name, use: 'sig', alg: 'EdDSA', issuer: `https://ja.test/jwks/${name}`, tokenType: 'at+jwt' });
    expect(choice.active.kid).to.equal(set.keys[0]?.kid);
    expect(choice.usable.map((key) => key.kid)).to.deep.equal([set.keys[0]?.kid]);
    expect(choice.paired).to.equal(undefined);
    const jws = await sign(choice.active, Buffer.from('payload'));
    expect(await verify(choice.usable[0] ?? choice.active, jws)).to.equal(true);
    expect(await source.keys(name)).to.equal(choice);
  });

  it('sees a rotation in this process at once and one of another replica after REVALIDATE_MS', async () => {
    const name = unique('rot');
    await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 10, retentionDays: 1 }, ALICE);
    const before = await source.keys(name);
    // Another replica: its own context, so this source is not told.
    const other = await unsealedJa(0, t.barrier);
    const rotated = await rotateKeySet(db().fork(), other.ja, name, ALICE);
    expect(await source.keys(name)).to.equal(before);
    t.advance(REVALIDATE_MS);
    const after = await source.keys(name);
    expect(after.active.kid).to.equal(rotated.keys[0]?.kid);
    expect(after.usable.map((key) => key.kid)).to.deep.equal([rotated.keys[0]?.kid, before.active.kid]);
    // A revalidation that finds the same version keeps the entry.
    t.advance(REVALIDATE_MS);
    expect(await source.keys(name)).to.equal(after);
    await rotateKeySet(db().fork(), t.ja, name, ALICE);
    source.drop(name);
    expect((await source.keys(name)).usable).to.have.length(3);
  });

  it('drops a retired key from usable when its retention ends, before any sweep', async () => {
    const name = unique('ret');
    await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 10, retentionDays: 1 }, ALICE);
    await rotateKeySet(db().fork(), t.ja, name, ALICE);
    expect((await source.keys(name)).usable).to.have.length(2);
    t.advance(DAY_MS);
    expect((await source.keys(name)).usable).to.have.length(1);
    await deleteExpiredKeys(() => db().fork(), t.ja);
  });

  it('gives an enc set paired with a sig set that set\'s keys too', async () => {
    const signer = unique('signer');
    await createKeySet(db().fork(), t.ja, { name: signer, use: 'sig', alg: 'PS256', rotationDays: 10, retentionDays: 1 }, ALICE);
    const name = unique('nested');
    await createKeySet(db().fork(), t.ja, { name, use: 'enc', alg: 'A128CBC-HS256/RSA-OAEP', rotationDays: 10, retentionDays: 1, pairedWith: signer }, ALICE);
    const choice = await source.keys(name);
    expect(choice.settings.use).to.equal('enc');
    expect(choice.paired?.settings.name).to.equal(signer);
    expect(choice.paired?.paired).to.equal(undefined);
  });

  it('lets an enc set decrypt with its published next key (a sender may encrypt to any key of the JWKS), never a sig set verify with its own', async () => {
    const inbox = unique('inbox');
    const set = await createKeySet(db().fork(), t.ja, { name: inbox, use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 10, retentionDays: 1 }, ALICE);
    const next = set.keys.find((key) => key.status === 'next')?.kid;
    const choice = await source.keys(inbox);
    expect(choice.usable.map((key) => key.kid)).to.deep.equal([choice.active.kid, next]);
    const ciphertext = await encrypt(choice.usable[1] ?? choice.active, Buffer.from('to the next key'));
    expect(Buffer.from(await decrypt(choice.usable[1] ?? choice.active, ciphertext)).toString()).to.equal('to the next key');
    const signer = unique('signer');
    await createKeySet(db().fork(), t.ja, { name: signer, use: 'sig', alg: 'ES256', rotationDays: 10, retentionDays: 1 }, ALICE);
    expect((await source.keys(signer)).usable).to.have.length(1);
  });

  it('404 for an unknown set; nothing decrypted survives a seal (503 until unsealed)', async () => {
    expect(await rejection(source.keys(unique('none')))).to.be.instanceOf(NotFoundError);
    const name = unique('seal');
    await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 10, retentionDays: 1 }, ALICE);
    await source.keys(name);
    t.barrier.seal();
    expect(await rejection(source.keys(name))).to.be.instanceOf(ServiceUnavailableError);
  });

  it('a set deleted between reading it and reading its keys is a 404, for the keys and the JWKS, never a 500 nor an empty JWKS', async () => {
    const name = unique('gone');
    await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 10, retentionDays: 1 }, ALICE);
    // The set row is read, then the set is deleted before its keys are read.
    const racing = new CachedKeySource(() => {
      const em = db().fork();
      const findOne = em.findOne.bind(em);
      return Object.assign(em, {
        findOne: async (...args: Parameters<typeof findOne>) => {
          const found = await findOne(...args);
          await deleteKeySet(db().fork(), t.ja, name, ALICE);
          return found;
        },
      });
    }, t.ja, t.barrier);
    const em = db().fork();
    const set = await em.findOneOrFail(KeySet, { name });
    expect(await rejection(racing.keys(name))).to.be.instanceOf(NotFoundError);
    expect(await rejection(buildJwks(em, set))).to.be.instanceOf(NotFoundError);
  });
});
