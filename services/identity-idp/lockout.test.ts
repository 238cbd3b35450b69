import type { EntityManager } from '@mikro-orm/core';
import { expect } from 'chai';
import type { IdpUser } from './entities.ts';
import { Lockout } from './lockout.ts';
import { startIdp, type IdpHarness } from './testing/harness.ts';
import { createUser, submitLogin } from './testing/flow.ts';

const WRONG = 'definitely the wrong one';

describe('identity-idp account lockout (OWASP Authentication Cheat Sheet)', () => {
  let idp: IdpHarness;
  // The idp's clock stands still until a test moves it, past a lockout rather than waiting it out.
  let clock = Date.now();
  const now = (): Date => new Date(clock);
  before(async () => { idp = await startIdp({ config: { idp: { lockout: { maxFailures: 3, seconds: 2 } } }, now }); });
  after(async () => { await idp.close(); });

  it('locks after maxFailures wrong passwords, says until when (UTC), refuses even the right password, then lets it in', async () => {
    const userId = await createUser(idp, 'target');
    const challenge = await idp.challenge();
    for (let attempt = 1; attempt < 3; attempt += 1) {
      expect((await submitLogin(idp.browser(), challenge, 'target', WRONG)).status).to.equal(401);
    }
    const locking = await submitLogin(idp.browser(), challenge, 'target', WRONG);
    expect(locking.status).to.equal(403);
    const until = /locked after too many failed sign-ins, until (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/.exec(locking.text)?.[1];
    expect(until).to.be.a('string');
    // `seconds` (2) after the failure that locked, shown to the second.
    const endMs = clock + 2000;
    const untilMs = Date.parse(`${until ?? ''}Z`);
    expect(untilMs).to.equal(Math.floor(endMs / 1000) * 1000);

    const right = await submitLogin(idp.browser(), challenge, 'target');
    expect(right.status).to.equal(403);
    expect(right.text).to.include(`until ${until ?? ''} UTC`);
    const shown = (await idp.api('GET', `/users/${userId}`)).json as { locked: boolean; lockedUntil: string };
    expect(shown.locked).to.equal(true);
    expect(shown.lockedUntil).to.equal(new Date(endMs).toISOString());

    // Locked up to the last millisecond, open from the end on.
    clock = endMs - 1;
    expect(((await idp.api('GET', `/users/${userId}`)).json as { locked: boolean }).locked).to.equal(true);
    expect((await submitLogin(idp.browser(), challenge, 'target')).status).to.equal(403);
    clock = endMs;
    expect(((await idp.api('GET', `/users/${userId}`)).json as { locked: boolean }).locked).to.equal(false);
    expect((await submitLogin(idp.browser(), challenge, 'target')).status).to.equal(303);
  });

  it('counts afresh after a success: failures do not add up across successful logins', async () => {
    await createUser(idp, 'sometimes-wrong');
    const challenge = await idp.challenge();
    for (let round = 0; round < 2; round += 1) {
      expect((await submitLogin(idp.browser(), challenge, 'sometimes-wrong', WRONG)).status).to.equal(401);
      expect((await submitLogin(idp.browser(), challenge, 'sometimes-wrong', WRONG)).status).to.equal(401);
      expect((await submitLogin(idp.browser(), challenge, 'sometimes-wrong')).status).to.equal(303);
    }
  });

  it('POST /users/{id}/unlock ends a lockout at once', async () => {
    const userId = await createUser(idp, 'unlock-me');
    const challenge = await idp.challenge();
    for (let attempt = 0; attempt < 3; attempt += 1) await submitLogin(idp.browser(), challenge, 'unlock-me', WRONG);
    expect((await submitLogin(idp.browser(), challenge, 'unlock-me')).status).to.equal(403);
    const unlocked = await idp.api('POST', `/users/${userId}/unlock`);
    expect(unlocked.status).to.equal(200);
    expect(unlocked.json).to.include({ id: userId, locked: false });
    expect(unlocked.json).not.to.have.property('lockedUntil');
    expect((await submitLogin(idp.browser(), challenge, 'unlock-me')).status).to.equal(303);
  });
});

describe('identity-idp throttle of failed logins per address and username', () => {
  let idp: IdpHarness;
  before(async () => { idp = await startIdp({ config: { idp: { throttle: { maxFailures: 3, windowSeconds: 60 } } } }); });
  after(async () => { await idp.close(); });

  it('answers a 429 page with Retry-After once an address has failed maxFailures times for one username', async () => {
    await createUser(idp, 'sprayed');
    const challenge = await idp.challenge();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await submitLogin(idp.browser(), challenge, 'unknown-name', WRONG)).status).to.equal(401);
    }
    const throttled = await submitLogin(idp.browser(), challenge, 'unknown-name');
    expect(throttled.status).to.equal(429);
    expect(throttled.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(Number(throttled.headers['retry-after'])).to.be.within(1, 60);
    expect(throttled.text).to.include('retry after');
    // Another username from the same address has its own window.
    expect((await submitLogin(idp.browser(), challenge, 'sprayed')).status).to.equal(303);
  });

  it('gives the window back on a success: a user who mistypes now and then is never throttled', async () => {
    await createUser(idp, 'clumsy');
    const challenge = await idp.challenge();
    for (let round = 0; round < 3; round += 1) {
      expect((await submitLogin(idp.browser(), challenge, 'clumsy', WRONG)).status).to.equal(401);
      expect((await submitLogin(idp.browser(), challenge, 'clumsy')).status).to.equal(303);
    }
  });
});

describe('Lockout reservations when the database answers unexpectedly', () => {
  const lockout = new Lockout({ maxFailures: 3, seconds: 60 });
  const now = new Date('2026-01-01T00:00:00Z');

  it('refuses until now + seconds when the count was full but a success cleared the lock in between', async () => {
    const em = { nativeUpdate: () => Promise.resolve(0), fork: () => ({ findOne: () => Promise.resolve(null) }) } as unknown as EntityManager;
    expect(await lockout.reserve(em, { user: { id: 'u' } as IdpUser }, now)).to.deep.equal(new Date(now.getTime() + 60_000));
  });

  it('passes on a database error other than the unique key of an unknown name\'s row', async () => {
    const em = { insert: () => Promise.reject(new TypeError('database is gone')) } as unknown as EntityManager;
    let failure: unknown;
    await lockout.reserve(em, { unknown: 'someone' }, now).catch((error: unknown) => { failure = error; });
    expect(failure).to.be.instanceOf(TypeError).and.to.have.property('message', 'database is gone');
  });
});
