/**
 * identity-rp end to end against a real identity-authz and learn-ps over real TLS: sign-in with
 * PAR + PKCE through the callback, the cookies' attributes, the session endpoint, CSRF, the
 * proxy's allowlist, server-side refresh (once under concurrent calls) and logout.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureLogs } from '../template/testing/logs.ts';
import { freePort } from '../template/testing/ports.ts';
import { startTestService } from '../template/testing/service-harness.ts';
import { newUnsealShares } from '../template/barrier/index.ts';
import { AuthzClient, signInFailure } from './authz-client.ts';
import { customFetchOf, rawFetchTrusting } from './https-fetch.ts';
import { identityRp } from './index.ts';
import { refreshAt } from './grants.ts';
import { RefreshRefusedError } from './tokens.ts';
import { LEARN_PS_RESOURCE } from '../identity-authz/testing/harness.ts';
import { openDatabase } from '../template/database/index.ts';
import { createPostgresDatabase, type Scratch } from '../template/testing/databases.ts';
import { entities, RpSession } from './entities.ts';
import { startRp, type RpBrowser, type RpHarness } from './testing/harness.ts';
import { behindRowLock, inArrivalOrder, type Race } from './testing/races.ts';

const PROBLEM = 'application/problem+json';

function cookieLine(answer: { headers: Readonly<Record<string, string | string[] | undefined>> }, name: string): string | undefined {
  return [answer.headers['set-cookie'] ?? []].flat().find((line) => line.startsWith(`${name}=`));
}

async function signedIn(suite: RpHarness, subject: string, granted?: string): Promise<RpBrowser> {
  const browser = suite.browser();
  const done = await browser.signIn(subject, granted);
  expect(done.status, done.text).to.equal(303);
  return browser;
}

describe('identity-rp backend-for-frontend', function () {
  this.timeout(30_000);
  let suite: RpHarness;
  let closedPort: number;
  before(async () => {
    closedPort = await freePort();
    suite = await startRp({ rp: { apis: { gone: `https://127.0.0.1:${String(closedPort)}/browser/api/v1` } } });
  });
  after(async () => { await suite.close(); });

  it('leaves every other path to the template (404 problem+json)', async () => {
    const answer = await suite.browser().call('GET', '/bff/unknown');
    expect(answer.status).to.equal(404);
    expect(answer.headers['content-type']).to.contain(PROBLEM);
  });

  it('discovers identity-authz once it can be reached, trying again after a failure', async () => {
    let issuer = `https://127.0.0.1:${String(closedPort)}`;
    const client = new AuthzClient({ issuer: () => issuer, clientId: suite.clientId, clientSecret: 'unused', fetch: customFetchOf(rawFetchTrusting(suite.authz.service.ca)) });
    const failed = await client.configuration().catch((caught: unknown) => caught);
    expect(failed).to.be.instanceOf(Error);
    expect(signInFailure(failed).status).to.equal(503);
    issuer = suite.authz.issuer;
    expect((await client.configuration()).serverMetadata().issuer).to.equal(suite.authz.issuer);
  });

  it('turns a refused refresh grant into RefreshRefusedError, and an unreachable authz into a plain failure', async () => {
    const fetch = customFetchOf(rawFetchTrusting(suite.authz.service.ca));
    const client = refreshAt(new AuthzClient({ issuer: () => suite.authz.issuer, clientId: suite.clientId, clientSecret: suite.clientSecret, fetch }));
    expect(await client('not-a-refresh-token', LEARN_PS_RESOURCE).catch((caught: unknown) => caught)).to.be.instanceOf(RefreshRefusedError);
    const wrongSecret = refreshAt(new AuthzClient({ issuer: () => suite.authz.issuer, clientId: suite.clientId, clientSecret: 'wrong', fetch }));
    expect(await wrongSecret('not-a-refresh-token', '').catch((caught: unknown) => caught)).to.be.instanceOf(RefreshRefusedError);
    const unreachable = refreshAt(new AuthzClient({ issuer: () => `https://127.0.0.1:${String(closedPort)}`, clientId: suite.clientId, clientSecret: 'wrong', fetch }));
    const failure = await unreachable('not-a-refresh-token', '').catch((caught: unknown) => caught);
    expect(failure).to.be.instanceOf(Error).and.not.to.be.instanceOf(RefreshRefusedError);
  });

  it('refuses an upstream answer larger than its limit', async () => {
    const small = rawFetchTrusting(suite.authz.service.ca, 16);
    const failure = await small(`${suite.authz.issuer}/.well-known/openid-configuration`, { method: 'GET', headers: {} }).catch((caught: unknown) => caught);
    expect(failure).to.be.instanceOf(Error).with.property('message', 'upstream answer too large');
  });

  it('answers /bff/login with 503 when identity-authz refuses the pushed request (unknown client, no resource)', async () => {
    const shares = await newUnsealShares(3, 2);
    const rp = await startTestService((_issuer, dataDir) => {
      const caFile = join(dataDir, 'authz-ca.pem');
      writeFileSync(caFile, suite.authz.service.ca);
      return {
        auth: { issuer: suite.authz.issuer }, tls: { caFile },
        barrier: { shares: [...shares], threshold: 2 }, hash: { pepper: 'a-test-pepper-of-at-least-32-bytes!!' },
        rp: { clientId: 'no-such-client', clientSecret: 'x' },
      };
    }, undefined, identityRp);
    try {
      const answer = await rp.call('GET', `${rp.service.publicUrl}/bff/login`);
      expect(answer.status).to.equal(503);
      expect(answer.headers['content-type']).to.contain(PROBLEM);
    } finally {
      await rp.close();
    }
  });

  describe('sign-in (authorization code + PKCE S256 through PAR, RFC 9126)', () => {
    it('sends the browser to identity-authz with a pushed request only, binding the login to a Lax __Host- cookie', async () => {
      const browser = suite.browser();
      const start = await browser.call('GET', '/bff/login');
      expect(start.status).to.equal(303);
      const target = new URL(String(start.headers.location));
      expect(target.origin).to.equal(suite.authz.issuer);
      expect([...target.searchParams.keys()].sort()).to.deep.equal(['client_id', 'request_uri']);
      expect(cookieLine(start, '__Host-rp_login')).to.match(/^__Host-rp_login=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/);
    });

    it('keeps the tokens on the server: the browser gets one Strict __Host- cookie and /bff/session shows no token', async () => {
      const browser = suite.browser();
      const done = await browser.signIn('alice');
      expect(done.status, done.text).to.equal(303);
      expect(done.headers.location).to.equal('/');
      expect(cookieLine(done, '__Host-rp_session')).to.match(/^__Host-rp_session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=28800$/);
      expect(cookieLine(done, '__Host-rp_login')).to.match(/Max-Age=0$/);
      const who = await browser.call('GET', '/bff/session');
      expect(who.status).to.equal(200);
      expect(who.headers['cache-control']).to.equal('no-store');
      // The scope asked for no profile: the ID token has no preferred_username, so no username.
      expect(who.json).to.have.all.keys('subject', 'expiresAt', 'apis', 'csrfToken');
      expect(who.json).to.deep.include({ subject: 'alice', apis: ['learn-ps', 'gone'] });
      expect(who.text).not.to.match(/eyJ/);
    });

    it('answers a callback once: replayed, without the login cookie or refused by the authz, it is 400 problem+json', async () => {
      const browser = suite.browser();
      const start = await browser.call('GET', '/bff/login');
      expect(start.status).to.equal(303);
      const stranger = suite.browser();
      const foreign = await stranger.call('GET', '/bff/callback?code=x&state=y');
      expect(foreign.status).to.equal(400);
      expect(foreign.headers['content-type']).to.contain(PROBLEM);
      const refused = await browser.call('GET', `/bff/callback?error=access_denied&state=nope&iss=${encodeURIComponent(suite.authz.issuer)}`);
      expect(refused.status, refused.text).to.equal(400);
      expect((refused.json as { code?: string; type: string }).type).to.be.a('string');
      const again = await browser.call('GET', `/bff/callback?error=access_denied&state=nope&iss=${encodeURIComponent(suite.authz.issuer)}`);
      expect(again.status).to.equal(400);
    });

    it('shows at / (where a sign-in ends) who is signed in, or a link to sign in; a page without scripts, never a token', async () => {
      const stranger = await suite.browser().call('GET', '/');
      expect(stranger.status).to.equal(200);
      expect(stranger.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(stranger.text).to.include('<h1>Not signed in</h1>').and.include('<a href="/bff/login">Sign in</a>');
      const browser = await signedIn(suite, '<alice & co>');
      const home = await browser.call('GET', '/');
      expect(home.status).to.equal(200);
      expect(home.headers['cache-control']).to.equal('no-store');
      expect(home.text).to.include('You are signed in as <code>&lt;alice &amp; co&gt;</code>').and.include('<a href="/bff/session">')
        .and.include('<a href="/bff/api/gone/">').and.not.include('<script').and.not.match(/eyJ/);
    });

    it('/bff/session without a session (or with a forged cookie) is 401 problem+json', async () => {
      const none = await suite.browser().call('GET', '/bff/session');
      expect(none.status).to.equal(401);
      expect(none.headers['content-type']).to.contain(PROBLEM);
      const forged = await suite.browser().call('GET', '/bff/session', { headers: { cookie: `__Host-rp_session=${'A'.repeat(43)}` } });
      expect(forged.status).to.equal(401);
    });
  });

  describe('the API proxy', () => {
    it('calls an allowlisted API with the user\'s token (learn-ps /browser takes user tokens only)', async () => {
      const browser = await signedIn(suite, 'bob');
      const pets = await browser.call('GET', '/bff/api/learn-ps/pets?size=5');
      expect(pets.status, pets.text).to.equal(200);
      expect(pets.json).to.include({ page: 0, size: 5 });
    });

    it('refuses any other target with 404 problem+json', async () => {
      const browser = await signedIn(suite, 'carol');
      for (const path of ['/bff/api/sm-kms/elastickeys', '/bff/api/constructor/x', '/bff/api/']) {
        const answer = await browser.call('GET', path);
        expect(answer.status, path).to.equal(404);
        expect(answer.headers['content-type'], path).to.contain(PROBLEM);
      }
    });

    it('refuses state-changing calls without the CSRF header or from another Origin (403), and passes upstream problem+json through', async () => {
      const browser = await signedIn(suite, 'dave');
      const csrf = ((await browser.call('GET', '/bff/session')).json as { csrfToken: string }).csrfToken;
      const pet = { name: 'Rex', species: 'dog', priceCents: 100, stock: 1 };
      const noToken = await browser.call('POST', '/bff/api/learn-ps/pets', { headers: { origin: suite.url }, body: pet });
      expect(noToken.status).to.equal(403);
      expect(noToken.headers['content-type']).to.contain(PROBLEM);
      const wrongOrigin = await browser.call('POST', '/bff/api/learn-ps/pets', { headers: { origin: 'https://evil.example', 'x-csrf-token': csrf }, body: pet });
      expect(wrongOrigin.status).to.equal(403);
      const noOrigin = await browser.call('POST', '/bff/api/learn-ps/pets', { headers: { 'x-csrf-token': csrf }, body: pet });
      expect(noOrigin.status).to.equal(403);
      const wrongToken = await browser.call('POST', '/bff/api/learn-ps/pets', { headers: { origin: suite.url, 'x-csrf-token': csrf.replace(/^./, (c) => c === 'A' ? 'B' : 'A') }, body: pet });
      expect(wrongToken.status).to.equal(403);
      // dave was granted pets:read only: learn-ps's own 403 comes back as it was sent.
      const upstream = await browser.send('POST', '/bff/api/learn-ps/pets', pet);
      expect(upstream.status).to.equal(403);
      expect(upstream.headers['content-type']).to.contain(PROBLEM);
      expect((upstream.json as { detail: string }).detail).to.match(/pets:write/);
    });

    it('forwards a state-changing call with the CSRF header from its own Origin', async () => {
      const browser = await signedIn(suite, 'erin', 'openid pets:read pets:write');
      const created = await browser.send('POST', '/bff/api/learn-ps/pets', { name: 'Tom', species: 'cat', priceCents: 250, stock: 2 });
      expect(created.status, created.text).to.equal(201);
      expect(created.json).to.include({ name: 'Tom', species: 'cat' });
      expect(created.headers['set-cookie']).to.equal(undefined);
    });

    it('deletes through the proxy (204, no body) and sends a non-JSON body on as bytes', async () => {
      const browser = await signedIn(suite, 'heidi', 'openid pets:read pets:write');
      const created = await browser.send('POST', '/bff/api/learn-ps/pets', { name: 'Kit', species: 'cat', priceCents: 1, stock: 1 });
      expect(created.status, created.text).to.equal(201);
      const deleted = await browser.send('DELETE', `/bff/api/learn-ps/pets/${(created.json as { id: string }).id}`);
      expect(deleted.status, deleted.text).to.equal(204);
      expect(deleted.text).to.equal('');
      const csrf = ((await browser.call('GET', '/bff/session')).json as { csrfToken: string }).csrfToken;
      const plain = await browser.call('POST', '/bff/api/learn-ps/pets', { headers: { origin: suite.url, 'x-csrf-token': csrf, 'content-type': 'text/plain' }, body: 'not json' });
      expect(plain.status, plain.text).to.equal(415);
      expect(plain.headers['content-type']).to.contain(PROBLEM);
    });

    it('answers 503 problem+json when an allowlisted API cannot be reached', async () => {
      const browser = await signedIn(suite, 'ivan');
      const answer = await browser.call('GET', '/bff/api/gone/pets');
      expect(answer.status).to.equal(503);
      expect(answer.headers['content-type']).to.contain(PROBLEM);
    });

    it('is 401 without a session', async () => {
      const answer = await suite.browser().call('GET', '/bff/api/learn-ps/pets');
      expect(answer.status).to.equal(401);
    });
  });

  describe('logout (OpenID Connect RP-Initiated Logout 1.0)', () => {
    it('needs the CSRF header, then ends the session here and answers the end_session URL without the ID token', async () => {
      const browser = await signedIn(suite, 'frank');
      expect((await browser.call('POST', '/bff/logout', { headers: { origin: suite.url } })).status).to.equal(403);
      const out = await browser.send('POST', '/bff/logout');
      expect(out.status, out.text).to.equal(200);
      expect(cookieLine(out, '__Host-rp_session')).to.match(/^__Host-rp_session=; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=0$/);
      const endSession = new URL((out.json as { endSessionUrl: string }).endSessionUrl);
      expect(endSession.origin).to.equal(suite.authz.issuer);
      expect(endSession.searchParams.get('client_id')).to.equal(suite.clientId);
      expect(endSession.searchParams.get('post_logout_redirect_uri')).to.equal(`${suite.url}/`);
      expect(endSession.searchParams.has('id_token_hint')).to.equal(false);
      const page = await suite.authz.get(endSession.href);
      expect(page.status, page.text).to.equal(200);
      expect((await browser.call('GET', '/bff/session')).status).to.equal(401);
      expect((await browser.call('GET', '/bff/api/learn-ps/pets')).status).to.equal(401);
    });
  });
});

describe('identity-rp when identity-authz cannot be reached', function () {
  this.timeout(30_000);

  it('answers /bff/login with 503 problem+json and never logs the client secret', async () => {
    const logs = captureLogs('debug');
    const closed = await freePort();
    const secret = 'a-client-secret-that-must-never-be-logged';
    const shares = await newUnsealShares(3, 2);
    const rp = await startTestService({
      barrier: { shares, threshold: 2 },
      hash: { pepper: 'a-test-pepper-of-at-least-32-bytes!!' },
      rp: {
        issuer: `https://127.0.0.1:${String(closed)}`, clientId: 'rp', clientSecret: secret,
        redirectUri: 'https://rp.example/bff/callback', postLogoutRedirectUri: 'https://rp.example/',
      },
    }, logs.logger, identityRp);
    try {
      const answer = await rp.call('GET', `${rp.service.publicUrl}/bff/login`);
      expect(answer.status).to.equal(503);
      expect(answer.headers['content-type']).to.contain(PROBLEM);
      expect(answer.text).not.to.contain(secret);
    } finally {
      await rp.close();
    }
    expect(logs.lines.join('')).not.to.contain(secret);
    expect(logs.records().some((record) => record.msg === 'pushing an authorization request to identity-authz failed')).to.equal(true);
  });
});

/** Two proxied calls at once on a due token: one refresh grant, both answered with the new token. */
function refreshSuite(title: string, database: () => Promise<Scratch | undefined>, race: Race): void {
  describe(`server-side refresh, once under concurrent calls, on ${title}`, function () {
    this.timeout(30_000);
    let suite: RpHarness;
    let scratch: Scratch | undefined;
    before(async () => {
      scratch = await database();
      // Every token is due at once: every proxied call must refresh first.
      suite = await startRp({ rp: { refreshBeforeSeconds: 3600 }, ...(scratch === undefined ? {} : { databaseUrl: scratch.url }) });
    });
    after(async () => {
      await suite.close();
      await scratch?.drop();
    });

    it('refreshes once for two concurrent calls (rotated refresh tokens: a second use would end the grant)', async () => {
      const browser = await signedIn(suite, 'grace');
      let answers: { status: number; text: string }[] = [];
      await race(suite.rp.config.database.url, async () => {
        answers = await Promise.all([
          browser.call('GET', '/bff/api/learn-ps/pets'),
          browser.call('GET', '/bff/api/learn-ps/pets'),
        ]);
      }, 2);
      const [first, second] = answers;
      expect(first?.status, first?.text).to.equal(200);
      expect(second?.status, second?.text).to.equal(200);
      const db = await openDatabase({ url: suite.rp.config.database.url, entities, migrations: [], poolMax: 1 });
      try {
        const rows = await db.orm.em.fork().find(RpSession, {});
        expect(rows.map((row) => row.version)).to.deep.equal([2]);
        expect(rows[0]?.refreshingUntil).to.equal(null);
      } finally {
        await db.close();
      }
      const third = await browser.call('GET', '/bff/api/learn-ps/pets');
      expect(third.status, third.text).to.equal(200);
    });
  });
}

refreshSuite('SQLite', () => Promise.resolve(undefined), inArrivalOrder);
refreshSuite('PostgreSQL', createPostgresDatabase, behindRowLock);
