/**
 * `POST /bff/backchannel-logout` against a real identity-authz, on SQLite and PostgreSQL: signing
 * out at the authz's end_session ends the rp session without the browser calling the rp; a logout
 * token is acted on once however many copies arrive at once; bad requests are 400 with an OAuth
 * error; and the token is never logged. The session store's parts are checked on both engines too.
 */
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { newUnsealShares } from '../template/barrier/index.ts';
import { captureLogs, type CapturedLogs } from '../template/testing/logs.ts';
import { freePort } from '../template/testing/ports.ts';
import { httpsCall, startTestService, type HttpAnswer } from '../template/testing/service-harness.ts';
import { createPostgresDatabase, describeOnDatabases, type Scratch } from '../template/testing/databases.ts';
import { startReceiver, type Receiver } from '../identity-authz/testing/logout-receiver.ts';
import { entities, RpSession, RpUsedLogoutToken } from './entities.ts';
import { identityRp } from './index.ts';
import { migrations } from './migrations.ts';
import { SessionStore } from './sessions.ts';
import { startRp, type RpBrowser, type RpHarness } from './testing/harness.ts';

const FORM = 'application/x-www-form-urlencoded';

function postToken(suite: Pick<RpHarness, 'url' | 'rp'>, body: string, contentType = FORM): Promise<HttpAnswer> {
  return httpsCall(suite.rp.service.ca, 'POST', `${suite.url}/bff/backchannel-logout`, { headers: { 'content-type': contentType }, body });
}

async function signedIn(suite: RpHarness, subject: string): Promise<RpBrowser> {
  const browser = suite.browser();
  const done = await browser.signIn(subject);
  expect(done.status, done.text).to.equal(303);
  expect((await browser.call('GET', '/bff/session')).status).to.equal(200);
  return browser;
}

/** Points the rp's client at another logout URI, keeping every other setting. */
async function setLogoutUri(suite: RpHarness, uri: string): Promise<void> {
  const current = (await suite.authz.api('GET', `/clients/${suite.clientId}`)).json as Record<string, unknown>;
  const keep = ['name', 'tokenEndpointAuthMethod', 'grantTypes', 'redirectUris', 'postLogoutRedirectUris', 'openidScopes', 'resourceScopes', 'accessTokenTtlSeconds', 'refreshTokenTtlSeconds', 'backchannelLogoutSessionRequired'];
  const input = Object.fromEntries(keep.map((name) => [name, current[name]]));
  const updated = await suite.authz.api('PUT', `/clients/${suite.clientId}`, { ...input, backchannelLogoutUri: uri });
  expect(updated.status, updated.text).to.equal(200);
}

function backchannelSuite(title: string, database: () => Promise<Scratch | undefined>): void {
  describe(`identity-rp back-channel logout (Back-Channel Logout 1.0 §2.5–2.8) on ${title}`, function () {
    this.timeout(30_000);
    let suite: RpHarness;
    let scratch: Scratch | undefined;
    let logs: CapturedLogs;
    before(async () => {
      scratch = await database();
      logs = captureLogs('debug');
      suite = await startRp({ backchannelLogout: { sessionRequired: true }, logger: logs.logger, ...(scratch === undefined ? {} : { databaseUrl: scratch.url }) });
    });
    after(async () => {
      await suite.close();
      await scratch?.drop();
    });

    it('ends the rp session when the user signs out at identity-authz, without the browser calling the rp', async () => {
      const leaving = await signedIn(suite, 'pia');
      const staying = await signedIn(suite, 'pia');
      const out = await leaving.signOutAtAuthz(suite.clientId);
      expect(out.status, out.text).to.be.oneOf([200, 303]);
      expect((await leaving.call('GET', '/bff/session')).status).to.equal(401);
      // The other browser has its own session at the authz (its own sid): it stays signed in.
      expect((await staying.call('GET', '/bff/session')).status).to.equal(200);
    });

    it('acts on a logout token once: of 20 copies at once exactly one is 200, the rest and any later one 400', async () => {
      const receiver: Receiver = await startReceiver(suite.authz);
      try {
        await setLogoutUri(suite, receiver.url);
        const browser = await signedIn(suite, 'quinn');
        await browser.signOutAtAuthz(suite.clientId);
        const token = receiver.deliveries[0]?.fields.get('logout_token') ?? '';
        expect(token).not.to.equal('');
        // The authz's answer went elsewhere: the rp session is still there until the token arrives.
        expect((await browser.call('GET', '/bff/session')).status).to.equal(200);
        const body = new URLSearchParams({ logout_token: token }).toString();
        const answers = await Promise.all(Array.from({ length: 20 }, () => postToken(suite, body)));
        const statuses = answers.map((answer) => answer.status).sort();
        expect(statuses).to.deep.equal([200, ...Array<number>(19).fill(400)]);
        const accepted = answers.find((answer) => answer.status === 200);
        expect(accepted?.headers['cache-control']).to.equal('no-store');
        const refused = answers.find((answer) => answer.status === 400);
        expect(refused?.json).to.deep.equal({ error: 'invalid_request', error_description: 'this logout token has already been used' });
        expect((await browser.call('GET', '/bff/session')).status).to.equal(401);
        expect((await postToken(suite, body)).status).to.equal(400);
        expect(logs.lines.join('')).not.to.contain(token);
      } finally {
        await setLogoutUri(suite, `${suite.url}/bff/backchannel-logout`);
        await receiver.close();
      }
    });

    it('answers 400 invalid_request, no-store, to a bad token, a JSON body or a form without exactly one logout_token', async () => {
      const garbage = await postToken(suite, 'logout_token=not.a.token');
      expect(garbage.status).to.equal(400);
      expect(garbage.headers['cache-control']).to.equal('no-store');
      expect((garbage.json as { error: string }).error).to.equal('invalid_request');
      expect((garbage.json as { error_description: string }).error_description).to.match(/^invalid logout token: /);
      for (const [body, type] of [[JSON.stringify({ logout_token: 'x' }), 'application/json'], ['', FORM], ['logout_token=a&logout_token=b', FORM]] as const) {
        const answer = await postToken(suite, body, type);
        expect(answer.status, body).to.equal(400);
        expect(answer.json).to.deep.equal({ error: 'invalid_request', error_description: 'send one logout_token as application/x-www-form-urlencoded' });
      }
      expect(logs.lines.join('')).not.to.contain('not.a.token');
    });
  });
}

backchannelSuite('SQLite', () => Promise.resolve(undefined));
backchannelSuite('PostgreSQL', createPostgresDatabase);

describe('identity-rp back-channel logout when identity-authz cannot be reached', function () {
  this.timeout(30_000);

  it('answers 503 problem+json: the token cannot be checked, which is not the sender\'s fault', async () => {
    const closed = await freePort();
    const rp = await startTestService({
      barrier: { shares: await newUnsealShares(3, 2), threshold: 2 },
      hash: { pepper: randomBytes(32).toString('base64url') },
      rp: { issuer: `https://127.0.0.1:${String(closed)}`, clientId: 'rp', clientSecret: 's', redirectUri: 'https://rp.example/bff/callback', postLogoutRedirectUri: 'https://rp.example/' },
    }, undefined, identityRp);
    try {
      const answer = await postToken({ url: rp.service.publicUrl, rp }, 'logout_token=a.b.c');
      expect(answer.status).to.equal(503);
      expect(answer.headers['content-type']).to.contain('application/problem+json');
    } finally {
      await rp.close();
    }
  });
});

describeOnDatabases('identity-rp session store, back-channel parts', { entities, migrations }, (db) => {
  const store = (): SessionStore => new SessionStore({
    barrier: { encrypt: () => Promise.reject(new Error('unused')), decrypt: () => Promise.reject(new Error('unused')) } as unknown as ConstructorParameters<typeof SessionStore>[0]['barrier'],
    lookup: { hashWithLatest: () => Promise.reject(new Error('unused')) } as unknown as ConstructorParameters<typeof SessionStore>[0]['lookup'],
    reads: db().reads,
    sessionTtlSeconds: 60,
  });

  async function session(subject: string, sid: string): Promise<void> {
    const em = db().orm.em.fork();
    const now = new Date();
    em.create(RpSession, { cookieHash: randomUUID(), subject, sid, sealed: Buffer.alloc(1), version: 1, accessExpiresAt: now, refreshingUntil: null, expiresAt: new Date(now.getTime() + 60_000) });
    await em.flush();
  }

  async function sids(): Promise<string[]> {
    return (await db().orm.em.fork().find(RpSession, {}, { orderBy: { sid: 'asc' } })).map((row) => `${row.subject}/${row.sid}`);
  }

  it('ends the sessions of a sid, of a sid and sub, of a sub alone, and none for neither', async () => {
    await session('ann', 's1');
    await session('ann', 's2');
    await session('bob', 's3');
    await session('bob', 's4');
    await session('cid', 's5');
    const em = db().orm.em.fork();
    expect(await store().endSessions(em, {})).to.equal(0);
    expect(await store().endSessions(em, { sid: 's1' })).to.equal(1);
    expect(await store().endSessions(em, { sid: 's3', sub: 'ann' })).to.equal(0);
    expect(await store().endSessions(em, { sid: 's3', sub: 'bob' })).to.equal(1);
    expect(await store().endSessions(em, { sub: 'bob' })).to.equal(1);
    expect(await sids()).to.deep.equal(['ann/s2', 'cid/s5']);
  });

  it('spends a logout token once under 20 concurrent attempts, and the sweep drops it once expired', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store().spendLogoutToken(db().orm.em.fork(), 'replay-key', new Date(Date.now() - 1_000))));
    expect(results.filter(Boolean)).to.have.length(1);
    expect(await db().orm.em.fork().count(RpUsedLogoutToken, {})).to.equal(1);
    expect(await store().sweep(db().orm.em.fork())).to.be.at.least(1);
    expect(await db().orm.em.fork().count(RpUsedLogoutToken, {})).to.equal(0);
  });

  it('lets a database failure other than a duplicate through', async () => {
    const error = await store().spendLogoutToken(db().orm.em.fork(), null as unknown as string, new Date()).then(() => undefined, (reason: unknown) => reason);
    expect(error).to.be.instanceOf(Error);
  });
});
