/**
 * Issue 13 point 4: a user gets only the scopes it is entitled to. identity-idp lists on the
 * consent page, and signs into the login result, the requested scopes ∩ the user's groups; admin
 * scopes come only from the built-in `admin` group. identity-authz offers consent only what the
 * client may hold and grants no more than the login result says.
 */
import { expect } from 'chai';
import { request, startIdp, type IdpHarness } from '../../services/identity-idp/testing/harness.ts';
import { decide, location, PASSWORD, submitLogin, verifiedResult } from '../../services/identity-idp/testing/flow.ts';
import { createCodeClient, issueCode, REDIRECT_URI, signIn } from '../../services/identity-authz/testing/code-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from '../../services/identity-authz/testing/harness.ts';
import { decodeJwt } from 'jose';

const REQUESTED = 'openid kms:read kms:admin';

describe('entitlements: requested ∩ client allowed ∩ user entitled (issue 13 point 4)', function () {
  this.timeout(60_000);
  let idp: IdpHarness;
  before(async () => { idp = await startIdp(); });
  after(async () => { await idp.close(); });

  async function createUser(username: string, groups?: readonly string[]): Promise<string> {
    const answer = await idp.api('POST', '/users', { username, email: `${username}@example.com`, password: PASSWORD, ...(groups === undefined ? {} : { groups }) });
    expect(answer.status, answer.text).to.equal(201);
    return (answer.json as { id: string }).id;
  }

  /** Logs `username` in for a request of `scope`; the consent page's scopes and the signed result's. */
  async function signIn(username: string, scope: string): Promise<{ listed: string[]; granted: unknown }> {
    const browser = idp.browser();
    const challenge = await idp.challenge({ scope });
    expect((await submitLogin(browser, challenge, username)).status).to.equal(303);
    const page = await browser.get(`/consent?login_challenge=${challenge}`);
    expect(page.status, page.text).to.equal(200);
    const listed = [...page.text.matchAll(/<li><code>([^<]*)<\/code><\/li>/g)].map((match) => match[1] ?? '');
    const allowed = await decide(browser, challenge, 'allow');
    expect(allowed.status).to.equal(303);
    const { payload } = await verifiedResult(idp, location(allowed));
    return { listed, granted: payload.scope };
  }

  it('a plain user asking for kms:admin is granted kms:read without it, and consent lists exactly that', async () => {
    await createUser('plain-user');
    expect(await signIn('plain-user', REQUESTED)).to.deep.equal({ listed: ['openid', 'kms:read'], granted: 'openid kms:read' });
  });

  it('the admin user (built-in admin group) is granted kms:admin', async () => {
    await createUser('admin-user', ['admin']);
    expect(await signIn('admin-user', REQUESTED)).to.deep.equal({ listed: ['openid', 'kms:read', 'kms:admin'], granted: REQUESTED });
  });

  it('a user only in a narrow group gets only that group\'s scopes', async () => {
    expect((await idp.api('POST', '/groups', { name: 'kms-readers', scopes: ['kms:read'] })).status).to.equal(201);
    await createUser('reader', ['kms-readers']);
    expect(await signIn('reader', 'openid kms:read kms:write idp:admin')).to.deep.equal({ listed: ['openid', 'kms:read'], granted: 'openid kms:read' });
  });

  it('an ordinary group may not grant an admin scope (400 naming it), and the built-in groups cannot change', async () => {
    const created = await idp.api('POST', '/groups', { name: 'operators', scopes: ['kms:read', 'kms:admin'] });
    expect(created.status).to.equal(400);
    expect(created.headers['content-type']).to.include('application/problem+json');
    expect((created.json as { detail: string }).detail).to.include('kms:admin');
    expect((await idp.api('PUT', '/groups/users', { scopes: ['*', 'kms:admin'] })).status).to.equal(409);
    expect((await idp.api('PUT', '/groups/kms-readers', { scopes: ['idp:admin'] })).status).to.equal(400);
    expect((await idp.api('DELETE', '/groups/admin')).status).to.equal(409);
  });

  it('the bootstrap admin (idp.bootstrapAdmin, which cryptoutil up sets) is in the admin group and is granted kms:admin', async () => {
    const password = 'bootstrap admin password';
    const withAdmin = await startIdp({ config: { idp: { bootstrapAdmin: { username: 'admin', password } } } });
    try {
      // Readiness waits for the bootstrap.
      const ready = await request(withAdmin.service.ca, 'GET', `${withAdmin.service.adminUrl}/admin/v1/readyz`);
      expect(ready.status, ready.text).to.equal(200);
      const users = (await withAdmin.api('GET', '/users')).json as { items: { id: string; username: string }[] };
      const admin = users.items.find((user) => user.username === 'admin');
      expect((await withAdmin.api('GET', `/users/${String(admin?.id)}/groups`)).json).to.deep.equal({ items: ['admin'] });
      const browser = withAdmin.browser();
      const challenge = await withAdmin.challenge({ scope: REQUESTED });
      expect((await submitLogin(browser, challenge, 'admin', password)).status).to.equal(303);
      const { payload } = await verifiedResult(withAdmin, location(await decide(browser, challenge, 'allow')));
      expect(payload.scope).to.equal(REQUESTED);
    } finally {
      await withAdmin.close();
    }
  });

  it('joining and leaving the admin group changes what the next sign-in grants', async () => {
    const id = await createUser('promoted');
    expect((await idp.api('PUT', `/users/${id}/groups/admin`)).status).to.equal(204);
    expect((await idp.api('GET', `/users/${id}/groups`)).json).to.deep.equal({ items: ['admin', 'users'] });
    expect((await signIn('promoted', REQUESTED)).granted).to.equal(REQUESTED);
    expect((await idp.api('DELETE', `/users/${id}/groups/admin`)).status).to.equal(204);
    expect((await signIn('promoted', REQUESTED)).granted).to.equal('openid kms:read');
  });
});

describe('identity-authz grants no more than the login result (issue 13 point 4)', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  before(async () => { authz = await startAuthz(); });
  after(async () => { await authz.close(); });

  it('a user entitled to less than the request gets a token naming the narrower scope (RFC 6749 §5.1)', async () => {
    const client = await createCodeClient(authz, { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] });
    const { code, verifier } = await issueCode(authz, client, 'user-0002', { requested: 'openid pets:read pets:write', granted: 'openid pets:read' });
    const tokens = await authz.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, client);
    expect(tokens.status, tokens.text).to.equal(200);
    const body = tokens.json as { scope: string; access_token: string };
    expect(body.scope).to.equal('pets:read');
    expect(decodeJwt(body.access_token).scope).to.equal('pets:read');
  });

  it('a user entitled to none of the requested resource scopes gets invalid_scope, not a scope-less token', async () => {
    const client = await createCodeClient(authz, { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] });
    const { redirect } = await signIn(authz, client, 'user-0003', { requested: 'openid pets:write', granted: 'openid' });
    expect(redirect.origin + redirect.pathname).to.equal(REDIRECT_URI);
    expect(redirect.searchParams.get('error')).to.equal('invalid_scope');
    expect(redirect.searchParams.get('code')).to.equal(null);
  });
});
