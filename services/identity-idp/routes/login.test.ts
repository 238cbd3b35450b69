import { expect } from 'chai';
import { createHashService } from '../../template/hash/index.ts';
import { httpsCall } from '../../template/testing/service-harness.ts';
import { fieldValue, query, startIdp, type IdpHarness } from '../testing/harness.ts';
import { createUser, decide, location, openLoginForm, PASSWORD, requestId, submitLogin, verifiedResult } from '../testing/flow.ts';
import { PasswordChecks } from '../testing/password-checks.ts';

import { PAGE_POLICY, pagePolicy } from './index.ts';
import { PASSKEY_SCRIPT_INTEGRITY, PASSKEY_SCRIPT_PATH } from '../pages/passkey-script.ts';
import { decoyHash } from './login.ts';

const LOGIN_FAILED = 'The username or password is incorrect.';

describe('identity-idp login and consent (the identity-authz contract)', () => {
  let idp: IdpHarness;
  // The idp's clock runs `ahead` of the real one; tests only ever move it forward.
  let ahead = 0;
  before(async () => { idp = await startIdp({ now: () => new Date(Date.now() + ahead) }); });
  after(async () => { await idp.close(); });

  it('serves the login page with no script but the passkey script, under its own CSP, with a Strict CSRF cookie', async () => {
    await createUser(idp, 'page-user');
    const browser = idp.browser();
    const challenge = await idp.challenge({ login_hint: 'page-user' });
    const page = await browser.get(`/login?login_challenge=${challenge}`);
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).to.equal(PAGE_POLICY);
    expect(page.headers['cache-control']).to.equal('no-store');
    // One script element, the passkey script by path and integrity; nothing inline.
    expect(page.text.match(/<script/g)).to.have.length(1);
    expect(page.text).to.include(`<script src="${PASSKEY_SCRIPT_PATH}" integrity="${PASSKEY_SCRIPT_INTEGRITY}" defer></script>`);
    expect(page.text).to.include('Demo App').and.include('href="/assets/idp.css"');
    expect(fieldValue(page.text, 'login_challenge')).to.equal(challenge);
    expect(fieldValue(page.text, 'username')).to.equal('page-user');
    expect(browser.setCookieHeaders.find((line) => line.startsWith('__Host-idp_csrf='))).to.match(/^__Host-idp_csrf=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
    // The same browser keeps its token.
    const again = await browser.get(`/login?login_challenge=${challenge}`);
    expect(fieldValue(again.text, 'csrf')).to.equal(fieldValue(page.text, 'csrf'));
    // The pages and the stylesheet are metric routes of their own, labelled by their fixed path.
    expect((await browser.get('/assets/idp.css')).status).to.equal(200);
    const metrics = await httpsCall(idp.service.ca, 'GET', `${idp.service.adminUrl}/admin/v1/metrics`);
    expect(metrics.text).to.match(/^http_server_requests_total\{method="GET",route="\/login",status="200",service="identity-idp"\} [1-9]/m);
    expect(metrics.text).to.match(/^http_server_requests_total\{method="GET",route="\/assets\/idp.css",status="200",service="identity-idp"\} 1$/m);
  });

  it('lets the consent form reach identity-authz and the client\'s redirect origins, and nothing else', async () => {
    await createUser(idp, 'csp-user');
    const browser = idp.browser();
    const challenge = await idp.challenge({ redirect_origins: ['https://app.example', 'com.example.app:'] });
    const login = await browser.get(`/login?login_challenge=${challenge}`);
    expect(login.headers['content-security-policy']).to.equal(PAGE_POLICY);
    expect(PAGE_POLICY).to.include("form-action 'self';").and.not.include('https:');
    expect((await submitLogin(browser, challenge, 'csp-user')).status).to.equal(303);
    const consent = await browser.get(`/consent?login_challenge=${challenge}`);
    expect(consent.status).to.equal(200);
    const authzOrigin = new URL(idp.issuer.url).origin;
    expect(consent.headers['content-security-policy']).to.equal(pagePolicy([authzOrigin, 'https://app.example', 'com.example.app:']));
    expect(String(consent.headers['content-security-policy'])).to.include(`form-action 'self' ${authzOrigin} https://app.example com.example.app:;`);
  });

  it('logs in, asks consent and returns a result whose claims are exactly the contract (allow)', async () => {
    const userId = await createUser(idp, 'alice');
    const browser = idp.browser();
    const challenge = await idp.challenge();
    const before = Math.floor(Date.now() / 1000);
    const login = await submitLogin(browser, challenge, 'alice');
    expect(login.status).to.equal(303);
    expect(location(login)).to.equal(`/consent?login_challenge=${challenge}`);
    expect(browser.setCookieHeaders.find((line) => line.startsWith('__Host-idp_session='))).to.match(/^__Host-idp_session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=28800$/);

    const consentPage = await browser.get(`/consent?login_challenge=${challenge}`);
    expect(consentPage.status).to.equal(200);
    expect(consentPage.headers['content-security-policy']).to.equal(pagePolicy([new URL(idp.issuer.url).origin]));
    for (const text of ['Demo App', 'alice', 'openid', 'profile', 'kms:read', 'value="allow"', 'value="deny"']) expect(consentPage.text).to.include(text);

    const allowed = await decide(browser, challenge, 'allow');
    expect(allowed.status).to.equal(303);
    const redirect = location(allowed);
    expect(redirect.startsWith(`${idp.issuer.url}/interaction/${requestId(challenge)}/login?login_result=`)).to.equal(true);
    const { payload, header } = await verifiedResult(idp, redirect);
    expect(header).to.include({ alg: 'ES256', typ: 'login-result+jwt' });
    expect(header.kid).to.be.a('string');
    expect(Object.keys(payload).sort()).to.deep.equal(['amr', 'aud', 'auth_time', 'challenge', 'claims', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub']);
    expect(payload).to.deep.include({
      iss: idp.url, aud: idp.issuer.url, challenge: requestId(challenge), sub: userId, amr: ['pwd'], scope: 'openid profile kms:read',
      claims: { preferred_username: 'alice', email: 'alice@example.com' },
    });
    expect(payload.jti).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).to.equal(60);
    expect(payload.auth_time).to.be.within(before, (payload.iat ?? 0));
  });

  it('answers access_denied without scope when the user denies', async () => {
    const userId = await createUser(idp, 'denier');
    const browser = idp.browser();
    const challenge = await idp.challenge({ client_name: undefined });
    await submitLogin(browser, challenge, 'denier');
    // Without client_name the pages name the client by its id.
    expect((await browser.get(`/consent?login_challenge=${challenge}`)).text).to.include('demo-app');
    const denied = await decide(browser, challenge, 'deny');
    expect(denied.status).to.equal(303);
    const { payload } = await verifiedResult(idp, location(denied));
    expect(payload).to.deep.include({ error: 'access_denied', sub: userId, challenge: requestId(challenge) });
    expect(payload).not.to.have.property('scope');
  });

  it('keeps a session only as a hash, and reuses it unless prompt=login or max_age asks for a new login', async () => {
    await createUser(idp, 'returning');
    const browser = idp.browser();
    await submitLogin(browser, await idp.challenge(), 'returning');
    const loggedInBy = Date.now();
    const cookie = browser.cookies.get('__Host-idp_session') ?? '';
    const rows = await query<{ token_hash: string }>(idp.databaseUrl, 'select token_hash from idp_sessions');
    expect(rows.map((row) => row.token_hash)).not.to.include(cookie);
    expect(rows.every((row) => row.token_hash.startsWith('$high-entropy-deterministic$'))).to.equal(true);

    const next = await idp.challenge();
    const skipped = await browser.get(`/login?login_challenge=${next}`);
    expect(skipped.status).to.equal(303);
    expect(location(skipped)).to.equal(`/consent?login_challenge=${next}`);
    expect((await decide(browser, next, 'allow')).status).to.equal(303);

    // iat has one-second resolution: a request issued in the second after the login is certainly newer than it.
    const forced = await idp.challenge({ prompt: ['login', 'consent'], iat: Math.floor(loggedInBy / 1000) + 1 });
    expect((await browser.get(`/login?login_challenge=${forced}`)).status).to.equal(200);
    // Going straight to consent does not get round prompt=login.
    const sneaky = await browser.get(`/consent?login_challenge=${forced}`);
    expect(sneaky.status).to.equal(303);
    expect(location(sneaky)).to.equal(`/login?login_challenge=${forced}`);

    // max_age counts whole seconds: a second on, the session is too old for max_age=0, not for 3600.
    ahead += 1000;
    expect((await browser.get(`/login?login_challenge=${await idp.challenge({ max_age: 0 })}`)).status).to.equal(200);
    expect((await browser.get(`/login?login_challenge=${await idp.challenge({ max_age: 3600 })}`)).status).to.equal(303);
  });

  it('sends a browser without a session from consent to login, for GET and POST', async () => {
    const browser = idp.browser();
    const challenge = await idp.challenge();
    const page = await browser.get(`/login?login_challenge=${challenge}`);
    const shown = await browser.get(`/consent?login_challenge=${challenge}`);
    expect(shown.status).to.equal(303);
    expect(location(shown)).to.equal(`/login?login_challenge=${challenge}`);
    const posted = await browser.post('/consent', { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, decision: 'allow' });
    expect(posted.status).to.equal(303);
    expect(location(posted)).to.equal(`/login?login_challenge=${challenge}`);
    const undecided = await browser.post('/consent', { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, decision: 'maybe' });
    expect(undecided.status).to.equal(400);
    expect(undecided.text).to.include('Allow or Deny');
  });

  it('says the same for an unknown user and a wrong password (401)', async () => {
    await createUser(idp, 'careful');
    const challenge = await idp.challenge();
    const unknown = await submitLogin(idp.browser(), challenge, 'nobody-here');
    const wrong = await submitLogin(idp.browser(), challenge, 'careful', 'not the password at all');
    const malformed = await submitLogin(idp.browser(), challenge, 'x', '');
    for (const answer of [unknown, wrong, malformed]) {
      expect(answer.status).to.equal(401);
      expect(answer.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(answer.text).to.include('The username or password is incorrect.');
      expect(answer.text).not.to.include('not the password');
    }
    expect(fieldValue(wrong.text, 'username')).to.equal('careful');
  });

  it('refuses a locked account before any password check, the right password included', async () => {
    await createUser(idp, 'locked-first');
    const post = await openLoginForm(idp);
    const checks = PasswordChecks.watch();
    try {
      // The default lockout: five wrong passwords, each checked once; the fifth locks.
      for (let attempt = 0; attempt < 5; attempt += 1) await post('locked-first', 'not the password')();
      expect(checks.count).to.equal(5);
      const right = await post('locked-first', PASSWORD)();
      expect(right.status).to.equal(403);
      expect(right.text).to.include('locked after too many failed sign-ins');
      expect(checks.count, 'password checks once locked').to.equal(5);
    } finally {
      checks.restore();
    }
  });

  it('checks passwords of up to 256 characters, and refuses an empty or longer one without a check', async () => {
    const longest = 'p'.repeat(256);
    await createUser(idp, 'long-password', longest);
    const post = await openLoginForm(idp);
    const checks = PasswordChecks.watch();
    try {
      expect((await post('long-password', longest)()).status).to.equal(303);
      expect(checks.count).to.equal(1);
      for (const password of [`${longest}p`, '']) {
        const answer = await post('long-password', password)();
        expect(answer.status).to.equal(401);
        expect(answer.text).to.include(LOGIN_FAILED);
      }
      expect(checks.count, 'password checks of refused passwords').to.equal(1);
    } finally {
      checks.restore();
    }
  });

  it('counts failed attempts of every name that could be a username (an unknown one in its own row), and of nothing else', async () => {
    const counted = ['abc', 'AZaz09._-', 'A'.repeat(64)];
    const ignored = ['ab', 'B'.repeat(65), 'abc!', '!abc', 'a b c'];
    const challenge = await idp.challenge();
    for (const username of [...counted, ...ignored]) {
      const answer = await submitLogin(idp.browser(), challenge, username, 'not the password');
      expect(answer.status, username).to.equal(401);
      expect(answer.text).to.include(LOGIN_FAILED);
    }
    const rows = await query<{ username: string; failed_attempts: number | string }>(idp.databaseUrl, 'select username, failed_attempts from idp_login_counters');
    const mine = rows.filter((row) => [...counted, ...ignored].includes(row.username));
    expect(mine.map((row) => [row.username, Number(row.failed_attempts)]).sort()).to.deep.equal(counted.map((name) => [name, 1]).sort());
  });

  it('gives a browser that signs in again a new session value and ends its old session', async () => {
    await createUser(idp, 'twice');
    const browser = idp.browser();
    expect((await submitLogin(browser, await idp.challenge(), 'twice')).status).to.equal(303);
    const first = browser.cookies.get('__Host-idp_session');
    expect((await submitLogin(browser, await idp.challenge({ prompt: ['login', 'consent'] }), 'twice')).status).to.equal(303);
    const second = browser.cookies.get('__Host-idp_session');
    expect(second).to.be.a('string').and.not.equal(first);
    const sessions = await query<{ id: string }>(idp.databaseUrl, 'select s.id from idp_sessions s join idp_users u on u.id = s.user_id where u.username = ?', ['twice']);
    expect(sessions).to.have.length(1);
  });

  it('treats a form without username or password as a failed login (401), without a password check', async () => {
    const browser = idp.browser();
    const page = await browser.get(`/login?login_challenge=${await idp.challenge()}`);
    const checks = PasswordChecks.watch();
    let answer;
    try {
      answer = await browser.post('/login', { csrf: fieldValue(page.text, 'csrf'), login_challenge: fieldValue(page.text, 'login_challenge') });
      expect(checks.count).to.equal(0);
    } finally {
      checks.restore();
    }
    expect(answer.status).to.equal(401);
    expect(answer.text).to.include('The username or password is incorrect.');
    // The form comes back with its username field as it was sent: empty.
    expect(fieldValue(answer.text, 'username')).to.equal('');
  });

  it('checks the password of an unknown user against the decoy hash: the same work as a wrong password', async () => {
    const checks = PasswordChecks.watch();
    try {
      const answer = await submitLogin(idp.browser(), await idp.challenge(), 'no-such-user', 'a guess');
      expect(answer.status).to.equal(401);
      expect(checks.count).to.equal(1);
    } finally {
      checks.restore();
    }
  });

  it('makes one decoy hash per service, of a password nobody is told', async () => {
    const hash = await createHashService({ pepper: 'p'.repeat(32) });
    const decoy = decoyHash(hash);
    const first = await decoy();
    expect(first).to.match(/^\$low-entropy-random\$v=3\$/);
    expect(await decoy()).to.equal(first);
    expect(await decoyHash(hash)()).not.to.equal(first);
  });

  it('rehashes a password stored with an older version on the next successful login', async () => {
    const old = await (await createHashService({ pepper: 'p'.repeat(32) })).lowEntropyRandom.hashWithVersion(PASSWORD, 1);
    const userId = await createUser(idp, 'old-timer', 'placeholder password');
    await query(idp.databaseUrl, 'update idp_users set password_hash = ? where id = ?', [old, userId]);
    const login = await submitLogin(idp.browser(), await idp.challenge(), 'old-timer');
    expect(login.status).to.equal(303);
    const [row] = await query<{ password_hash: string }>(idp.databaseUrl, 'select password_hash from idp_users where id = ?', [userId]);
    expect(old).to.match(/^\$low-entropy-random\$v=1\$/);
    expect(row?.password_hash).to.match(/^\$low-entropy-random\$v=3\$/);
    // And the new hash still takes the same password.
    expect((await submitLogin(idp.browser(), await idp.challenge(), 'old-timer')).status).to.equal(303);
  });

  it('refuses a form without the CSRF cookie, with a wrong token or from another origin (403 page)', async () => {
    await createUser(idp, 'csrf-user');
    const browser = idp.browser();
    const challenge = await idp.challenge();
    const page = await browser.get(`/login?login_challenge=${challenge}`);
    const form = { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, username: 'csrf-user', password: PASSWORD };
    const refusals = [
      await idp.browser().post('/login', form),
      await browser.post('/login', { ...form, csrf: 'A'.repeat(43) }),
      await browser.post('/login', { ...form, csrf: '' }),
      await browser.post('/login', form, { origin: 'https://evil.example' }),
      await browser.post('/consent', { ...form, decision: 'allow' }, { origin: 'https://evil.example' }),
      await browser.post('/logout', {}),
    ];
    for (const answer of refusals) {
      expect(answer.status).to.equal(403);
      expect(answer.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(answer.headers['content-security-policy']).to.equal(PAGE_POLICY);
    }
    expect(browser.cookies.has('__Host-idp_session')).to.equal(false);
    expect((await browser.post('/login', form)).status).to.equal(303);
  });

  it('refuses a login request with a bad signature, expired, for another audience or of the wrong type (400 page)', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const good = await idp.challenge();
    const [head = '', body = '', signature = ''] = good.split('.');
    const flipped = `${head}.${body}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const bad = [
      flipped,
      await idp.challenge({ iat: iat - 700, exp: iat - 100 }),
      await idp.challenge({ aud: 'https://someone-else.example' }),
      await idp.challenge({ iss: 'https://not-the-authz.example' }),
      await idp.challenge({}, 'at+jwt'),
      await idp.challenge({ iat, exp: iat + 601 }),
      await idp.challenge({ return_to: 'https://evil.example/callback' }),
      await idp.challenge({ return_to: `${idp.issuer.url}.evil.example/x` }),
      await idp.challenge({ return_to: 'not a url' }),
      await idp.challenge({ prompt: ['none'] }),
      await idp.challenge({ prompt: 'login' }),
      await idp.challenge({ max_age: -1 }),
      await idp.challenge({ max_age: 'soon' }),
      await idp.challenge({ client_id: undefined }),
      await idp.challenge({ client_id: 42 }),
      await idp.challenge({ jti: undefined }),
      'not-a-jws',
    ];
    for (const challenge of bad) {
      const answer = await idp.browser().get(`/login?login_challenge=${challenge}`);
      expect(answer.status, challenge).to.equal(400);
      expect(answer.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(answer.text).to.include('login request is not valid');
    }
    const missing = await idp.browser().get('/login');
    expect(missing.status).to.equal(400);
    expect(missing.text).to.include('login_challenge is missing');
    expect((await idp.browser().get(`/login?login_challenge=${good}&login_challenge=${good}`)).status).to.equal(400);
    expect((await idp.browser().get(`/login?login_challenge=${await idp.challenge({ iat: iat - 700, exp: iat - 100 })}`)).text).to.include('expired');
    // Optional members may be absent.
    expect((await idp.browser().get(`/login?login_challenge=${await idp.challenge({ prompt: undefined, scope: undefined })}`)).status).to.equal(200);
  });

  it('answers a form post of another media type with 415', async () => {
    const answer = await idp.browser().post('/login', {}, { 'content-type': 'text/plain' });
    expect(answer.status).to.equal(415);
    expect(answer.headers['content-type']).to.equal('text/html; charset=utf-8');
  });

  it('signs out after a confirmation: the session row and cookie are gone', async () => {
    await createUser(idp, 'leaving');
    const browser = idp.browser();
    await submitLogin(browser, await idp.challenge(), 'leaving');
    const confirm = await browser.get('/logout');
    expect(confirm.status).to.equal(200);
    expect(confirm.text).to.include('action="/logout"');
    const count = async (): Promise<number> => (await query<{ id: string }>(idp.databaseUrl, 'select s.id from idp_sessions s join idp_users u on u.id = s.user_id where u.username = ?', ['leaving'])).length;
    expect(await count()).to.equal(1);
    const out = await browser.post('/logout', { csrf: fieldValue(confirm.text, 'csrf') });
    expect(out.status).to.equal(200);
    expect(out.text).to.include('signed out');
    expect(browser.setCookieHeaders.at(-1)).to.equal('__Host-idp_session=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0');
    expect(await count()).to.equal(0);
    expect((await browser.get(`/login?login_challenge=${await idp.challenge()}`)).status).to.equal(200);
  });

  it('ends the sessions of a user whose password an administrator changed', async () => {
    const userId = await createUser(idp, 'reset-me');
    const browser = idp.browser();
    await submitLogin(browser, await idp.challenge(), 'reset-me');
    expect((await idp.api('PUT', `/users/${userId}`, { password: 'a brand new password' })).status).to.equal(200);
    expect((await browser.get(`/login?login_challenge=${await idp.challenge()}`)).status).to.equal(200);
    expect((await submitLogin(idp.browser(), await idp.challenge(), 'reset-me')).status).to.equal(401);
    expect((await submitLogin(idp.browser(), await idp.challenge(), 'reset-me', 'a brand new password')).status).to.equal(303);
  });

  it('publishes the public login-result key and serves the stylesheet', async () => {
    const jwks = await idp.browser().get('/.well-known/jwks.json');
    expect(jwks.status).to.equal(200);
    const { keys } = jwks.json as { keys: Record<string, unknown>[] };
    expect(keys.length).to.be.at.least(1);
    expect(keys[0]).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]).not.to.have.property('d');
    const css = await idp.browser().get('/assets/idp.css');
    expect(css.status).to.equal(200);
    expect(css.headers['content-type']).to.equal('text/css; charset=utf-8');
    expect(css.text).to.include('main {');
    expect((await idp.browser().get('/no-such-page')).status).to.equal(404);
  });
});
