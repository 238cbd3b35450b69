import type { EntityManager } from '@mikro-orm/core';
import { expect } from 'chai';
import { pino } from 'pino';
import { createHashService, type HashService } from '../template/hash/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { signingKeyEntities, signingKeyMigrations } from '../template/signing-keys/index.ts';
import { entities, IdpLoginCounter, IdpSession, IdpUser } from './entities.ts';
import { sweepOnce } from './index.ts';
import { Lockout } from './lockout.ts';
import { migrations } from './migrations.ts';
import { SessionStore } from './sessions.ts';
import { FailureThrottle } from './throttle.ts';
import { lockedUntil, newUser, presentUser } from './users.ts';

describeOnDatabases('identity-idp sessions, users and lockout', { entities: [...signingKeyEntities, ...entities], migrations: [...signingKeyMigrations, ...migrations] }, (db) => {
  let hash: HashService;
  let now = new Date('2026-01-01T00:00:00Z');
  before(async () => { hash = await createHashService({ pepper: 'a-test-pepper-of-at-least-32-bytes!!' }); });

  async function user(username: string): Promise<IdpUser> {
    const em = db().fork();
    const created = await newUser(em, hash, { username, email: `${username}@example.com`, password: 'twelve chars+' });
    await em.flush();
    return created;
  }

  it('finds a session by its cookie value until it expires; the row holds only the hash', async () => {
    const store = new SessionStore({ hash, ttlSeconds: 60, now: () => now });
    expect(store.ttlSeconds).to.equal(60);
    const alice = await user('alice');
    const em = db().fork();
    const token = await store.create(em, alice, now, ['pwd']);
    await em.flush();
    const found = await store.find(db().fork(), token);
    expect(found?.user.id).to.equal(alice.id);
    expect(found?.session.amr).to.equal('pwd');
    expect(found?.session.authTime.getTime()).to.equal(now.getTime());
    const rows = await db().fork().find(IdpSession, { userId: alice.id });
    expect(rows.map((row) => row.tokenHash)).not.to.include(token);
    expect(await store.find(db().fork(), undefined)).to.equal(undefined);
    expect(await store.find(db().fork(), 'not a token')).to.equal(undefined);
    expect(await store.find(db().fork(), 'A'.repeat(43))).to.equal(undefined);
    now = new Date(now.getTime() + 60_000);
    expect(await store.find(db().fork(), token)).to.equal(undefined);
  });

  it('spends no hash and no query on a cookie value of another shape, and keeps every method of the login', async () => {
    const hashed: string[] = [];
    const counting = { highEntropyDeterministic: { hashWithLatest: (value: string) => { hashed.push(value); return hash.highEntropyDeterministic.hashWithLatest(value); } } } as unknown as HashService;
    const store = new SessionStore({ hash: counting, ttlSeconds: 60, now: () => now });
    const body = 'A'.repeat(42);
    for (const value of [body, `${body}AA`, `!${body}`, `${body}!`, `${body}=`, `${body}A\n`, '']) {
      expect(await store.find(db().fork(), value)).to.equal(undefined);
      await store.delete(db().fork(), value);
    }
    expect(hashed).to.deep.equal([]);
    // Every character a cookie value may hold: looked up (and not found).
    const shaped = `AZaz09_-${'x'.repeat(35)}`;
    expect(await store.find(db().fork(), shaped)).to.equal(undefined);
    await store.delete(db().fork(), shaped);
    expect(hashed).to.deep.equal([shaped, shaped]);

    const frank = await user('frank');
    const em = db().fork();
    const token = await store.create(em, frank, now, ['pwd', 'otp']);
    await em.flush();
    expect((await store.find(db().fork(), token))?.session.amr).to.equal('pwd otp');

    // On the wall clock by default: a session made now is live now.
    const wall = new SessionStore({ hash, ttlSeconds: 60 });
    const live = await wall.create(em, frank, new Date(), ['pwd']);
    await em.flush();
    expect((await wall.find(db().fork(), live))?.user.id).to.equal(frank.id);
    // A session whose user is deleted between the two look-ups is no session.
    const racing = { findOne: (entity: unknown) => Promise.resolve(entity === IdpSession ? { userId: frank.id } : null) } as unknown as EntityManager;
    expect(await wall.find(racing, live)).to.equal(undefined);
  });

  it('sweeps expired sessions only, and delete removes one by its cookie value', async () => {
    const store = new SessionStore({ hash, ttlSeconds: 10, now: () => now });
    const bob = await user('bob');
    const em = db().fork();
    const old = await store.create(em, bob, now, ['pwd']);
    await em.flush();
    now = new Date(now.getTime() + 5_000);
    const fresh = await store.create(em, bob, now, ['pwd']);
    const other = await store.create(em, bob, now, ['pwd']);
    await em.flush();
    now = new Date(now.getTime() + 6_000);
    expect(await store.sweep(db().fork())).to.be.at.least(1);
    expect(await store.find(db().fork(), old)).to.equal(undefined);
    expect((await store.find(db().fork(), fresh))?.user.id).to.equal(bob.id);
    await store.delete(db().fork(), fresh);
    await store.delete(db().fork(), undefined);
    await store.delete(db().fork(), '!');
    expect(await store.find(db().fork(), fresh)).to.equal(undefined);
    expect((await store.find(db().fork(), other))?.user.id).to.equal(bob.id);
  });

  it('deleting a user deletes its sessions (foreign key cascade)', async () => {
    const store = new SessionStore({ hash, ttlSeconds: 3600, now: () => now });
    const carol = await user('carol');
    const em = db().fork();
    await store.create(em, carol, now, ['pwd']);
    await em.flush();
    await db().fork().nativeDelete(IdpUser, { id: carol.id });
    expect(await db().fork().count(IdpSession, { userId: carol.id })).to.equal(0);
  });

  it('admits at most maxFailures parallel reservations, locks at the one that fills the count, and counts afresh after', async () => {
    const lockout = new Lockout({ maxFailures: 3, seconds: 60 });
    const dave = await user('dave');
    const end = new Date(now.getTime() + 60_000);
    const results = await Promise.all(Array.from({ length: 10 }, () => lockout.reserve(db().fork(), { user: dave }, now)));
    expect(results.filter((until) => until === undefined)).to.have.length(3);
    expect(results.filter((until) => until?.getTime() === end.getTime())).to.have.length(7);
    const stored = await db().fork().findOneOrFail(IdpUser, { id: dave.id });
    expect(stored.failedAttempts).to.equal(3);
    expect(lockedUntil(stored, now)?.getTime()).to.equal(end.getTime());
    expect(presentUser(stored, now)).to.include({ locked: true, lockedUntil: end.toISOString() });
    expect(await lockout.lockedUntil(db().fork(), { user: dave }, now)).to.deep.equal(end);
    expect(await lockout.lockedUntil(db().fork(), { user: dave }, end)).to.equal(undefined);
    // The lock has ended: the next attempt starts the count afresh at one.
    expect(await lockout.reserve(db().fork(), { user: dave }, end)).to.equal(undefined);
    expect((await db().fork().findOneOrFail(IdpUser, { id: dave.id })).failedAttempts).to.equal(1);
    await lockout.release(db().fork(), { user: dave });
    expect(await db().fork().findOneOrFail(IdpUser, { id: dave.id })).to.include({ failedAttempts: 0, lockedUntil: null });
  });

  it('counts an unknown username in its own row, without creating a user, and locks it the same way', async () => {
    const lockout = new Lockout({ maxFailures: 2, seconds: 60 });
    const results = await Promise.all(Array.from({ length: 6 }, () => lockout.reserve(db().fork(), { unknown: 'nobody' }, now)));
    expect(results.filter((until) => until === undefined)).to.have.length(2);
    expect(await lockout.lockedUntil(db().fork(), { unknown: 'nobody' }, now)).to.deep.equal(new Date(now.getTime() + 60_000));
    expect(await db().fork().count(IdpUser, { username: 'nobody' })).to.equal(0);
    expect(await db().fork().findOneOrFail(IdpLoginCounter, { username: 'nobody' })).to.include({ failedAttempts: 2 });
    expect(await lockout.lockedUntil(db().fork(), { unknown: 'never-tried' }, now)).to.equal(undefined);
    // The sweep drops counters whose lock has ended (this one ended long ago), not those still locked.
    const future = new Date(Date.now() + 3_600_000);
    await lockout.reserve(db().fork(), { unknown: 'still-locked' }, future);
    await lockout.reserve(db().fork(), { unknown: 'still-locked' }, future);
    await sweepOnce(() => db().fork(), new SessionStore({ hash, ttlSeconds: 60 }), new FailureThrottle({ maxFailures: 1, windowSeconds: 1 }), pino({ level: 'silent' }));
    expect((await db().fork().find(IdpLoginCounter, {})).map((row) => row.username)).to.deep.equal(['still-locked']);
  });

  it('hashes a new user with an older version when asked (imports, rehash tests)', async () => {
    const em = db().fork();
    const old = await newUser(em, hash, { username: 'erin', email: 'e@example.com', password: 'twelve chars+' }, 1);
    expect(old.passwordHash).to.match(/^\$low-entropy-random\$v=1\$/);
    expect(await hash.lowEntropyRandom.needsRehash(old.passwordHash)).to.equal(true);
    expect(await hash.lowEntropyRandom.verify('twelve chars+', old.passwordHash)).to.equal(true);
  });
});
