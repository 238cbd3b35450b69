/**
 * identity-rp for a console on another origin, end to end against a real identity-authz, learn-ps
 * and an echoing API over real TLS: one sign-in asks for every API's resource, each API gets a token
 * for its own resource (the second from the refresh token, RFC 8707 §2.2), CORS with credentials
 * for the console's exact origin only, and the way back to the console after sign-in and sign-out.
 */
import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { LEARN_PS_RESOURCE } from '../identity-authz/testing/harness.ts';
import { openDatabase } from '../template/database/index.ts';
import { createPostgresDatabase, type Scratch } from '../template/testing/databases.ts';
import { newUnsealShares } from '../template/barrier/index.ts';
import { startTestService } from '../template/testing/service-harness.ts';
import { entities, RpSession } from './entities.ts';
import { identityRp } from './index.ts';
import { ALLOWED_HEADERS, ALLOWED_METHODS, PREFLIGHT_MAX_AGE_SECONDS } from './routes/cors.ts';
import { startRp, type RpBrowser, type RpHarness, type RpHarnessOptions } from './testing/harness.ts';
import { behindRowLock, inArrivalOrder, type Race } from './testing/races.ts';
import { startTokenEcho, type EchoAnswer, type TokenEcho } from './testing/token-echo.ts';

const PROBLEM = 'application/problem+json';
const CONSOLE = 'https://localhost:8184';
const SM_KMS = 'urn:cryptoutil:sm-kms';
const GRANTED = 'openid profile pets:read pets:write kms:read';

/** The rp with learn-ps (a string entry: rp.resource) and sm-kms (its own resource) at the echo. */
function consoleRp(echo: TokenEcho, extra: RpHarnessOptions = {}): Promise<RpHarness> {
  return startRp({
    ...extra,
    rp: {
      scope: 'openid profile pets:read pets:write kms:read',
      apis: { 'sm-kms': { url: `${echo.url}/kms/browser/api/v1`, resource: SM_KMS } },
      consoleOrigins: [CONSOLE],
      ...extra.rp,
    },
    resourceScopes: { [SM_KMS]: ['kms:read'] },
    openidScopes: ['profile'],
    postLogoutRedirectUris: [`${CONSOLE}/signed-out`],
    trust: [echo.ca],
  });
}

async function signedIn(suite: RpHarness, subject: string, login?: string): Promise<RpBrowser> {
  const browser = suite.browser();
  const done = await browser.signIn(subject, GRANTED, login);
  expect(done.status, done.text).to.equal(303);
  return browser;
}

async function csrfOf(browser: RpBrowser): Promise<string> {
  return ((await browser.call('GET', '/bff/session')).json as { csrfToken: string }).csrfToken;
}

async function sessionRows(suite: RpHarness): Promise<{ version: number; refreshingUntil: Date | null | undefined }[]> {
  const db = await openDatabase({ url: suite.rp.config.database.url, entities, migrations: [], poolMax: 1 });
  try {
    return (await db.orm.em.fork().find(RpSession, {})).map((row) => ({ version: row.version, refreshingUntil: row.refreshingUntil }));
  } finally {
    await db.close();
  }
}

describe('identity-rp for a console on another origin', function () {
  this.timeout(30_000);
  let echo: TokenEcho;
  let suite: RpHarness;
  let verify: (token: string) => Promise<Record<string, unknown>>;
  before(async () => {
    echo = await startTokenEcho();
    suite = await consoleRp(echo);
    const discovery = await suite.authz.get('/.well-known/openid-configuration');
    const jwks = await suite.authz.get((discovery.json as { jwks_uri: string }).jwks_uri);
    const keys = createLocalJWKSet(jwks.json as JSONWebKeySet);
    verify = async (token) => (await jwtVerify(token, keys, { issuer: suite.authz.issuer })).payload;
  });
  after(async () => {
    await suite.close();
    await echo.close();
  });

  describe('a token per API resource (RFC 8707)', () => {
    it('forwards to each API a token whose aud is that API\'s resource: the second one from the refresh token, then kept', async () => {
      const browser = await signedIn(suite, 'alice');
      // learn-ps checks its own audience: 200 means the token was for urn:cryptoutil:learn-ps.
      const pets = await browser.call('GET', '/bff/api/learn-ps/pets');
      expect(pets.status, pets.text).to.equal(200);
      expect((await sessionRows(suite)).at(-1)?.version).to.equal(1);
      const kms = await browser.call('GET', '/bff/api/sm-kms/elastickeys?size=1');
      expect(kms.status, kms.text).to.equal(200);
      const sent = kms.json as EchoAnswer;
      expect(sent).to.include({ method: 'GET', path: '/kms/browser/api/v1/elastickeys?size=1' });
      const claims = await verify(sent.token);
      expect(claims).to.include({ aud: SM_KMS, sub: 'alice', scope: 'kms:read', gty: 'authorization_code' });
      // One refresh got it; the next call reuses it.
      expect((await sessionRows(suite)).at(-1)?.version).to.equal(2);
      const again = await browser.call('GET', '/bff/api/sm-kms/elastickeys');
      expect((again.json as EchoAnswer).token).to.equal(sent.token);
      expect((await sessionRows(suite)).at(-1)?.version).to.equal(2);
      // The session's first token is still learn-ps's.
      expect((await browser.call('GET', '/bff/api/learn-ps/pets')).status).to.equal(200);
    });

    it('a user granted nothing of an API\'s resource gets a token without its scopes there, and keeps the session', async () => {
      const browser = suite.browser();
      expect((await browser.signIn('kim', 'openid profile pets:read')).status).to.equal(303);
      const kms = await browser.call('GET', '/bff/api/sm-kms/elastickeys');
      expect(kms.status, kms.text).to.equal(200);
      // The API then refuses by scope (403) itself; the session is not at stake.
      const claims = await verify((kms.json as EchoAnswer).token);
      expect(claims).to.include({ aud: SM_KMS, sub: 'kim' });
      expect(claims).not.to.have.property('scope');
      expect((await browser.call('GET', '/bff/api/learn-ps/pets')).status).to.equal(200);
    });

    it('/bff/session names the APIs and the user (preferred_username of the ID token), never a token', async () => {
      const browser = await signedIn(suite, 'bob');
      const who = await browser.call('GET', '/bff/session');
      expect(who.status).to.equal(200);
      expect(who.json).to.have.all.keys('subject', 'username', 'expiresAt', 'apis', 'csrfToken');
      expect(who.json).to.deep.include({ subject: 'bob', username: 'bob', apis: ['learn-ps', 'sm-kms'] });
      expect(who.text).not.to.match(/eyJ/);
    });
  });

  describe('CORS with credentials for rp.consoleOrigins', () => {
    it('answers a preflight from the console with 204 and what it may send', async () => {
      for (const path of ['/bff/api/learn-ps/pets', '/bff/logout', '/bff/session']) {
        const answer = await suite.browser().call('OPTIONS', path, { headers: { origin: CONSOLE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-csrf-token' } });
        expect(answer.status, path).to.equal(204);
        expect(answer.headers).to.include({
          'access-control-allow-origin': CONSOLE,
          'access-control-allow-credentials': 'true',
          'access-control-allow-methods': ALLOWED_METHODS,
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
        });
        expect(String(answer.headers.vary)).to.match(/Origin/);
      }
      expect(ALLOWED_METHODS).to.equal('GET, POST, PUT, PATCH, DELETE');
      expect(ALLOWED_HEADERS).to.equal('content-type, x-csrf-token');
    });

    it('lets the console read its session and call APIs with the cookie and the CSRF token', async () => {
      const browser = await signedIn(suite, 'carol');
      const who = await browser.call('GET', '/bff/session', { headers: { origin: CONSOLE } });
      expect(who.status).to.equal(200);
      expect(who.headers).to.include({ 'access-control-allow-origin': CONSOLE, 'access-control-allow-credentials': 'true' });
      expect(String(who.headers.vary)).to.match(/Origin/);
      const csrf = (who.json as { csrfToken: string }).csrfToken;
      const created = await browser.call('POST', '/bff/api/learn-ps/pets', { headers: { origin: CONSOLE, 'x-csrf-token': csrf }, body: { name: 'Rex', species: 'dog', priceCents: 100, stock: 1 } });
      expect(created.status, created.text).to.equal(201);
      expect(created.headers['access-control-allow-origin']).to.equal(CONSOLE);
      // An error keeps the CORS headers, so the console can read the problem.
      const refused = await browser.call('POST', '/bff/api/learn-ps/pets', { headers: { origin: CONSOLE }, body: {} });
      expect(refused.status).to.equal(403);
      expect(refused.headers['access-control-allow-origin']).to.equal(CONSOLE);
    });

    it('gives any other origin no CORS header, and refuses its state-changing calls with 403 problem+json', async () => {
      const browser = await signedIn(suite, 'dave');
      const csrf = await csrfOf(browser);
      for (const origin of ['https://localhost:8184.evil', 'https://evil.example', 'http://localhost:8184', 'https://localhost:8185', 'null', `${CONSOLE}/`]) {
        const preflight = await browser.call('OPTIONS', '/bff/api/learn-ps/pets', { headers: { origin, 'access-control-request-method': 'POST' } });
        expect(preflight.headers['access-control-allow-origin'], origin).to.equal(undefined);
        expect(preflight.headers['access-control-allow-credentials'], origin).to.equal(undefined);
        const read = await browser.call('GET', '/bff/session', { headers: { origin } });
        expect(read.headers['access-control-allow-origin'], origin).to.equal(undefined);
        expect(String(read.headers.vary), origin).to.match(/Origin/);
        const write = await browser.call('POST', '/bff/api/learn-ps/pets', { headers: { origin, 'x-csrf-token': csrf }, body: { name: 'Rex', species: 'dog', priceCents: 1, stock: 1 } });
        expect(write.status, origin).to.equal(403);
        expect(write.headers['content-type'], origin).to.contain(PROBLEM);
        expect(write.headers['access-control-allow-origin'], origin).to.equal(undefined);
        const logout = await browser.call('POST', '/bff/logout', { headers: { origin, 'x-csrf-token': csrf } });
        expect(logout.status, origin).to.equal(403);
      }
      expect((await browser.call('GET', '/bff/session')).status).to.equal(200);
    });

    it('answers CORS on /bff/* only', async () => {
      const home = await suite.browser().call('GET', '/', { headers: { origin: CONSOLE } });
      expect(home.status).to.equal(200);
      expect(home.headers['access-control-allow-origin']).to.equal(undefined);
    });
  });

  describe('back to the console after sign-in (return_to)', () => {
    it('sends the browser on to a console\'s return_to from a page (no redirect: the consent form\'s form-action), to its own by 303', async () => {
      const target = `${CONSOLE}/console/it's?tab=1&x=2`;
      const browser = suite.browser();
      const done = await browser.signIn('erin', GRANTED, `/bff/login?return_to=${encodeURIComponent(target)}`);
      expect(done.status, done.text).to.equal(200);
      expect(done.headers['content-type']).to.match(/^text\/html/);
      expect(done.headers['cache-control']).to.equal('no-store');
      expect(done.headers.location).to.equal(undefined);
      const escaped = `${CONSOLE}/console/it&#39;s?tab=1&amp;x=2`;
      expect(done.text).to.include(`<meta http-equiv="refresh" content="0; url=${escaped}">`);
      expect(done.text).to.include(`<a href="${escaped}">Continue</a>`);
      expect((await browser.call('GET', '/bff/session')).status, 'the session cookie came with the page').to.equal(200);
      const own = `${suite.url}/somewhere`;
      const home = await suite.browser().signIn('erin', GRANTED, `/bff/login?return_to=${encodeURIComponent(own)}`);
      expect(home.status).to.equal(303);
      expect(home.headers.location).to.equal(own);
    });

    it('refuses any other return_to with 400 problem+json, before anything is pushed or stored', async () => {
      const hostile = [
        'https://evil.example/', '//evil.example/', '/relative', 'https://localhost:8184.evil/', 'https://localhost:8184@evil.example/',
        'https://user:pass@localhost:8184/', 'http://localhost:8184/', 'javascript:alert(1)', 'JavaScript://localhost:8184/%0aalert(1)',
        'data:text/html,hi', `${CONSOLE.replace('8184', '8185')}/`, '', 'x'.repeat(3000),
      ];
      for (const value of hostile) {
        const answer = await suite.browser().call('GET', `/bff/login?return_to=${encodeURIComponent(value)}`);
        expect(answer.status, value).to.equal(400);
        expect(answer.headers['content-type'], value).to.contain(PROBLEM);
        expect(answer.headers['set-cookie'], value).to.equal(undefined);
      }
      const twice = await suite.browser().call('GET', `/bff/login?return_to=${encodeURIComponent(CONSOLE)}&return_to=${encodeURIComponent(CONSOLE)}`);
      expect(twice.status).to.equal(400);
      const long = await suite.browser().call('GET', `/bff/login?return_to=${encodeURIComponent(`${CONSOLE}/${'a'.repeat(2100)}`)}`);
      expect(long.status).to.equal(400);
    });
  });

  describe('back to the console after sign-out (returnTo)', () => {
    it('puts returnTo into the end_session URL, which identity-authz accepts as registered', async () => {
      const browser = await signedIn(suite, 'frank');
      const out = await browser.call('POST', '/bff/logout', { headers: { origin: CONSOLE, 'x-csrf-token': await csrfOf(browser) }, body: { returnTo: `${CONSOLE}/signed-out` } });
      expect(out.status, out.text).to.equal(200);
      expect(out.headers['access-control-allow-origin']).to.equal(CONSOLE);
      const endSession = new URL((out.json as { endSessionUrl: string }).endSessionUrl);
      expect(endSession.searchParams.get('post_logout_redirect_uri')).to.equal(`${CONSOLE}/signed-out`);
      expect(endSession.searchParams.get('client_id')).to.equal(suite.clientId);
      const page = await suite.authz.get(endSession.href);
      expect(page.status, page.text).to.equal(200);
      expect((await browser.call('GET', '/bff/session')).status).to.equal(401);
    });

    it('keeps the default without returnTo ({} or no body)', async () => {
      const browser = await signedIn(suite, 'grace');
      const out = await browser.call('POST', '/bff/logout', { headers: { origin: CONSOLE, 'x-csrf-token': await csrfOf(browser) }, body: {} });
      expect(out.status, out.text).to.equal(200);
      expect(new URL((out.json as { endSessionUrl: string }).endSessionUrl).searchParams.get('post_logout_redirect_uri')).to.equal(`${suite.url}/`);
    });

    it('refuses a returnTo of another origin, or another body, with 400 and keeps the session', async () => {
      const browser = await signedIn(suite, 'heidi');
      const csrf = await csrfOf(browser);
      const bodies: unknown[] = [
        { returnTo: 'https://evil.example/' }, { returnTo: '//evil.example' }, { returnTo: 'https://localhost:8184.evil/' }, { returnTo: 'javascript:alert(1)' },
        { returnTo: 42 }, { returnTo: CONSOLE, more: 1 }, [CONSOLE], 'https://localhost:8184',
      ];
      for (const body of bodies) {
        const answer = await browser.call('POST', '/bff/logout', { headers: { origin: CONSOLE, 'x-csrf-token': csrf }, body });
        expect(answer.status, JSON.stringify(body)).to.equal(400);
        expect(answer.headers['content-type']).to.contain(PROBLEM);
      }
      expect((await browser.call('GET', '/bff/session')).status).to.equal(200);
    });
  });
});

describe('identity-rp with a console origin that is no origin', function () {
  this.timeout(30_000);

  it('does not start: a usage error (exit code 2) naming the entry', async () => {
    const failed = await startTestService({
      barrier: { shares: await newUnsealShares(3, 2), threshold: 2 },
      hash: { pepper: 'a-test-pepper-of-at-least-32-bytes!!' },
      rp: { issuer: 'https://authz.example', clientId: 'rp', clientSecret: 's', consoleOrigins: ['https://localhost:8184/console'] },
    }, undefined, identityRp).catch((caught: unknown) => caught);
    expect(failed).to.have.property('exitCode', 2);
    expect((failed as Error).message).to.contain('rp.consoleOrigins entry 0 ("https://localhost:8184/console")');
  });
});

describe('identity-rp without any resource', function () {
  this.timeout(30_000);
  let suite: RpHarness;
  before(async () => { suite = await startRp({ rp: { resource: '', scope: 'openid' } }); });
  after(async () => { await suite.close(); });

  it('signs in asking for none and redeems the code for none', async () => {
    const browser = suite.browser();
    const done = await browser.signIn('judy', 'openid');
    expect(done.status, done.text).to.equal(303);
    const who = await browser.call('GET', '/bff/session');
    expect(who.json).to.deep.include({ subject: 'judy', apis: ['learn-ps'] });
  });
});

/** Calls to two APIs of one session at once, both tokens due: two refreshes, one after the other. */
function twoApisSuite(title: string, database: () => Promise<Scratch | undefined>, race: Race): void {
  describe(`calls to two APIs of one session at once on ${title}`, function () {
    this.timeout(30_000);
    let echo: TokenEcho;
    let suite: RpHarness;
    let scratch: Scratch | undefined;
    before(async () => {
      scratch = await database();
      echo = await startTokenEcho();
      // Every token is due at once: each call must refresh for its own resource.
      suite = await consoleRp(echo, { rp: { refreshBeforeSeconds: 3600 }, ...(scratch === undefined ? {} : { databaseUrl: scratch.url }) });
    });
    after(async () => {
      await suite.close();
      await echo.close();
      await scratch?.drop();
    });

    it('both succeed: the refreshes of one session run one after the other (rotation would end the grant otherwise)', async () => {
      const browser = await signedIn(suite, 'ivan');
      let answers: { status: number; text: string; json?: unknown }[] = [];
      await race(suite.rp.config.database.url, async () => {
        answers = await Promise.all([browser.call('GET', '/bff/api/learn-ps/pets'), browser.call('GET', '/bff/api/sm-kms/elastickeys')]);
      }, 2);
      const [learn, kms] = answers;
      expect(learn?.status, learn?.text).to.equal(200);
      expect(kms?.status, kms?.text).to.equal(200);
      expect(kms?.json).to.have.property('token').that.is.a('string').and.not.equal('');
      expect(await sessionRows(suite)).to.deep.equal([{ version: 3, refreshingUntil: null }]);
      // The grant is alive: both keep working, each call refreshing again.
      expect((await browser.call('GET', '/bff/api/sm-kms/elastickeys')).status).to.equal(200);
      expect((await browser.call('GET', '/bff/api/learn-ps/pets')).status).to.equal(200);
      expect(LEARN_PS_RESOURCE).to.equal('urn:cryptoutil:learn-ps');
    });
  });
}

twoApisSuite('SQLite', () => Promise.resolve(undefined), inArrivalOrder);
twoApisSuite('PostgreSQL', createPostgresDatabase, behindRowLock);
