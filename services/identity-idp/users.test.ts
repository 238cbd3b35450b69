import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/core';
import { openDatabase } from '../template/database/index.ts';
import { createHashService } from '../template/hash/index.ts';
import { entities, IdpGroupMember, IdpUser } from './entities.ts';
import { migrations } from './migrations.ts';
import { ensureBootstrapAdmin, newPasswordProblem, replacePasswordHash } from './users.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';

describe('identity-idp ensureBootstrapAdmin', () => {
  it('creates the admin in the admin group once, and sets the configured password at every start', async () => {
    const database = await openDatabase({ url: 'sqlite::memory:', entities: [...entities], migrations: [...migrations], poolMax: 1 });
    try {
      await database.migrate();
      const hash = await createHashService({ pepper: 'p'.repeat(32) });
      await ensureBootstrapAdmin(database.orm.em.fork(), hash, { username: 'admin', password: 'first password here' });
      await ensureBootstrapAdmin(database.orm.em.fork(), hash, { username: 'admin', password: 'second password here' });
      const em = database.orm.em.fork();
      const users = await em.find(IdpUser, {});
      expect(users.map((user) => [user.username, user.email])).to.deep.equal([['admin', 'admin@localhost']]);
      expect(await hash.lowEntropyRandom.verify('second password here', String(users[0]?.passwordHash))).to.equal(true);
      expect(await hash.lowEntropyRandom.verify('first password here', String(users[0]?.passwordHash))).to.equal(false);
      expect((await em.find(IdpGroupMember, {})).map((row) => row.groupName)).to.deep.equal(['admin']);
    } finally {
      await database.close();
    }
  });
});

describeOnDatabases('identity-idp ensureBootstrapAdmin in replicas starting at once', { entities: [...entities], migrations: [...migrations] }, (db) => {
  it('makes one admin in the admin group, and every replica gets there (none stays unready)', async () => {
    const hash = await createHashService({ pepper: 'p'.repeat(32) });
    await Promise.all(Array.from({ length: 4 }, () => ensureBootstrapAdmin(db().orm.em.fork(), hash, { username: 'racer', password: 'a password long enough' })));
    const em = db().orm.em.fork();
    const users = await em.find(IdpUser, { username: 'racer' });
    expect(users).to.have.length(1);
    expect((await em.find(IdpGroupMember, { userId: users[0]?.id })).map((row) => row.groupName)).to.deep.equal(['admin']);
  });

  it('lets any other failure through', async () => {
    const hash = await createHashService({ pepper: 'p'.repeat(32) });
    const broken = { findOne: () => Promise.reject(new Error('the database is down')) } as unknown as EntityManager;
    const error = await ensureBootstrapAdmin(broken, hash, { username: 'racer', password: 'a password long enough' }).then(() => undefined, (reason: unknown) => reason);
    expect(error).to.be.instanceOf(Error).with.property('message', 'the database is down');
  });
});

describeOnDatabases('identity-idp replacePasswordHash (the guarded password write)', { entities: [...entities], migrations: [...migrations] }, (db) => {
  async function storedUser(username: string, passwordHash: string): Promise<IdpUser> {
    const em = db().orm.em.fork();
    const user = em.create(IdpUser, { username, email: `${username}@example.com`, passwordHash, failedAttempts: 0, lockedUntil: null });
    await em.flush();
    return user;
  }

  async function storedHash(id: string): Promise<string | undefined> {
    return (await db().orm.em.fork().findOne(IdpUser, { id }))?.passwordHash;
  }

  it('writes only over the hash that was checked: a rehash after login does not overwrite a change made meanwhile', async () => {
    const { id } = await storedUser('rehash-race', 'hash-v1-checked');
    // The login has read the user and checked the password against its hash...
    const login = db().orm.em.fork();
    const checked = String((await login.findOne(IdpUser, { id }))?.passwordHash);
    // ...meanwhile the password is changed...
    expect(await replacePasswordHash(db().orm.em.fork(), id, 'hash-v1-checked', 'hash-of-the-new-password')).to.equal(true);
    // ...so the login's rehash of the old password finds another hash and writes nothing.
    expect(await replacePasswordHash(login, id, checked, 'rehash-of-the-old-password')).to.equal(false);
    expect(await storedHash(id)).to.equal('hash-of-the-new-password');
  });

  it('lets exactly one of 8 parallel writes over one checked hash win', async () => {
    const { id } = await storedUser('parallel-writes', 'the-checked-hash');
    const won = await Promise.all(Array.from({ length: 8 }, (_, index) => replacePasswordHash(db().orm.em.fork(), id, 'the-checked-hash', `new-hash-${String(index)}`)));
    expect(won.filter(Boolean)).to.have.length(1);
    expect(await storedHash(id)).to.equal(`new-hash-${String(won.indexOf(true))}`);
  });
});

describe('identity-idp newPasswordProblem (the admin API rule)', () => {
  it('takes 12 to 256 characters and refuses the rest', () => {
    expect(newPasswordProblem('x'.repeat(12))).to.equal(undefined);
    expect(newPasswordProblem('x'.repeat(256))).to.equal(undefined);
    expect(newPasswordProblem('x'.repeat(11))).to.include('at least 12');
    expect(newPasswordProblem('x'.repeat(257))).to.include('at most 256');
  });
});
