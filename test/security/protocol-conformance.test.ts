/**
 * Issue 13 point 15. identity-authz as independent clients see it (openid-client, and raw HTTP for
 * what a library would never send): RFC 6749 §5.1/§5.2 errors and scope, the authorization endpoint
 * by POST (OIDC Core §3.1.2.1), RFC 8414 metadata, and CORS only for the configured origins.
 */
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { CookieJar } from '../../services/template/testing/cookies.ts';
import { fetchTrusting } from '../../services/template/testing/fetch-trusting.ts';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { browse, location, pkcePair } from '../../services/identity-authz/testing/browser-flow.ts';
import { createCodeClient, issueCode, REDIRECT_URI, type TestClient } from '../../services/identity-authz/testing/code-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from '../../services/identity-authz/testing/harness.ts';

const SWAGGER_ORIGIN = 'https://127.0.0.1:8480';
const OTHER_ORIGIN = 'https://attacker.example.test';

function oauthError(answer: HttpAnswer): string {
  return String((answer.json as { error?: unknown } | undefined)?.error);
}

describe('issue 13 point 15: identity-authz protocol conformance', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  let readOnly: TestClient;

  before(async () => {
    authz = await startAuthz({ extra: { authz: { corsOrigins: [SWAGGER_ORIGIN] } } });
    const created = await authz.api('POST', '/clients', { name: 'reader', grantTypes: ['client_credentials'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
    expect(created.status, created.text).to.equal(201);
    const body = created.json as { clientId: string; clientSecret: string };
    readOnly = { id: body.clientId, secret: body.clientSecret };
  });
  after(async () => { await authz.close(); });

  async function openidClient(client: TestClient, algorithm: 'oidc' | 'oauth2' = 'oidc'): Promise<oidc.Configuration> {
    const config = await oidc.discovery(new URL(authz.issuer), client.id, client.secret, oidc.ClientSecretBasic(client.secret), {
      [oidc.customFetch]: fetchTrusting(authz.service.ca), algorithm,
    });
    config[oidc.customFetch] = fetchTrusting(authz.service.ca);
    return config;
  }

  async function refusal(promise: Promise<unknown>): Promise<oidc.ResponseBodyError> {
    let failure: unknown;
    try { await promise; } catch (error) { failure = error; }
    expect(failure).to.be.instanceOf(oidc.ResponseBodyError);
    return failure as oidc.ResponseBodyError;
  }

  describe('RFC 6749 §3.3, §5.1, §5.2: scope', () => {
    it('refuses a scope the client may not hold with invalid_scope, never with a scope-less token', async () => {
      const config = await openidClient(readOnly);
      const byLibrary = await refusal(oidc.clientCredentialsGrant(config, { resource: LEARN_PS_RESOURCE, scope: 'pets:write' }));
      expect(byLibrary.error).to.equal('invalid_scope');
      expect(byLibrary.status).to.equal(400);
      const mixed = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, scope: 'pets:read pets:write' }, readOnly);
      expect(mixed.status).to.equal(400);
      expect(oauthError(mixed)).to.equal('invalid_scope');
      const unknown = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, scope: 'pets:delete-everything' }, readOnly);
      expect(oauthError(unknown)).to.equal('invalid_scope');
    });

    it('names the scope in every token response, the default (no scope asked) being every scope the client may hold', async () => {
      const config = await openidClient(readOnly);
      const asked = await oidc.clientCredentialsGrant(config, { resource: LEARN_PS_RESOURCE, scope: 'pets:read' });
      expect(asked.scope).to.equal('pets:read');
      const defaulted = await oidc.clientCredentialsGrant(config, { resource: LEARN_PS_RESOURCE });
      expect(defaulted.scope).to.equal('pets:read');
    });

    it('refuses at the authorization endpoint a scope the client may hold for no resource (redirected invalid_scope)', async () => {
      const client = await createCodeClient(authz);
      const { challenge } = pkcePair();
      const query = new URLSearchParams({
        client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid pets:write', state: 's1',
        code_challenge: challenge, code_challenge_method: 'S256', resource: LEARN_PS_RESOURCE,
      });
      const answer = await browse(authz.service.ca, new CookieJar(), `${authz.issuer}/auth?${query.toString()}`);
      const redirected = location(answer, authz.issuer);
      expect(redirected.origin + redirected.pathname).to.equal(REDIRECT_URI);
      expect(redirected.searchParams.get('error')).to.equal('invalid_scope');
      expect(redirected.searchParams.get('state')).to.equal('s1');
    });

    it('names the scope in the token response of the code flow too (§5.1)', async () => {
      const client = await createCodeClient(authz, { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] });
      const { code, verifier } = await issueCode(authz, client, 'user-scope');
      const tokens = await authz.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, client);
      expect(tokens.status, tokens.text).to.equal(200);
      expect(String((tokens.json as { scope?: unknown }).scope).split(' ')).to.include('pets:read').and.not.include('pets:write');
    });
  });

  describe('RFC 6749 §5.2: client errors', () => {
    it('answers a request without any client authentication 401 invalid_client with a challenge', async () => {
      for (const path of ['/token', '/token/introspection', '/token/revocation']) {
        const fields: Record<string, string> = path === '/token' ? { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE } : { token: 'whatever' };
        const answer = await authz.form(path, fields);
        expect(answer.status, `${path}: ${answer.text}`).to.equal(401);
        expect(oauthError(answer), path).to.equal('invalid_client');
        expect(String(answer.headers['www-authenticate']), path).to.match(/^Basic realm=/);
      }
      // A wrong secret was 401 invalid_client already; it stays so.
      const wrong = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: readOnly.id, secret: 'not-it' });
      expect(wrong.status).to.equal(401);
      expect(oauthError(wrong)).to.equal('invalid_client');
    });

    it('answers a grant type the client is not registered for with unauthorized_client', async () => {
      const codeClient = await createCodeClient(authz);
      const config = await openidClient(codeClient);
      const refused = await refusal(oidc.clientCredentialsGrant(config, { resource: LEARN_PS_RESOURCE }));
      expect(refused.error).to.equal('unauthorized_client');
      const refresh = await authz.form('/token', { grant_type: 'refresh_token', refresh_token: 'x' }, readOnly);
      expect(refresh.status).to.equal(400);
      expect(oauthError(refresh)).to.equal('unauthorized_client');
    });
  });

  describe('OIDC Core §3.1.2.1: the authorization endpoint by POST', () => {
    it('takes a form-encoded POST as it takes a GET, on to identity-idp', async () => {
      const client = await createCodeClient(authz);
      const { challenge } = pkcePair();
      const fields = {
        client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid pets:read', state: 'posted',
        code_challenge: challenge, code_challenge_method: 'S256', resource: LEARN_PS_RESOURCE,
      };
      const jar = new CookieJar();
      const posted = await authz.form('/auth', fields);
      jar.keep(posted);
      expect(posted.status, posted.text).to.be.oneOf([302, 303]);
      const interaction = location(posted, authz.issuer);
      expect(interaction.pathname).to.match(/^\/interaction\/[A-Za-z0-9_-]+$/);
      const toIdp = await browse(authz.service.ca, jar, interaction.href);
      expect(location(toIdp, authz.issuer).href.startsWith(`${authz.idp.url}/login?login_challenge=`)).to.equal(true);
    });

    it('refuses a POST that is not form-encoded with a 400 problem', async () => {
      const answer = await httpsCall(authz.service.ca, 'POST', `${authz.issuer}/auth`, { body: { client_id: readOnly.id } });
      expect(answer.status).to.equal(400);
      expect(answer.headers['content-type']).to.include('application/problem+json');
    });
  });

  describe('RFC 8414: /.well-known/oauth-authorization-server', () => {
    it('serves the discovery metadata with the issuer it is fetched for, and openid-client takes it', async () => {
      const oauth = await authz.get('/.well-known/oauth-authorization-server');
      expect(oauth.status).to.equal(200);
      const openid = await authz.get('/.well-known/openid-configuration');
      expect(oauth.json).to.deep.equal(openid.json);
      expect((oauth.json as { issuer: string }).issuer).to.equal(authz.issuer);
      const config = await openidClient(readOnly, 'oauth2');
      expect(config.serverMetadata().token_endpoint).to.equal(`${authz.issuer}/token`);
    });
  });

  describe('CORS at the token endpoint', () => {
    const preflight = (path: string, origin: string): Promise<HttpAnswer> => httpsCall(authz.service.ca, 'OPTIONS', `${authz.issuer}${path}`, {
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });

    it('grants no other origin: neither in a preflight nor in an answer given before the client is known', async () => {
      for (const path of ['/token', '/token/introspection', '/token/revocation', '/request']) {
        expect((await preflight(path, OTHER_ORIGIN)).headers, path).to.not.have.property('access-control-allow-origin');
      }
      const anonymous = await authz.form('/token', { grant_type: 'client_credentials' }, undefined, { origin: OTHER_ORIGIN });
      expect(anonymous.headers).to.not.have.property('access-control-allow-origin');
      const unknownClient = await authz.form('/token', { grant_type: 'client_credentials' }, { id: 'nobody', secret: 'x' }, { origin: OTHER_ORIGIN });
      expect(unknownClient.status).to.equal(401);
      expect(unknownClient.headers).to.not.have.property('access-control-allow-origin');
      const issued = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, readOnly, { origin: OTHER_ORIGIN });
      expect(issued.headers).to.not.have.property('access-control-allow-origin');
      expect(issued.json).to.not.have.property('access_token');
    });

    it('grants the configured origin, and leaves the public documents open', async () => {
      expect((await preflight('/token', SWAGGER_ORIGIN)).headers['access-control-allow-origin']).to.equal(SWAGGER_ORIGIN);
      const issued = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, readOnly, { origin: SWAGGER_ORIGIN });
      expect(issued.headers['access-control-allow-origin']).to.equal(SWAGGER_ORIGIN);
      const discovery = await authz.get('/.well-known/openid-configuration', { origin: OTHER_ORIGIN });
      expect(discovery.headers['access-control-allow-origin']).to.equal(OTHER_ORIGIN);
    });
  });
});
