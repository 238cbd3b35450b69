/**
 * Issue 13 point 9: whether a token is a service's or a user's is the grant it came from, which
 * identity-authz writes into the token (`gty`), never a comparison of `sub` with `client_id`.
 * A user whose id equals the client's id still gets a user token, usable on /browser only; a
 * token that does not say is refused; client ids shaped like user ids cannot be registered.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { issueCode, REDIRECT_URI, type TestClient } from '../../services/identity-authz/testing/code-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from '../../services/identity-authz/testing/harness.ts';
import { startResourceServer } from '../../services/identity-authz/testing/resource-server.ts';
import { startLearnPs } from '../../services/learn-ps/testing/harness.ts';
import type { HttpAnswer, ServiceHarness } from '../../services/template/testing/service-harness.ts';

const SHARED_ID = 'alice-app';

describe('token kind from the grant type (issue 13 point 9)', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  let learnPs: ServiceHarness;
  /** A client whose id is also the id of the user who signs in through it. */
  let client: TestClient;
  let userToken: string;
  let refreshToken: string;

  const pets = (kind: 'service' | 'browser', token: string): Promise<HttpAnswer> =>
    learnPs.call('GET', `${learnPs.service.publicUrl}/${kind}/api/v1/pets`, { token });

  async function tokens(fields: Readonly<Record<string, string>>): Promise<{ access_token: string; refresh_token?: string }> {
    const answer = await authz.form('/token', fields, client);
    expect(answer.status, answer.text).to.equal(200);
    return answer.json as { access_token: string; refresh_token?: string };
  }

  before(async () => {
    authz = await startAuthz();
    learnPs = await startResourceServer(authz);
    const created = await authz.api('POST', '/clients', {
      clientId: SHARED_ID, name: 'Both kinds', grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      redirectUris: [REDIRECT_URI], openidScopes: ['openid'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] },
    });
    expect(created.status, created.text).to.equal(201);
    client = { id: SHARED_ID, secret: (created.json as { clientSecret: string }).clientSecret };
    const { code, verifier } = await issueCode(authz, client, SHARED_ID);
    const issued = await tokens({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    userToken = issued.access_token;
    refreshToken = issued.refresh_token ?? '';
  });
  after(async () => {
    await learnPs.close();
    await authz.close();
  });

  it('a user token whose sub equals its client id works on /browser only', async () => {
    const refused = await pets('service', userToken);
    expect(refused.status, refused.text).to.equal(403);
    expect((refused.json as { detail: string }).detail).to.include('/service routes take client-credentials tokens');
    expect((await pets('browser', userToken)).status).to.equal(200);
    expect(decodeJwt(userToken)).to.include({ sub: SHARED_ID, client_id: SHARED_ID, gty: 'authorization_code' });
  });

  it('a token from refreshing the user grant is still a user token', async () => {
    const refreshed = (await tokens({ grant_type: 'refresh_token', refresh_token: refreshToken })).access_token;
    expect((await pets('service', refreshed)).status).to.equal(403);
    expect((await pets('browser', refreshed)).status).to.equal(200);
    expect(decodeJwt(refreshed)).to.include({ sub: SHARED_ID, gty: 'authorization_code' });
  });

  it('a client-credentials token of the same client works on /service only', async () => {
    const serviceToken = (await tokens({ grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, scope: 'pets:read' })).access_token;
    expect(decodeJwt(serviceToken)).to.include({ sub: SHARED_ID, gty: 'client_credentials' });
    expect((await pets('service', serviceToken)).status).to.equal(200);
    expect((await pets('browser', serviceToken)).status).to.equal(403);
  });

  it('a token that does not name its grant type is refused with a 401 that says so', async () => {
    // learn-ps on the template's test issuer, which signs whatever claims it is given.
    const bare = await startLearnPs();
    try {
      const { issuer, service } = bare.harness;
      const now = Math.floor(Date.now() / 1000);
      const token = await issuer.sign({ iss: issuer.url, aud: LEARN_PS_RESOURCE, sub: SHARED_ID, client_id: SHARED_ID, scope: 'pets:read', iat: now, exp: now + 60, jti: randomUUID() });
      for (const kind of ['service', 'browser']) {
        const answer = await bare.harness.call('GET', `${service.publicUrl}/${kind}/api/v1/pets`, { token });
        expect(answer.status, answer.text).to.equal(401);
        expect(answer.headers['www-authenticate']).to.equal('Bearer error="invalid_token"');
        expect((answer.json as { detail: string }).detail).to.include('lacks the gty claim');
      }
    } finally {
      await bare.close();
    }
  });

  it('a client id shaped like a user id (a UUID) cannot be registered', async () => {
    const answer = await authz.api('POST', '/clients', { clientId: randomUUID(), name: 'Look-alike', grantTypes: ['client_credentials'], resourceScopes: {} });
    expect(answer.status, answer.text).to.equal(400);
    expect(answer.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(answer.text).to.include('reserved for user ids');
    const generated = await authz.api('POST', '/clients', { name: 'Server-chosen id', grantTypes: ['client_credentials'], resourceScopes: {} });
    expect(generated.status, generated.text).to.equal(201);
  });
});
