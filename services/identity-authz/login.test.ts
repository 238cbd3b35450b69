import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { browse, CookieJar, location, pkcePair } from './testing/browser-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from './testing/harness.ts';

const REDIRECT_URI = 'https://client.example.test/callback';

describe('identity-authz sign-in through identity-idp (login request and login result)', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  let client: { id: string; secret: string };

  before(async () => {
    authz = await startAuthz();
    const created = await authz.api('POST', '/clients', {
      name: 'Console', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [REDIRECT_URI],
      openidScopes: ['openid', 'email'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] },
    });
    expect(created.status, created.text).to.equal(201);
    const body = created.json as { clientId: string; clientSecret: string };
    client = { id: body.clientId, secret: body.clientSecret };
  });
  after(async () => { await authz.close(); });

  interface Started { jar: CookieJar; verifier: string; uid: string; request: Record<string, unknown>; returnTo: string; state: string }

  /** Authorization request → interaction → identity-idp, as a browser would follow it. */
  async function startSignIn(extra: Readonly<Record<string, string>> = {}): Promise<Started> {
    const jar = new CookieJar();
    const { verifier, challenge } = pkcePair();
    const state = randomUUID();
    const query = new URLSearchParams({
      client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid email pets:read',
      resource: LEARN_PS_RESOURCE, code_challenge: challenge, code_challenge_method: 'S256', state, ...extra,
    });
    const authorize = await browse(authz.service.ca, jar, `${authz.issuer}/auth?${query.toString()}`);
    expect(authorize.status, authorize.text).to.be.oneOf([302, 303]);
    const interaction = location(authorize, authz.issuer);
    const toIdp = await browse(authz.service.ca, jar, interaction.href);
    expect(toIdp.status, toIdp.text).to.be.oneOf([302, 303]);
    const idpLogin = location(toIdp, authz.issuer);
    expect(idpLogin.origin + idpLogin.pathname).to.equal(`${authz.idp.url}/login`);
    const challengeJws = String(idpLogin.searchParams.get('login_challenge'));
    const jwks = (await authz.get('/jwks')).json as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(challengeJws, createLocalJWKSet(jwks), { issuer: authz.issuer, audience: authz.idp.url, typ: 'login-request+jwt' });
    expect(protectedHeader.typ).to.equal('login-request+jwt');
    const uid = interaction.pathname.split('/').pop() ?? '';
    return { jar, verifier, uid, request: payload, returnTo: String(payload.return_to), state };
  }

  async function loginResult(started: Started, claims: Readonly<Record<string, unknown>> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return authz.idp.sign({
      iss: authz.idp.url, aud: authz.issuer, jti: randomUUID(), iat: now, exp: now + 60, challenge: started.uid,
      sub: 'user-0001', auth_time: now, amr: ['pwd'], scope: 'openid email pets:read',
      claims: { preferred_username: 'alice', email: 'alice@example.test' }, ...claims,
    }, { typ: 'login-result+jwt' });
  }

  /** Login result → back through the authorization endpoint → the client's redirect URI. */
  async function finish(started: Started, result: string): Promise<URL> {
    const back = await browse(authz.service.ca, started.jar, `${started.returnTo}?login_result=${encodeURIComponent(result)}`);
    expect(back.status, back.text).to.be.oneOf([302, 303]);
    const resume = await browse(authz.service.ca, started.jar, location(back, authz.issuer).href);
    expect(resume.status, resume.text).to.be.oneOf([302, 303]);
    return location(resume, authz.issuer);
  }

  it('sends the browser to identity-idp with a signed request naming the client, scopes and way back', async () => {
    const started = await startSignIn();
    expect(started.request).to.include({ client_id: client.id, client_name: 'Console', scope: 'openid email pets:read', jti: started.uid });
    expect(started.request.prompt).to.deep.equal(['login', 'consent']);
    expect(started.returnTo).to.equal(`${authz.issuer}/interaction/${started.uid}/callback`);
  });

  it('issues a code for the login result, and the code a user token for the resource with a refresh token that rotates', async () => {
    const started = await startSignIn();
    const result = await loginResult(started);
    const redirect = await finish(started, result);
    expect(redirect.origin + redirect.pathname).to.equal(REDIRECT_URI);
    expect(redirect.searchParams.get('state')).to.equal(started.state);
    expect(redirect.searchParams.get('iss')).to.equal(authz.issuer);
    const code = String(redirect.searchParams.get('code'));
    const basic = client;
    const tokens = await authz.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: started.verifier }, basic);
    expect(tokens.status, tokens.text).to.equal(200);
    const body = tokens.json as { access_token: string; refresh_token: string; id_token: string; scope: string };
    const access = decodeJwt(body.access_token);
    expect(access).to.include({ sub: 'user-0001', client_id: client.id, aud: LEARN_PS_RESOURCE, scope: 'pets:read' });
    expect(decodeJwt(body.id_token)).to.include({ sub: 'user-0001', aud: client.id, email: 'alice@example.test' });

    // Refresh rotation, then reuse detection revokes the whole grant (OAuth 2.1 §4.3.1).
    const first = await authz.form('/token', { grant_type: 'refresh_token', refresh_token: body.refresh_token }, basic);
    expect(first.status, first.text).to.equal(200);
    const rotated = (first.json as { refresh_token: string }).refresh_token;
    expect(rotated).to.not.equal(body.refresh_token);
    const reused = await authz.form('/token', { grant_type: 'refresh_token', refresh_token: body.refresh_token }, basic);
    expect((reused.json as { error: string }).error).to.equal('invalid_grant');
    const afterReuse = await authz.form('/token', { grant_type: 'refresh_token', refresh_token: rotated }, basic);
    expect((afterReuse.json as { error: string }).error).to.equal('invalid_grant');

    // The code is single-use (RFC 6749 §4.1.2).
    const again = await authz.form('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: started.verifier }, basic);
    expect((again.json as { error: string }).error).to.equal('invalid_grant');
  });

  it('accepts a login result once, only for its own interaction, only from identity-idp', async () => {
    const started = await startSignIn();
    const foreign = await loginResult(started, { challenge: 'another-interaction' });
    const wrongChallenge = await browse(authz.service.ca, started.jar, `${started.returnTo}?login_result=${encodeURIComponent(foreign)}`);
    expect(wrongChallenge.status).to.equal(400);
    const wrongIssuer = await loginResult(started, { iss: 'https://elsewhere.test' });
    expect((await browse(authz.service.ca, started.jar, `${started.returnTo}?login_result=${encodeURIComponent(wrongIssuer)}`)).status).to.equal(400);
    const missing = await browse(authz.service.ca, started.jar, started.returnTo);
    expect(missing.status).to.equal(400);

    const result = await loginResult(started);
    await finish(started, result);
    const replay = await browse(authz.service.ca, started.jar, `${started.returnTo}?login_result=${encodeURIComponent(result)}`);
    expect(replay.status).to.equal(400);
  });

  it('sends access_denied to the client when the user refuses consent', async () => {
    const started = await startSignIn();
    const redirect = await finish(started, await loginResult(started, { error: 'access_denied', scope: undefined }));
    expect(redirect.searchParams.get('error')).to.equal('access_denied');
    expect(redirect.searchParams.get('state')).to.equal(started.state);
  });

  it('refuses an authorization request without PKCE, and takes one pushed first (RFC 9126)', async () => {
    const jar = new CookieJar();
    const query = new URLSearchParams({ client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', state: 's' });
    const noPkce = await browse(authz.service.ca, jar, `${authz.issuer}/auth?${query.toString()}`);
    const refused = location(noPkce, authz.issuer);
    expect(refused.searchParams.get('error')).to.equal('invalid_request');

    const { challenge } = pkcePair();
    const pushed = await authz.form('/request', {
      client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid pets:read', resource: LEARN_PS_RESOURCE,
      code_challenge: challenge, code_challenge_method: 'S256',
    }, client);
    expect(pushed.status, pushed.text).to.equal(201);
    const { request_uri: requestUri } = pushed.json as { request_uri: string };
    const authorize = await browse(authz.service.ca, jar, `${authz.issuer}/auth?client_id=${client.id}&request_uri=${encodeURIComponent(requestUri)}`);
    expect(location(authorize, authz.issuer).pathname).to.match(/^\/interaction\//);
  });
});
