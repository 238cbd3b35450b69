/**
 * RFC 8707 §2.2 at the refresh_token grant against a real identity-authz: a `resource` the grant
 * covers narrows the new token to it; any other is invalid_target and spends nothing, so the
 * refresh token keeps working (the library would otherwise have rotated it before refusing).
 */
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { rotateAfterResourceCheck } from './refresh-resource.ts';
import { createCodeClient, issueCode, REDIRECT_URI, type TestClient } from './testing/code-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from './testing/harness.ts';

const SM_KMS = 'urn:cryptoutil:sm-kms';

describe('identity-authz: resource at the refresh_token grant', function () {
  this.timeout(30_000);
  let authz: AuthzHarness;
  let client: TestClient;
  before(async () => {
    authz = await startAuthz();
    client = await createCodeClient(authz, { [LEARN_PS_RESOURCE]: ['pets:read'], [SM_KMS]: ['kms:read'] });
  });
  after(async () => { await authz.close(); });

  /** A refresh token of a sign-in for learn-ps only. */
  async function refreshToken(): Promise<string> {
    const { code, verifier } = await issueCode(authz, client);
    const tokens = await authz.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, client);
    expect(tokens.status, tokens.text).to.equal(200);
    return (tokens.json as { refresh_token: string }).refresh_token;
  }

  const refresh = (token: string, resource?: string | readonly string[]) => {
    const fields = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token });
    for (const item of [resource ?? []].flat()) fields.append('resource', item);
    return authz.form('/token', Object.fromEntries(fields), client);
  };

  it('narrows the new access token to a resource the grant covers', async () => {
    const answer = await refresh(await refreshToken(), LEARN_PS_RESOURCE);
    expect(answer.status, answer.text).to.equal(200);
    expect(decodeJwt((answer.json as { access_token: string }).access_token)).to.include({ aud: LEARN_PS_RESOURCE, scope: 'pets:read' });
  });

  it('refuses a resource outside the grant, or one the client may not use, with invalid_target and spends nothing', async () => {
    let token = await refreshToken();
    for (const resource of [SM_KMS, 'urn:cryptoutil:identity-rs', 'https://elsewhere.example/']) {
      const refused = await refresh(token, resource);
      expect(refused.status, resource).to.equal(400);
      expect(refused.json, resource).to.include({ error: 'invalid_target' });
      // The same refresh token still works: it was not rotated away.
      const again = await refresh(token);
      expect(again.status, again.text).to.equal(200);
      token = (again.json as { refresh_token: string }).refresh_token;
    }
  });

  it('refuses two resources at once with an error and spends nothing', async () => {
    const token = await refreshToken();
    const twice = await refresh(token, [LEARN_PS_RESOURCE, SM_KMS]);
    expect(twice.status, twice.text).to.equal(400);
    expect((await refresh(token, LEARN_PS_RESOURCE)).status).to.equal(200);
  });

  it('refuses a granted resource the client may no longer use, and the token works again once it may', async () => {
    const token = await refreshToken();
    const input = (resourceScopes: Record<string, string[]>) => ({
      name: 'Code client', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [REDIRECT_URI], openidScopes: ['openid'], resourceScopes,
    });
    const narrowed = await authz.api('PUT', `/clients/${client.id}`, input({ [SM_KMS]: ['kms:read'] }));
    expect(narrowed.status, narrowed.text).to.equal(200);
    const refused = await refresh(token, LEARN_PS_RESOURCE);
    expect(refused.status).to.equal(400);
    expect(refused.json).to.include({ error: 'invalid_target' });
    const restored = await authz.api('PUT', `/clients/${client.id}`, input({ [LEARN_PS_RESOURCE]: ['pets:read'], [SM_KMS]: ['kms:read'] }));
    expect(restored.status, restored.text).to.equal(200);
    expect((await refresh(token, LEARN_PS_RESOURCE)).status).to.equal(200);
  });
});

describe('identity-authz: the resource check before rotation, without a token or a client', () => {
  const context = (oidc: object): KoaContextWithOIDC => ({ oidc }) as unknown as KoaContextWithOIDC;

  it('rotates when no resource is named, and refuses a named one it cannot check', () => {
    expect(rotateAfterResourceCheck(context({ params: {}, entities: {} }))).to.equal(true);
    expect(rotateAfterResourceCheck(context({ entities: {} }))).to.equal(true);
    expect(() => rotateAfterResourceCheck(context({ params: { resource: SM_KMS }, entities: {} }))).to.throw().with.property('error', 'invalid_target');
    expect(() => rotateAfterResourceCheck(context({ params: { resource: [SM_KMS, LEARN_PS_RESOURCE] }, entities: {} }))).to.throw().with.property('error', 'invalid_target');
    const token = { resourceIndicators: new Set([SM_KMS]) };
    expect(() => rotateAfterResourceCheck(context({ params: { resource: SM_KMS }, entities: { RefreshToken: token } }))).to.throw().with.property('error', 'invalid_target');
  });
});
