/**
 * The session store and the token keeper on SQLite and PostgreSQL: sealed rows, single-use logins,
 * and the refresh decided by one guarded write whatever the number of callers.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createBarrierWithStore, MemoryBarrierStore, newUnsealShares } from '../template/barrier/index.ts';
import { createHashService } from '../template/hash/index.ts';
import { captureLogs } from '../template/testing/logs.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { sweepOnce } from './index.ts';
import { entities, RpLogin, RpSession } from './entities.ts';
import { migrations } from './migrations.ts';
import { SESSION_BY_COOKIE, SESSION_BY_ID, SessionStore, type OpenSession } from './sessions.ts';
import { RefreshRefusedError, TokenKeeper, type Refresh, type RefreshedTokens } from './tokens.ts';

const LEARN = 'urn:cryptoutil:learn-ps';
const KMS = 'urn:cryptoutil:sm-kms';
const TOKENS = { accessToken: 'access-1', refreshToken: 'refresh-1', idToken: 'id-token-1', resource: LEARN };

describeOnDatabases('identity-rp sessions and refresh', { entities, migrations }, (db) => {
  let store: SessionStore;
  let clock = new Date('2026-01-01T00:00:00Z');
  const now = (): Date => clock;
  const logs = captureLogs('debug');

  before(async () => {
    const barrier = createBarrierWithStore(new MemoryBarrierStore(), 2);
    await barrier.unseal((await newUnsealShares(3, 2)).slice(0, 2));
    const hash = await createHashService({ pepper: 'a-test-pepper-of-at-least-32-bytes!!' });
    store = new SessionStore({ barrier, reads: db().reads, lookup: hash.highEntropyDeterministic, sessionTtlSeconds: 3600, now });
  });
  beforeEach(() => { clock = new Date('2026-01-01T00:00:00Z'); });

  async function session(tokens: { accessToken: string; refreshToken?: string; idToken: string; resource?: string } = TOKENS, accessSeconds = 10): Promise<OpenSession> {
    const cookie = await store.create(db().fork(), { subject: 'alice', sid: 'sid-1', accessExpiresAt: new Date(clock.getTime() + accessSeconds * 1000) }, tokens);
    return store.require(cookie);
  }

  function keeper(refresh: Refresh): TokenKeeper {
    return new TokenKeeper({ store, refresh, refreshBeforeSeconds: 30, log: logs.logger, now });
  }

  const next = (accessToken: string): RefreshedTokens => ({ accessToken, refreshToken: `${accessToken}-refresh`, expiresInSeconds: 300 });

  describe('the store', () => {
    it('reads a session as the ORM gives it, by id and by cookie while it lives (property)', async () => {
      const instant = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true });
      const text = fc.string({ minLength: 1, maxLength: 40 }).filter((value) => !value.includes('\u0000'));
      await fc.assert(
        fc.asyncProperty(text, fc.string({ maxLength: 40 }).filter((value) => !value.includes('\u0000')), fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), instant, fc.option(instant, { nil: null }), instant, async (subject, sid, sealed, version, accessExpiresAt, refreshingUntil, expiresAt) => {
          const em = db().fork();
          const row = em.create(RpSession, { cookieHash: `${String(version)}-${subject}-${String(Math.random())}`, subject, sid, sealed: Buffer.from(sealed), version, accessExpiresAt, refreshingUntil, expiresAt });
          await em.flush();
          const fromOrm = await db().fork().findOneOrFail(RpSession, { id: row.id });
          const plain = {
            id: fromOrm.id, cookieHash: fromOrm.cookieHash, subject: fromOrm.subject, sid: fromOrm.sid, sealed: Buffer.from(fromOrm.sealed), version: fromOrm.version,
            accessExpiresAt: fromOrm.accessExpiresAt, refreshingUntil: fromOrm.refreshingUntil, expiresAt: fromOrm.expiresAt, createdAt: fromOrm.createdAt, updatedAt: fromOrm.updatedAt,
          };
          expect(await db().reads.one(SESSION_BY_ID, [row.id])).to.deep.equal(plain);
          const before = new Date(expiresAt.getTime() - 1);
          expect(await db().reads.one(SESSION_BY_COOKIE, [row.cookieHash, before])).to.deep.equal(plain);
          expect(await db().reads.one(SESSION_BY_COOKIE, [row.cookieHash, expiresAt]), 'expired at its expiry').to.equal(undefined);
        }),
        { numRuns: 30 },
      );
      expect(await db().reads.one(SESSION_BY_ID, ['00000000-0000-7000-8000-000000000000'])).to.equal(undefined);
    });

    it('keeps no secret in clear and only the hash of the cookie', async () => {
      const open = await session();
      const row = await db().fork().findOneOrFail(RpSession, { id: open.row.id });
      const stored = JSON.stringify(row);
      for (const secret of [TOKENS.accessToken, TOKENS.refreshToken, TOKENS.idToken, open.secrets.csrf]) expect(stored).not.to.contain(secret);
      expect(open.secrets).to.include(TOKENS);
    });

    it('answers a login once, to the browser that started it, within its lifetime', async () => {
      const secrets = { state: 's', nonce: 'n', verifier: 'v' };
      const cookie = await store.startLogin(db().fork(), secrets);
      expect(await store.takeLogin(db().fork(), cookie)).to.deep.equal(secrets);
      for (const wrong of [cookie, undefined, 'short', 'A'.repeat(43)]) {
        const error = await store.takeLogin(db().fork(), wrong).catch((caught: unknown) => caught);
        expect(error).to.have.property('status', 400);
      }
      const late = await store.startLogin(db().fork(), secrets);
      clock = new Date(clock.getTime() + 601_000);
      expect(await store.takeLogin(db().fork(), late).catch((caught: unknown) => caught)).to.have.property('status', 400);
    });

    it('sweeps expired sessions and logins, and logs a sweep that fails', async () => {
      await session();
      await store.startLogin(db().fork(), { state: 's', nonce: 'n', verifier: 'v' });
      clock = new Date(clock.getTime() + 7200_000);
      await sweepOnce(db().fork(), store, logs.logger);
      expect(await db().fork().count(RpSession, { expiresAt: { $lte: clock } })).to.equal(0);
      expect(await db().fork().count(RpLogin, {})).to.equal(0);
      const broken = db().fork();
      await sweepOnce(Object.assign(broken, { nativeDelete: () => Promise.reject(new Error('database gone')) }), store, logs.logger);
      expect(logs.records().some((record) => record.msg === 'sweeping expired sessions failed' && record.error === 'Error')).to.equal(true);
    });
  });

  describe('the token keeper', () => {
    it('forwards a token that is not due without refreshing', async () => {
      const open = await session(TOKENS, 300);
      expect(await keeper(() => Promise.reject(new Error('must not refresh'))).accessToken(db().fork(), open, LEARN)).to.equal('access-1');
    });

    it('without a refresh token: the old token while it lasts, then 401', async () => {
      const open = await session({ accessToken: 'only', idToken: 'id', resource: LEARN }, 10);
      const never = keeper(() => Promise.reject(new Error('must not refresh')));
      expect(await never.accessToken(db().fork(), open, LEARN)).to.equal('only');
      clock = new Date(clock.getTime() + 11_000);
      expect(await never.accessToken(db().fork(), open, LEARN).catch((caught: unknown) => caught)).to.have.property('status', 401);
    });

    it('refreshes once for many concurrent callers, and every caller gets the new token', async () => {
      const open = await session();
      let calls = 0;
      const slow: Refresh = async () => {
        calls += 1;
        await new Promise((resolve) => { setTimeout(resolve, 100); });
        return next('access-2');
      };
      const tokens = await Promise.all([1, 2, 3, 4].map(() => keeper(slow).accessToken(db().fork(), open, LEARN)));
      expect(tokens).to.deep.equal(['access-2', 'access-2', 'access-2', 'access-2']);
      expect(calls).to.equal(1);
      const after = await store.reload(open.row.id);
      expect(after?.row.version).to.equal(2);
      expect(after?.secrets).to.include({ accessToken: 'access-2', refreshToken: 'access-2-refresh', idToken: 'id-token-1', csrf: open.secrets.csrf });
    });

    it('ends the session when identity-authz refuses the refresh token (401)', async () => {
      const open = await session();
      const error = await keeper(() => Promise.reject(new RefreshRefusedError())).accessToken(db().fork(), open, LEARN).catch((caught: unknown) => caught);
      expect(error).to.have.property('status', 401);
      expect(await store.reload(open.row.id)).to.equal(undefined);
    });

    it('gives the claim back when identity-authz cannot be reached (503), so a later call refreshes', async () => {
      const open = await session();
      const error = await keeper(() => Promise.reject(new Error('ECONNREFUSED'))).accessToken(db().fork(), open, LEARN).catch((caught: unknown) => caught);
      expect(error).to.have.property('status', 503);
      expect(logs.records().some((record) => record.error === 'Error' && record.msg === 'refreshing a session\'s tokens failed')).to.equal(true);
      expect(await keeper(() => Promise.resolve({ accessToken: 'access-3', expiresInSeconds: 300 })).accessToken(db().fork(), open, LEARN)).to.equal('access-3');
      expect((await store.reload(open.row.id))?.secrets).to.include({ accessToken: 'access-3', refreshToken: 'refresh-1', idToken: 'id-token-1' });
    });

    it('a waiting caller takes over a claim given back, and gives up at its deadline (503)', async () => {
      const open = await session();
      const em = db().fork();
      expect(await store.claimRefresh(em, open.row, new Date(clock.getTime() + 60_000))).to.equal(true);
      const late = await keeper(() => Promise.resolve(next('unused'))).accessToken(db().fork(), open, LEARN, clock.getTime()).catch((caught: unknown) => caught);
      expect(late).to.have.property('status', 503);
      const waiting = keeper(() => Promise.resolve({ ...next('access-4'), idToken: 'id-token-4' })).accessToken(db().fork(), open, LEARN);
      await new Promise((resolve) => { setTimeout(resolve, 60); });
      await store.releaseRefresh(em, open.row);
      expect(await waiting).to.equal('access-4');
      expect((await store.reload(open.row.id))?.secrets).to.include({ idToken: 'id-token-4' });
    });

    it('gets a token for another resource with the refresh token, keeps it apart and reuses it while fresh', async () => {
      const open = await session(TOKENS, 300);
      const asked: [string, string][] = [];
      const refresh: Refresh = (refreshToken, resource) => {
        asked.push([refreshToken, resource]);
        return Promise.resolve(next(`kms-${String(asked.length)}`));
      };
      expect(await keeper(refresh).accessToken(db().fork(), open, KMS)).to.equal('kms-1');
      const after = await store.reload(open.row.id);
      expect(after?.secrets).to.include({ accessToken: 'access-1', resource: LEARN, refreshToken: 'kms-1-refresh' });
      expect(after?.secrets.resourceTokens?.[KMS]).to.deep.equal({ accessToken: 'kms-1', expiresAt: clock.getTime() + 300_000 });
      expect(after?.row.accessExpiresAt.getTime()).to.equal(open.row.accessExpiresAt.getTime());
      if (after === undefined) throw new Error('the session is gone');
      expect(await keeper(refresh).accessToken(db().fork(), after, KMS)).to.equal('kms-1');
      expect(await keeper(refresh).accessToken(db().fork(), after, LEARN)).to.equal('access-1');
      expect(asked).to.deep.equal([['refresh-1', KMS]]);
      // Names inherited from Object are no resources of the session.
      expect(await keeper(refresh).accessToken(db().fork(), after, 'constructor')).to.equal('kms-2');
    });

    it('refreshes for two resources at once one after the other, each with the refresh token the last one left', async () => {
      const open = await session();
      let current = 'refresh-1';
      let round = 0;
      // identity-authz's rotation: a refresh token works once; a second use ends the grant.
      const rotating: Refresh = async (refreshToken, resource) => {
        if (refreshToken !== current) throw new RefreshRefusedError();
        round += 1;
        current = `refresh-${String(round + 1)}`;
        await new Promise((resolve) => { setTimeout(resolve, 50); });
        return { accessToken: `${resource}#${String(round)}`, refreshToken: current, expiresInSeconds: 300 };
      };
      const [learn, kms] = await Promise.all([keeper(rotating).accessToken(db().fork(), open, LEARN), keeper(rotating).accessToken(db().fork(), open, KMS)]);
      expect(learn).to.match(new RegExp(`^${LEARN}#[12]$`));
      expect(kms).to.match(new RegExp(`^${KMS}#[12]$`));
      expect(round).to.equal(2);
      const after = await store.reload(open.row.id);
      expect(after?.row.version).to.equal(3);
      expect(after?.secrets).to.include({ accessToken: learn, refreshToken: current });
      expect(after?.secrets.resourceTokens?.[KMS]?.accessToken).to.equal(kms);
    });

    it('without a refresh token, a resource without a token of its own is 403', async () => {
      const open = await session({ accessToken: 'only', idToken: 'id', resource: LEARN }, 300);
      const error = await keeper(() => Promise.reject(new Error('must not refresh'))).accessToken(db().fork(), open, KMS).catch((caught: unknown) => caught);
      expect(error).to.have.property('status', 403);
    });

    it('a waiting caller whose session ends meanwhile gets 401', async () => {
      const open = await session();
      expect(await store.claimRefresh(db().fork(), open.row, new Date(clock.getTime() + 60_000))).to.equal(true);
      const waiting = keeper(() => Promise.resolve(next('unused'))).accessToken(db().fork(), open, LEARN).catch((caught: unknown) => caught);
      await store.remove(db().fork(), open.row.id);
      expect(await waiting).to.have.property('status', 401);
    });
  });
});
