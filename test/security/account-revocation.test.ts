/**
 * Issue 13 point 5: deleting, locking or re-passwording a user reaches identity-authz, and so does
 * deleting a client; when identity-authz cannot be told, identity-idp changes nothing (503). identity-authz takes identity-idp's signed account event (POST
 * /account-events, `account-event+jwt`) and revokes at once: the refresh token is refused and
 * introspection of the access token issued before answers `active: false`.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { createCodeClient, issueCode, REDIRECT_URI, type TestClient } from '../../services/identity-authz/testing/code-flow.ts';
import { AUTHZ_RESOURCE, startAuthz, type AuthzHarness } from '../../services/identity-authz/testing/harness.ts';
import { httpsDeliverer } from '../../services/identity-idp/account-events.ts';
import { request, startIdp, type IdpHarness } from '../../services/identity-idp/testing/harness.ts';
import { createUser, submitLogin } from '../../services/identity-idp/testing/flow.ts';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';

describe('account and client revocation reach identity-authz (issue 13 point 5)', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  /** A resource server: may introspect any token. */
  let resourceServer: TestClient;

  before(async () => {
    authz = await startAuthz();
    const answer = await authz.api('POST', '/clients', { name: 'rs', grantTypes: ['client_credentials'], resourceScopes: { [AUTHZ_RESOURCE]: ['authz:introspect'] } });
    expect(answer.status, answer.text).to.equal(201);
    const body = answer.json as { clientId: string; clientSecret: string };
    resourceServer = { id: body.clientId, secret: body.clientSecret };
  });
  after(async () => { await authz.close(); });

  async function tokensOf(client: TestClient, subject: string): Promise<{ access: string; refresh: string }> {
    const { code, verifier } = await issueCode(authz, client, subject);
    const answer = await authz.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, client);
    expect(answer.status, answer.text).to.equal(200);
    const body = answer.json as { access_token: string; refresh_token: string };
    return { access: body.access_token, refresh: body.refresh_token };
  }

  async function active(token: string): Promise<unknown> {
    const answer = await authz.form('/token/introspection', { token }, resourceServer);
    expect(answer.status, answer.text).to.equal(200);
    return (answer.json as { active: unknown }).active;
  }

  async function accountEvent(subject: string, event: string, claims: Readonly<Record<string, unknown>> = {}, typ = 'account-event+jwt'): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return authz.idp.sign({ iss: authz.idp.url, aud: authz.issuer, jti: randomUUID(), iat: now, exp: now + 60, sub: subject, event, ...claims }, { typ });
  }

  function post(jws: string): Promise<{ status: number; text: string }> {
    return httpsCall(authz.service.ca, 'POST', `${authz.issuer}/account-events`, { headers: { 'content-type': 'application/jwt' }, body: jws });
  }

  for (const event of ['deleted', 'locked', 'password-changed']) {
    it(`an account ${event} at identity-idp: refresh refused, access token inactive, other accounts untouched`, async () => {
      const client = await createCodeClient(authz);
      const subject = `user-${event}`;
      const mine = await tokensOf(client, subject);
      const other = await tokensOf(client, `bystander-${event}`);
      expect(await active(mine.access)).to.equal(true);
      expect((await post(await accountEvent(subject, event))).status).to.equal(204);
      expect(await active(mine.access)).to.equal(false);
      expect(await active(mine.refresh)).to.equal(false);
      const refreshed = await authz.form('/token', { grant_type: 'refresh_token', refresh_token: mine.refresh }, client);
      expect(refreshed.status).to.equal(400);
      expect((refreshed.json as { error: string }).error).to.equal('invalid_grant');
      expect(await active(other.access)).to.equal(true);
      expect(await active(other.refresh)).to.equal(true);
    });
  }

  it('refuses an event that is replayed, forged, of another type, for another audience or unknown (400), and revokes nothing', async () => {
    const client = await createCodeClient(authz);
    const tokens = await tokensOf(client, 'user-kept');
    const once = await accountEvent('user-replayed', 'deleted');
    expect((await post(once)).status).to.equal(204);
    expect((await post(once)).status).to.equal(400);
    const refused = [
      await accountEvent('user-kept', 'deleted', {}, 'login-result+jwt'),
      await accountEvent('user-kept', 'deleted', { aud: 'https://elsewhere.example' }),
      await accountEvent('user-kept', 'renamed'),
      `${(await accountEvent('user-kept', 'deleted')).slice(0, -4)}AAAA`,
      'not a jws',
    ];
    for (const jws of refused) {
      const answer = await post(jws);
      expect(answer.status, answer.text).to.equal(400);
    }
    expect(await active(tokens.access)).to.equal(true);
  });

  it('a deleted client: its refresh token refused and its access token inactive', async () => {
    const client = await createCodeClient(authz);
    const tokens = await tokensOf(client, 'user-of-deleted-client');
    expect(await active(tokens.access)).to.equal(true);
    expect((await authz.api('DELETE', `/clients/${client.id}`)).status).to.equal(204);
    expect(await active(tokens.access)).to.equal(false);
    expect(await active(tokens.refresh)).to.equal(false);
    const refreshed = await authz.form('/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh }, client);
    expect(refreshed.status).to.be.oneOf([400, 401]);
  });

  it('identity-idp\'s https delivery posts an event identity-authz takes, and fails on a refusal', async () => {
    const deliver = httpsDeliverer(authz.service.ca);
    const url = `${authz.issuer}/account-events`;
    const client = await createCodeClient(authz);
    const tokens = await tokensOf(client, 'user-delivered');
    await deliver(url, await accountEvent('user-delivered', 'locked'));
    expect(await active(tokens.access)).to.equal(false);
    let refusal: unknown;
    await deliver(url, 'not a jws').catch((error: unknown) => { refusal = error; });
    expect(String(refusal)).to.include('answered 400');
  });
});

describe('identity-idp tells identity-authz, or changes nothing (issue 13 point 5)', function () {
  this.timeout(60_000);
  let idp: IdpHarness;
  before(async () => { idp = await startIdp(); });
  after(async () => { await idp.close(); });

  /** The last delivered event, verified as identity-authz verifies it. */
  async function lastEvent(): Promise<JWTPayload> {
    const last = idp.accountEvents.at(-1);
    expect(last?.url).to.equal(`${idp.issuer.url}/account-events`);
    const jwks = (await request(idp.service.ca, 'GET', `${idp.url}/.well-known/jwks.json`)).json as JSONWebKeySet;
    const { payload } = await jwtVerify(String(last?.jws), createLocalJWKSet(jwks), { issuer: idp.url, audience: idp.issuer.url, typ: 'account-event+jwt', maxTokenAge: 60 });
    return payload;
  }

  const changes = [
    { event: 'password-changed', method: 'PUT', path: '', body: { password: 'a brand new passphrase' } },
    { event: 'locked', method: 'POST', path: '/lock', body: undefined },
    { event: 'deleted', method: 'DELETE', path: '', body: undefined },
  ] as const;

  for (const change of changes) {
    it(`${change.event}: the signed event reaches identity-authz; when it cannot, 503 and the user can still sign in as before`, async () => {
      const id = await createUser(idp, `user-${change.event}`);
      idp.authzDown = true;
      const refused = await idp.api(change.method, `/users/${id}${change.path}`, change.body);
      idp.authzDown = false;
      expect(refused.status, refused.text).to.equal(503);
      expect(refused.headers['content-type']).to.include('application/problem+json');
      expect((await submitLogin(idp.browser(), await idp.challenge(), `user-${change.event}`)).status).to.equal(303);

      const done = await idp.api(change.method, `/users/${id}${change.path}`, change.body);
      expect(done.status, done.text).to.be.oneOf([200, 204]);
      expect(await lastEvent()).to.include({ sub: id, event: change.event });
      expect((await submitLogin(idp.browser(), await idp.challenge(), `user-${change.event}`)).status).not.to.equal(303);
    });
  }

  it('an email change alone sends no event', async () => {
    const id = await createUser(idp, 'renamed-mail');
    const before = idp.accountEvents.length;
    expect((await idp.api('PUT', `/users/${id}`, { email: 'new@example.com' })).status).to.equal(200);
    expect(idp.accountEvents.length).to.equal(before);
  });
});
