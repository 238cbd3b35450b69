/**
 * Issue 13 point 16. Responses that carry key material, plaintext or tokens say `Cache-Control:
 * no-store` (RFC 9111 §5.2.2.5); every response carries a Permissions-Policy; identity-idp's pages
 * let forms reach only the origins they really post to, never every `https:` destination.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { createCodeClient, issueCode, REDIRECT_URI } from '../../services/identity-authz/testing/code-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from '../../services/identity-authz/testing/harness.ts';
import { createUser, submitLogin } from '../../services/identity-idp/testing/flow.ts';
import { startIdp, type IdpHarness } from '../../services/identity-idp/testing/harness.ts';
import { startSmKms, type KmsHarness } from '../../services/sm-kms/testing/harness.ts';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function expectSensitive(headers: Headers, what: string): void {
  expect(headers['cache-control'], `${what}: Cache-Control`).to.equal('no-store');
  expect(String(headers['permissions-policy']), `${what}: Permissions-Policy`).to.match(/(^|, )camera=\(\)(,|$)/);
}

function directive(headers: Headers, name: string): string[] {
  const found = String(headers['content-security-policy']).split(';').map((part) => part.trim()).find((part) => part.startsWith(`${name} `));
  return (found ?? '').split(' ').slice(1);
}

function formAction(headers: Headers): string[] {
  return directive(headers, 'form-action');
}

describe('issue 13 point 16: sm-kms answers that carry keys or plaintext are never stored', () => {
  let kms: KmsHarness;
  before(async () => { kms = await startSmKms(); });
  after(async () => { await kms.close(); });

  it('encrypt, decrypt, generate and the key listings say no-store; so do errors', async () => {
    const id = await kms.createKey({ name: 'no-store', algorithm: 'A256GCM/A256KW' });
    const encrypted = await kms.api('POST', `/elastickeys/${id}/encrypt`, { body: 'secret plaintext' });
    expect(encrypted.status).to.equal(200);
    expectSensitive(encrypted.headers, 'encrypt');
    const decrypted = await kms.api('POST', `/elastickeys/${id}/decrypt`, { body: encrypted.text, contentType: 'application/jose' });
    expect(decrypted.text).to.equal('secret plaintext');
    expectSensitive(decrypted.headers, 'decrypt');
    const generated = await kms.api('POST', `/elastickeys/${id}/generate?alg=EC/P-256`);
    expect(generated.status).to.equal(201);
    expectSensitive(generated.headers, 'generate');
    for (const path of ['/elastickeys', `/elastickeys/${id}`, `/elastickeys/${id}/materialkeys`]) {
      const listed = await kms.api('GET', path);
      expect(listed.status, path).to.equal(200);
      expectSensitive(listed.headers, path);
    }
    expectSensitive((await kms.api('GET', '/elastickeys/00000000-0000-4000-8000-000000000000')).headers, 'a 404');
  });

  it('the admin listener carries the Permissions-Policy too', async () => {
    const { service } = kms.harness;
    const live = await kms.harness.call('GET', `${service.adminUrl}/admin/v1/livez`);
    expect(String(live.headers['permissions-policy'])).to.include('geolocation=()');
  });
});

describe('issue 13 point 16: identity-authz API answers are never stored', () => {
  let authz: AuthzHarness;
  before(async () => { authz = await startAuthz(); });
  after(async () => { await authz.close(); });

  it('the clients API and the token endpoint say no-store; every answer carries a Permissions-Policy', async () => {
    const clients = await authz.api('GET', '/clients');
    expect(clients.status).to.equal(200);
    expectSensitive(clients.headers, 'GET /clients');
    const discovery = await authz.get('/.well-known/openid-configuration');
    expect(String(discovery.headers['permissions-policy'])).to.include('microphone=()');
  });

  it('every protocol answer that carries a token says no-store: client credentials, code, refresh, introspection, errors', async () => {
    const admin = { id: 'admin-client', secret: authz.adminSecret };
    const service = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin);
    expect(service.status).to.equal(200);
    expectSensitive(service.headers, 'client credentials');
    const client = await createCodeClient(authz);
    const { code, verifier } = await issueCode(authz, client);
    const user = await authz.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, client);
    expect(user.status, user.text).to.equal(200);
    expectSensitive(user.headers, 'authorization code');
    const { refresh_token: refreshToken } = user.json as { refresh_token: string };
    const refreshed = await authz.form('/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, client);
    expect(refreshed.status, refreshed.text).to.equal(200);
    expectSensitive(refreshed.headers, 'refresh');
    const introspected = await authz.form('/token/introspection', { token: (refreshed.json as { refresh_token: string }).refresh_token }, client);
    expect(introspected.json).to.include({ active: true });
    expectSensitive(introspected.headers, 'introspection');
    const jwtIntrospected = await authz.form('/token/introspection', { token: (service.json as { access_token: string }).access_token }, admin);
    expect(jwtIntrospected.json).to.include({ active: true });
    expectSensitive(jwtIntrospected.headers, 'JWT introspection');
    expectSensitive((await authz.form('/token', { grant_type: 'client_credentials' })).headers, 'a refused token request');
  });

  it('its pages post only where they really go: to itself, and from logout on to the client\'s post-logout origins', async () => {
    const error = await authz.get('/auth?client_id=nobody&response_type=code', { accept: 'text/html' });
    expect(error.status).to.equal(400);
    expect(formAction(error.headers)).to.deep.equal(["'self'"]);
    const created = await authz.api('POST', '/clients', {
      name: 'logout client', grantTypes: ['authorization_code'], redirectUris: ['https://app.example.test/cb'],
      postLogoutRedirectUris: ['https://app.example.test/bye', 'https://portal.example.test/signed-out'], openidScopes: ['openid'], resourceScopes: {},
    });
    expect(created.status, created.text).to.equal(201);
    // Without a session the library's own form posts the logout on, under the same policy as ours.
    const logout = await authz.get(`/session/end?client_id=${(created.json as { clientId: string }).clientId}`, { accept: 'text/html' });
    expect(logout.status, logout.text).to.equal(200);
    expect(logout.text).to.include('/session/end/confirm');
    expect(formAction(logout.headers)).to.deep.equal(["'self'", 'https://app.example.test', 'https://portal.example.test']);
    // That form posts itself with an inline script: the policy lets exactly that script run.
    const script = /<script>([\s\S]*?)<\/script>/.exec(logout.text)?.[1];
    expect(script, 'the self-posting script').to.be.a('string');
    expect(directive(logout.headers, 'script-src')).to.deep.equal([`'sha256-${createHash('sha256').update(String(script)).digest('base64')}'`]);
    const anonymousLogout = await authz.get('/session/end', { accept: 'text/html' });
    expect(formAction(anonymousLogout.headers)).to.deep.equal(["'self'"]);
  });
});

describe('issue 13 point 16: identity-idp', () => {
  let idp: IdpHarness;
  before(async () => { idp = await startIdp(); });
  after(async () => { await idp.close(); });

  it('the users API says no-store', async () => {
    const users = await idp.api('GET', '/users');
    expect(users.status).to.equal(200);
    expectSensitive(users.headers, 'GET /users');
  });

  it('pages post only where they really go: login to itself, consent on to the authz and the client', async () => {
    await createUser(idp, 'form-action');
    const browser = idp.browser();
    const challenge = await idp.challenge({ redirect_origins: ['https://app.example'] });
    const login = await browser.get(`/login?login_challenge=${challenge}`);
    expectSensitive(login.headers, 'the login page');
    expect(formAction(login.headers)).to.deep.equal(["'self'"]);
    expect((await submitLogin(browser, challenge, 'form-action')).status).to.equal(303);
    const consent = await browser.get(`/consent?login_challenge=${challenge}`);
    expect(consent.status).to.equal(200);
    expect(formAction(consent.headers)).to.deep.equal(["'self'", new URL(idp.issuer.url).origin, 'https://app.example']);
    const logout = await browser.get('/logout');
    expect(formAction(logout.headers)).to.deep.equal(["'self'"]);
  });
});
