/**
 * Issue 13 point 5: deleting, locking or re-passwording a user reaches identity-authz, and so does
 * deleting a client. identity-authz takes identity-idp's signed account event (POST
 * /account-events, `account-event+jwt`) and revokes at once: the refresh token is refused and
 * introspection of the access token issued before answers `active: false`.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { createCodeClient, issueCode, REDIRECT_URI, type TestClient } from '../../services/identity-authz/testing/code-flow.ts';
import { AUTHZ_RESOURCE, startAuthz, type AuthzHarness } from '../../services/identity-authz/testing/harness.ts';

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
});
