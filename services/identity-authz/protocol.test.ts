import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Agent, request as httpsRequest } from 'node:https';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT, calculateJwkThumbprint, type JSONWebKeySet } from 'jose';
import { httpsCall } from '../template/testing/service-harness.ts';
import { CookieJar } from '../template/testing/cookies.ts';
import { browse, location, pkcePair } from './testing/browser-flow.ts';
import { providerRoute } from './routes/protocol.ts';
import { createCodeClient, REDIRECT_URI } from './testing/code-flow.ts';
import { ADMIN_CLIENT_ID, AUTHZ_RESOURCE, LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from './testing/harness.ts';

const LEARN_PS_SCOPES = ['orders:read', 'orders:write', 'pets:read', 'pets:write'];

describe('identity-authz protocol (oidc-provider under the template)', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  const admin = (): { id: string; secret: string } => ({ id: ADMIN_CLIENT_ID, secret: authz.adminSecret });

  const SWAGGER_ORIGIN = 'https://127.0.0.1:8480';
  before(async () => { authz = await startAuthz({ extra: { authz: { corsOrigins: [SWAGGER_ORIGIN] } } }); });
  after(async () => { await authz.close(); });

  async function jwks(): Promise<JSONWebKeySet> {
    return (await authz.get('/jwks')).json as JSONWebKeySet;
  }

  async function serviceClient(body: Readonly<Record<string, unknown>>): Promise<{ id: string; secret: string }> {
    const answer = await authz.api('POST', '/clients', { name: 'test client', grantTypes: ['client_credentials'], ...body });
    expect(answer.status, answer.text).to.equal(201);
    const created = answer.json as { clientId: string; clientSecret: string };
    return { id: created.clientId, secret: created.clientSecret };
  }

  describe('discovery (OpenID Connect Discovery 1.0, RFC 8414)', () => {
    it('names the public base URL as issuer and offers the OAuth 2.1 profile only', async () => {
      const answer = await authz.get('/.well-known/openid-configuration');
      expect(answer.status).to.equal(200);
      const metadata = answer.json as Record<string, unknown>;
      expect(metadata.issuer).to.equal(authz.issuer);
      expect(metadata.token_endpoint).to.equal(`${authz.issuer}/token`);
      expect(metadata.response_types_supported).to.deep.equal(['code']);
      expect(metadata.code_challenge_methods_supported).to.deep.equal(['S256']);
      expect(metadata.grant_types_supported).to.include.members(['authorization_code', 'client_credentials', 'refresh_token']);
      expect(metadata.grant_types_supported).to.not.include.members(['implicit', 'password']);
      expect(metadata.token_endpoint_auth_methods_supported).to.have.members(['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
      expect(metadata).to.include.keys('introspection_endpoint', 'revocation_endpoint', 'pushed_authorization_request_endpoint', 'end_session_endpoint', 'dpop_signing_alg_values_supported', 'jwks_uri');
    });

    it('serves the same metadata at /.well-known/oauth-authorization-server (RFC 8414 §3)', async () => {
      const oauth = await authz.get('/.well-known/oauth-authorization-server');
      expect(oauth.status).to.equal(200);
      expect(oauth.json).to.deep.equal((await authz.get('/.well-known/openid-configuration')).json);
    });

    it('publishes ES256 signing keys without private members', async () => {
      const { keys } = await jwks();
      expect(keys).to.have.length.greaterThan(0);
      for (const key of keys) {
        expect(key).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
        expect(key).to.not.have.property('d');
      }
    });
  });

  describe('metrics of the library\'s endpoints', () => {
    it('label each endpoint by its fixed path, and an id in a path as :id', async () => {
      expect((await authz.get('/.well-known/openid-configuration')).status).to.equal(200);
      expect((await authz.get('/jwks')).status).to.equal(200);
      expect((await authz.get('/auth/a-resumed-sign-in-id')).status).to.be.at.least(400);
      expect((await authz.get('/interaction/an-interaction-id')).status).to.be.at.least(400);
      const refused = await httpsCall(authz.service.ca, 'POST', `${authz.issuer}/token/introspection`, { body: 'token=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(refused.status).to.equal(401);
      const metrics = (await httpsCall(authz.service.ca, 'GET', `${authz.service.adminUrl}/admin/v1/metrics`)).text;
      const routes = new Set([...metrics.matchAll(/^http_server_requests_total\{[^}]*route="([^"]*)"/gm)].map((match) => match[1]));
      expect([...routes]).to.include.members(['/.well-known/openid-configuration', '/jwks', '/auth/:id', '/interaction/:uid', '/token/introspection']);
      expect(metrics).not.to.include('a-resumed-sign-in-id').and.not.to.include('an-interaction-id');
    });

    it('keep the library\'s own sub-paths and hide any other', () => {
      expect(providerRoute('/token', '/token')).to.equal('/token');
      expect(providerRoute('/token/revocation', '/token')).to.equal('/token/revocation');
      expect(providerRoute('/session/end/confirm', '/session/end')).to.equal('/session/end/confirm');
      expect(providerRoute('/session/end/success', '/session/end')).to.equal('/session/end/success');
      expect(providerRoute('/token/introspection', '/token')).to.equal('/token/introspection');
      expect(providerRoute('/request/urn:x', '/request')).to.equal('/request/:id');
    });
  });

  describe('client credentials with resource indicators (RFC 8707, RFC 9068)', () => {
    it('gives every allowed scope of the resource when no scope is asked for', async () => {
      const answer = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin());
      expect(answer.status, answer.text).to.equal(200);
      const body = answer.json as { access_token: string; token_type: string; expires_in: number; scope: string };
      expect(body.token_type).to.equal('Bearer');
      expect(body.scope.split(' ').sort()).to.deep.equal(LEARN_PS_SCOPES);
      const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(await jwks()), { issuer: authz.issuer, audience: LEARN_PS_RESOURCE });
      expect(protectedHeader.typ).to.equal('at+jwt');
      expect(payload.sub).to.equal(ADMIN_CLIENT_ID);
      expect(payload.client_id).to.equal(ADMIN_CLIENT_ID);
      expect(String(payload.scope).split(' ').sort()).to.deep.equal(LEARN_PS_SCOPES);
      expect(payload).to.include.keys('jti', 'iat', 'exp');
    });

    it('reads a form the client streams in chunks, and the next request on the same connection too', async () => {
      const { id, secret } = admin();
      const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: authz.service.ca });
      const fields = new URLSearchParams({ grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, scope: 'pets:read' }).toString();
      const exchange = (chunks: readonly string[]): Promise<{ status: number; body: string; socket: unknown }> => new Promise((done, fail) => {
        const request = httpsRequest(`${authz.issuer}/token`, {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
        }, (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => { done({ status: response.statusCode ?? 0, body, socket: request.socket }); });
        });
        request.on('error', fail);
        for (const chunk of chunks) request.write(chunk);
        request.end();
      });
      try {
        const streamed = await exchange([fields.slice(0, 10), fields.slice(10)]);
        expect(streamed.status, streamed.body).to.equal(200);
        expect((JSON.parse(streamed.body) as { scope: string }).scope).to.equal('pets:read');
        const next = await exchange([fields]);
        expect(next.status, next.body).to.equal(200);
        expect(next.socket).to.equal(streamed.socket);
      } finally {
        agent.destroy();
      }
    });

    it('narrows to the scopes asked for, and refuses unknown resources and bad secrets in the OAuth error format', async () => {
      const narrowed = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, scope: 'pets:read' }, admin());
      expect((narrowed.json as { scope: string }).scope).to.equal('pets:read');
      const unknown = await authz.form('/token', { grant_type: 'client_credentials', resource: 'urn:cryptoutil:nowhere' }, admin());
      expect(unknown.status).to.equal(400);
      expect((unknown.json as { error: string }).error).to.equal('invalid_target');
      const wrong = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: ADMIN_CLIENT_ID, secret: 'not-the-secret' });
      expect(wrong.status).to.equal(401);
      expect((wrong.json as { error: string }).error).to.equal('invalid_client');
      const password = await authz.form('/token', { grant_type: 'password', username: 'a', password: 'b' }, admin());
      expect(password.status).to.equal(400);
      expect((password.json as { error: string }).error).to.equal('unsupported_grant_type');
    });

    it('holds a client to its scopes per resource, its grant types and its token lifetime', async () => {
      const client = await serviceClient({ resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, accessTokenTtlSeconds: 120 });
      const answer = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, client);
      const token = decodeJwt((answer.json as { access_token: string }).access_token);
      expect(token.scope).to.equal('pets:read');
      expect(Number(token.exp) - Number(token.iat)).to.equal(120);
      const elsewhere = await authz.form('/token', { grant_type: 'client_credentials', resource: 'urn:cryptoutil:sm-kms' }, client);
      expect((elsewhere.json as { error: string }).error).to.equal('invalid_target');
      const more = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, scope: 'pets:write' }, client);
      expect(more.status).to.equal(400);
      expect(more.json).to.deep.equal({ error: 'invalid_scope', error_description: 'the client may not hold pets:write', scope: 'pets:write' });
    });

    describe('a request without resource (issue 12 §7: a JWT or a clear error, never an opaque token)', () => {
      const described = (answer: { status: number; json: unknown }): { error: string; error_description: string } => {
        expect(answer.status).to.equal(400);
        return answer.json as { error: string; error_description: string };
      };

      it('means the one resource its scopes belong to', async () => {
        const answer = await authz.form('/token', { grant_type: 'client_credentials', scope: 'pets:read orders:read' }, admin());
        expect(answer.status, answer.text).to.equal(200);
        const { payload } = await jwtVerify((answer.json as { access_token: string }).access_token, createLocalJWKSet(await jwks()), { issuer: authz.issuer, audience: LEARN_PS_RESOURCE });
        expect(String(payload.scope).split(' ').sort()).to.deep.equal(['orders:read', 'pets:read']);
      });

      it('is refused with invalid_target saying to add resource= and which resources the client may ask for', async () => {
        const body = described(await authz.form('/token', { grant_type: 'client_credentials' }, admin()));
        expect(body.error).to.equal('invalid_target');
        expect(body.error_description).to.equal(
          'no resource was named: add resource=urn:cryptoutil:<service> (RFC 8707) to get a JWT access token a service accepts; '
          + `this client may ask for ${AUTHZ_RESOURCE}, ${LEARN_PS_RESOURCE}, urn:cryptoutil:sm-kms`,
        );
        const unknownScope = described(await authz.form('/token', { grant_type: 'client_credentials', scope: 'nobody:has-this' }, admin()));
        expect(unknownScope.error_description).to.match(/^no resource was named: add resource=/);
      });

      it('is refused when its scopes belong to several resources, or the client may use none', async () => {
        const body = described(await authz.form('/token', { grant_type: 'client_credentials', scope: 'pets:read kms:read' }, admin()));
        expect(body.error).to.equal('invalid_target');
        expect(body.error_description).to.match(/^the requested scopes belong to several resources \(urn:cryptoutil:learn-ps, urn:cryptoutil:sm-kms\): add resource=/);
        const lonely = await serviceClient({ resourceScopes: {} });
        expect(described(await authz.form('/token', { grant_type: 'client_credentials' }, lonely)).error_description).to.match(/this client may not obtain tokens for any resource$/);
      });
    });

    it('answers RFC 6749 §5.2 codes: unauthorized_client for an unregistered grant type, invalid_client without authentication', async () => {
      const refresh = await authz.form('/token', { grant_type: 'refresh_token', refresh_token: 'x' }, admin());
      expect(refresh.json).to.include({ error: 'unauthorized_client' });
      const anonymous = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE });
      expect(anonymous.status).to.equal(401);
      expect(anonymous.headers['www-authenticate']).to.equal(`Basic realm="${authz.issuer}"`);
      // A request the library refuses before reading any parameter stays its invalid_request.
      const json = await httpsCall(authz.service.ca, 'POST', `${authz.issuer}/token`, { body: { grant_type: 'client_credentials' } });
      expect(json.status).to.equal(400);
      expect(json.json).to.include({ error: 'invalid_request' });
      // A client that authenticated and asks for something malformed keeps invalid_request too.
      const codeClient = await createCodeClient(authz);
      const malformed = await authz.form('/token', { grant_type: 'authorization_code' }, codeClient);
      expect(malformed.json).to.include({ error: 'invalid_request' });
    });

    it('lets the configured browser origins (Swagger UI) call the token endpoint, preflight included', async () => {
      const preflight = await httpsCall(authz.service.ca, 'OPTIONS', `${authz.issuer}/token`, {
        headers: { origin: SWAGGER_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-requested-with' },
      });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers['access-control-allow-headers']).to.equal('authorization,content-type,x-requested-with');
      const answer = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin(), { origin: SWAGGER_ORIGIN });
      expect(answer.status, answer.text).to.equal(200);
      expect(answer.headers['access-control-allow-origin']).to.equal(SWAGGER_ORIGIN);
    });

    it('accepts client_secret_post, and private_key_jwt without any secret', async () => {
      const post = await serviceClient({ tokenEndpointAuthMethod: 'client_secret_post', resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
      const byPost = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, client_id: post.id, client_secret: post.secret });
      expect(byPost.status, byPost.text).to.equal(200);

      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const jwk = { ...await exportJWK(publicKey), alg: 'ES256', use: 'sig' };
      const created = await authz.api('POST', '/clients', { name: 'jwt client', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [jwk] }, resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
      expect(created.status, created.text).to.equal(201);
      const clientId = (created.json as { clientId: string }).clientId;
      expect(created.json).to.not.have.property('clientSecret');
      const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer(clientId).setSubject(clientId)
        .setAudience(authz.issuer).setJti(randomUUID()).setIssuedAt().setExpirationTime('1m').sign(privateKey);
      const answer = await authz.form('/token', {
        grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
      });
      expect(answer.status, answer.text).to.equal(200);
      const bySecret = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: clientId, secret: 'guess' });
      expect(bySecret.status).to.equal(401);
      expect((bySecret.json as { error: string }).error).to.equal('invalid_client');
    });

    it('binds a token to the DPoP key of the request (RFC 9449)', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const jwk = await exportJWK(publicKey);
      const proof = await new SignJWT({ htm: 'POST', htu: `${authz.issuer}/token`, jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setIssuedAt().sign(privateKey);
      const answer = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin(), { dpop: proof });
      expect(answer.status, answer.text).to.equal(200);
      const body = answer.json as { access_token: string; token_type: string };
      expect(body.token_type).to.equal('DPoP');
      expect(decodeJwt(body.access_token).cnf).to.deep.equal({ jkt: await calculateJwkThumbprint(jwk) });
      const introspected = await authz.form('/token/introspection', { token: body.access_token }, admin());
      expect(introspected.json).to.include({ active: true, token_type: 'DPoP' });
    });
  });

  describe('the authorization endpoint (OIDC Core §3.1.2.1: GET and POST)', () => {
    it('takes a form-encoded POST as the GET with the same parameters, and refuses any other body', async () => {
      const client = await createCodeClient(authz);
      const fields = {
        client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid pets:read', resource: LEARN_PS_RESOURCE,
        code_challenge: pkcePair().challenge, code_challenge_method: 'S256',
      };
      const posted = await authz.form('/auth', fields);
      expect(location(posted, authz.issuer).pathname).to.match(/^\/interaction\//);
      const json = await httpsCall(authz.service.ca, 'POST', `${authz.issuer}/auth`, { body: fields });
      expect(json.status).to.equal(400);
      expect((json.json as { detail: string }).detail).to.equal('a POST to /auth carries its parameters form-encoded (application/x-www-form-urlencoded)');
      const empty = await httpsCall(authz.service.ca, 'POST', `${authz.issuer}/session/end`, { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(empty.status).to.equal(400);
    });

    it('refuses a scope the client may hold for no resource with invalid_scope, by redirect', async () => {
      const client = await createCodeClient(authz);
      const query = new URLSearchParams({
        client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid kms:admin', state: 'st',
        code_challenge: pkcePair().challenge, code_challenge_method: 'S256',
      });
      const refused = location(await browse(authz.service.ca, new CookieJar(), `${authz.issuer}/auth?${query.toString()}`), authz.issuer);
      expect(refused.searchParams.get('error')).to.equal('invalid_scope');
    });
  });

  describe('introspection (RFC 7662) and revocation (RFC 7009) of JWT access tokens', () => {
    it('answers active with the claims, then inactive once revoked, and requires client authentication', async () => {
      const issued = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin());
      const token = (issued.json as { access_token: string }).access_token;
      const active = await authz.form('/token/introspection', { token }, admin());
      expect(active.status, active.text).to.equal(200);
      expect(active.json).to.include({ active: true, client_id: ADMIN_CLIENT_ID, sub: ADMIN_CLIENT_ID, aud: LEARN_PS_RESOURCE, iss: authz.issuer, token_type: 'Bearer' });
      const anonymous = await authz.form('/token/introspection', { token });
      expect(anonymous.status).to.equal(401);
      expect((anonymous.json as { error: string }).error).to.equal('invalid_client');

      const other = await serviceClient({ resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
      const foreign = await authz.form('/token/revocation', { token }, other);
      expect(foreign.status).to.equal(400);
      expect((foreign.json as { error: string }).error).to.equal('unauthorized_client');
      expect((await authz.form('/token/introspection', { token }, admin())).json).to.include({ active: true });

      const revoked = await authz.form('/token/revocation', { token }, admin());
      expect(revoked.status).to.equal(200);
      expect((await authz.form('/token/introspection', { token }, admin())).json).to.deep.equal({ active: false });
      // Revoking twice, or revoking garbage, is not an error (RFC 7009 §2.2).
      expect((await authz.form('/token/revocation', { token }, admin())).status).to.equal(200);
      expect((await authz.form('/token/revocation', { token: 'not-a-token' }, admin())).status).to.equal(200);
    });

    it('answers inactive to a client introspecting another client\'s token without authz:introspect (RFC 7662 §4)', async () => {
      const owner = await serviceClient({ resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
      const issued = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, owner);
      const token = (issued.json as { access_token: string }).access_token;
      const other = await serviceClient({ resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
      expect((await authz.form('/token/introspection', { token }, other)).json).to.deep.equal({ active: false });
      expect((await authz.form('/token/introspection', { token }, owner)).json).to.include({ active: true, client_id: owner.id });
    });

    it('answers inactive for a JWT it did not sign', async () => {
      const foreign = await authz.idp.sign({ iss: authz.issuer, sub: 'x', client_id: 'x', jti: 'j', exp: Math.floor(Date.now() / 1000) + 60 }, { typ: 'at+jwt' });
      const answer = await authz.form('/token/introspection', { token: foreign }, admin());
      expect(answer.json).to.deep.equal({ active: false });
    });
  });

  describe('signing key rotation (POST /admin/v1/keys/rotate)', () => {
    it('signs with the new key and keeps publishing the old one, so earlier tokens still verify', async () => {
      const before = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin());
      const oldToken = (before.json as { access_token: string }).access_token;
      const oldKid = decodeProtectedHeader(oldToken).kid;
      const adminAnswer = await httpsCall(authz.service.ca, 'POST', `${authz.service.adminUrl}/admin/v1/keys/rotate`, { token: authz.service.adminToken });
      expect(adminAnswer.status, adminAnswer.text).to.equal(200);
      const { active, published } = adminAnswer.json as { active: string; published: string[] };
      expect(active).to.not.equal(oldKid);
      expect(published).to.include.members([active, oldKid]);
      const after = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin());
      const newToken = (after.json as { access_token: string }).access_token;
      expect(decodeProtectedHeader(newToken).kid).to.equal(active);
      const keys = createLocalJWKSet(await jwks());
      await jwtVerify(oldToken, keys, { issuer: authz.issuer });
      await jwtVerify(newToken, keys, { issuer: authz.issuer });
      expect((await authz.form('/token/introspection', { token: oldToken }, admin())).json).to.include({ active: true });
    });
  });

  it('leaves paths it does not serve to the API (404 problem), and grants no browser origin CORS at the token endpoint', async () => {
    const post = await httpsCall(authz.service.ca, 'POST', `${authz.issuer}/interaction/abc`);
    expect(post.status).to.equal(404);
    expect(post.headers['content-type']).to.include('application/problem+json');
    const corsAnswer = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin(), { origin: 'https://spa.example.test' });
    expect(corsAnswer.headers).to.not.have.property('access-control-allow-origin');
  });

  it('takes its own tokens on its clients API and refuses tokens for other resources', async () => {
    const own = await authz.api('GET', '/clients');
    expect(own.status).to.equal(200);
    const issued = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, admin());
    const answer = await authz.get('/service/api/v1/clients', { authorization: `Bearer ${(issued.json as { access_token: string }).access_token}` });
    expect(answer.status).to.equal(401);
    expect(AUTHZ_RESOURCE).to.equal('urn:cryptoutil:identity-authz');
  });
});

