/**
 * Issue 13 point 7: a client may introspect (RFC 7662) only the tokens issued to it, unless it
 * holds `authz:introspect` for identity-authz, as resource servers do. The same rule for JWT
 * access tokens (verified by identity-authz itself) and opaque refresh tokens (the library's
 * `features.introspection.allowedPolicy`).
 */
import { expect } from 'chai';
import { createCodeClient, issueCode, REDIRECT_URI, type TestClient } from '../../services/identity-authz/testing/code-flow.ts';
import { AUTHZ_RESOURCE, LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from '../../services/identity-authz/testing/harness.ts';

describe('introspection policy (issue 13 point 7, RFC 7662 §4)', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  /** Holds tokens: a code-flow client with refresh tokens for learn-ps. */
  let owner: TestClient;
  /** Another client of the same resource, without authz:introspect. */
  let stranger: TestClient;
  /** A resource server: holds authz:introspect. */
  let resourceServer: TestClient;
  let accessToken: string;
  let refreshToken: string;

  async function serviceClient(resourceScopes: Readonly<Record<string, readonly string[]>>): Promise<TestClient> {
    const answer = await authz.api('POST', '/clients', { name: 'service', grantTypes: ['client_credentials'], resourceScopes });
    expect(answer.status, answer.text).to.equal(201);
    const body = answer.json as { clientId: string; clientSecret: string };
    return { id: body.clientId, secret: body.clientSecret };
  }

  async function introspect(token: string, caller: TestClient): Promise<Record<string, unknown>> {
    const answer = await authz.form('/token/introspection', { token }, caller);
    expect(answer.status, answer.text).to.equal(200);
    return answer.json as Record<string, unknown>;
  }

  before(async () => {
    authz = await startAuthz();
    owner = await createCodeClient(authz);
    stranger = await serviceClient({ [LEARN_PS_RESOURCE]: ['pets:read'] });
    resourceServer = await serviceClient({ [AUTHZ_RESOURCE]: ['authz:introspect'] });
    const { code, verifier } = await issueCode(authz, owner);
    const tokens = await authz.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, owner);
    expect(tokens.status, tokens.text).to.equal(200);
    ({ access_token: accessToken, refresh_token: refreshToken } = tokens.json as { access_token: string; refresh_token: string });
  });
  after(async () => { await authz.close(); });

  for (const kind of ['JWT access token', 'opaque refresh token'] as const) {
    const token = (): string => kind === 'JWT access token' ? accessToken : refreshToken;

    it(`the ${kind} is active to the client it was issued to`, async () => {
      expect(await introspect(token(), owner)).to.include({ active: true, client_id: owner.id, sub: 'user-0001' });
    });

    it(`the ${kind} is inactive to another client without authz:introspect`, async () => {
      expect(await introspect(token(), stranger)).to.deep.equal({ active: false });
    });

    it(`the ${kind} is active to a resource server holding authz:introspect`, async () => {
      expect(await introspect(token(), resourceServer)).to.include({ active: true, client_id: owner.id, sub: 'user-0001' });
    });
  }
});
