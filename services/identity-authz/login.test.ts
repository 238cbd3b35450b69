import { expect } from 'chai';
import { captureLogs } from '../template/testing/logs.ts';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet, type JWTPayload } from 'jose';
import { httpsCall } from '../template/testing/service-harness.ts';
import { openDatabase } from '../template/database/index.ts';
import { authzOwnEntities } from './entities.ts';
import { redirectOrigins, spendLoginResult, verifyLoginResult, type LoginOptions } from './login.ts';
import { CookieJar } from '../template/testing/cookies.ts';
import { browse, location, pkcePair } from './testing/browser-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from './testing/harness.ts';

const REDIRECT_URI = 'https://client.example.test/callback';

describe('identity-authz sign-in through identity-idp (login request and login result)', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  let client: { id: string; secret: string };

  const logs = captureLogs();
  /** Every code, token, secret and login result the tests handle: none may reach a log line. */
  const secrets: string[] = [];
  before(async () => {
    authz = await startAuthz({ logger: logs.logger });
    const created = await authz.api('POST', '/clients', {
      name: 'Console', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [REDIRECT_URI],
      openidScopes: ['openid', 'email'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] },
    });
    expect(created.status, created.text).to.equal(201);
    const body = created.json as { clientId: string; clientSecret: string };
    client = { id: body.clientId, secret: body.clientSecret };
    secrets.push(body.clientSecret, authz.adminSecret);
  });
  after(async () => { await authz.close(); });

  interface Started { jar: CookieJar; verifier: string; uid: string; request: Record<string, unknown>; returnTo: string; state: string }

  /** Authorization request → interaction → identity-idp, as a browser would follow it. */
  async function startSignIn(extra: Readonly<Record<string, string>> = {}, withResource = true): Promise<Started> {
    const jar = new CookieJar();
    const { verifier, challenge } = pkcePair();
    const state = randomUUID();
    const query = new URLSearchParams({
      client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid email pets:read',
      code_challenge: challenge, code_challenge_method: 'S256', state, ...extra,
    });
    if (withResource) query.set('resource', LEARN_PS_RESOURCE);
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
    // identity-idp's consent page may post on to these and no further (its CSP form-action).
    expect(started.request.redirect_origins).to.deep.equal([new URL(REDIRECT_URI).origin]);
  });

  it('names each registered redirect URI by its origin, or its scheme when private-use (RFC 8252 §7.1)', () => {
    expect(redirectOrigins(['https://app.example/cb', 'https://app.example:8443/cb', 'https://app.example/other', 'com.example.app:/cb']))
      .to.deep.equal(['https://app.example', 'https://app.example:8443', 'com.example.app:']);
    expect(redirectOrigins([])).to.deep.equal([]);
    expect(redirectOrigins(undefined)).to.deep.equal([]);
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
    secrets.push(code, result, body.access_token, body.refresh_token, body.id_token);
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

  it('shows its own error page, and signs a user out through RP-initiated logout', async () => {
    const jar = new CookieJar();
    const unknown = await browse(authz.service.ca, jar, `${authz.issuer}/auth?client_id=nobody&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`);
    expect(unknown.status).to.equal(400);
    expect(unknown.text).to.include('<title>Sign-in failed</title>').and.include('invalid_client');
    expect(unknown.text).to.not.include('<script');
    expect(unknown.headers['content-security-policy']).to.include("default-src 'none'").and.include("style-src 'self'");
    // Every page loads one stylesheet, from this origin: the only style its policy allows.
    expect(unknown.text).to.include('<link rel="stylesheet" href="/assets/pages.css">');
    const css = await browse(authz.service.ca, jar, `${authz.issuer}/assets/pages.css`);
    expect(css.status).to.equal(200);
    expect(css.headers['content-type']).to.equal('text/css; charset=utf-8');
    expect(css.headers['cache-control']).to.equal('public, max-age=3600');
    expect(css.text).to.include('main {');

    const started = await startSignIn({ login_hint: 'alice', max_age: '300', prompt: 'login consent' });
    expect(started.request).to.include({ login_hint: 'alice', max_age: 300 });
    await finish(started, await loginResult(started));
    const logout = await browse(authz.service.ca, started.jar, `${authz.issuer}/session/end?client_id=${client.id}`);
    expect(logout.status).to.equal(200);
    expect(logout.text).to.include('<title>Sign out?</title>').and.include('op.logoutForm').and.include('href="/assets/pages.css"');
    expect(logout.headers['content-security-policy']).to.include("style-src 'self'");
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(logout.text)?.[1] ?? '';
    const confirmed = await httpsCall(authz.service.ca, 'POST', `${authz.issuer}/session/end/confirm`, {
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: started.jar.header() },
    });
    started.jar.keep(confirmed);
    const done = await browse(authz.service.ca, started.jar, location(confirmed, authz.issuer).href);
    expect(done.text).to.include('<title>Signed out</title>').and.include('href="/assets/pages.css"');
  });

  it('answers invalid_scope, and does not ask again, when a login result grants none of the requested resource scopes', async () => {
    const started = await startSignIn();
    const now = Math.floor(Date.now() / 1000);
    const bare = await authz.idp.sign({ iss: authz.idp.url, aud: authz.issuer, jti: randomUUID(), iat: now, exp: now + 60, challenge: started.uid, sub: 'user-0002' }, { typ: 'login-result+jwt' });
    const redirect = await finish(started, bare);
    expect(redirect.origin + redirect.pathname).to.equal(REDIRECT_URI);
    expect(redirect.searchParams.get('error')).to.equal('invalid_scope');
    expect(redirect.searchParams.get('state')).to.equal(started.state);
  });


  it('refuses to mix two sign-ins of one browser, and spends each login result once', async () => {
    const first = await startSignIn();
    const second = await startSignIn();
    // One browser, one interaction cookie: the second sign-in replaced the first.
    const jar = second.jar;
    expect((await browse(authz.service.ca, jar, `${authz.issuer}/interaction/${first.uid}`)).status).to.equal(400);
    expect((await browse(authz.service.ca, jar, `${first.returnTo}?login_result=x`)).status).to.equal(400);

    const db = await openDatabase({ url: `sqlite:${join(authz.dataDir, 'authz.sqlite')}`, entities: [...authzOwnEntities], migrations: [] });
    try {
      const result = { jti: randomUUID(), expiresAt: Math.floor(Date.now() / 1000) + 60, subject: 's', authTime: 0, amr: [], scopes: [], claims: {}, denied: false };
      await spendLoginResult(db.orm.em.fork(), result);
      let failure: unknown;
      try { await spendLoginResult(db.orm.em.fork(), result); } catch (error) { failure = error; }
      expect(String(failure)).to.include('already been used');
    } finally {
      await db.close();
    }
  });

  /** A sign-in without `resource`: the access token is the library's opaque one, for userinfo. */
  async function opaqueToken(subject: string): Promise<string> {
    const started = await startSignIn({ scope: 'openid email' }, false);
    const redirect = await finish(started, await loginResult(started, { sub: subject, scope: 'openid email' }));
    const tokens = await authz.form('/token', { grant_type: 'authorization_code', code: String(redirect.searchParams.get('code')), redirect_uri: REDIRECT_URI, code_verifier: started.verifier }, client);
    expect(tokens.status, tokens.text).to.equal(200);
    return (tokens.json as { access_token: string }).access_token;
  }

  it('an opaque token introspects as active to its client only (features.introspection.allowedPolicy, RFC 7662 §4)', async () => {
    const accessToken = await opaqueToken('user-0005');
    const created = await authz.api('POST', '/clients', { name: 'Other', grantTypes: ['client_credentials'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
    expect(created.status, created.text).to.equal(201);
    const other = created.json as { clientId: string; clientSecret: string };
    secrets.push(accessToken, other.clientSecret);
    expect((await authz.form('/token/introspection', { token: accessToken }, client)).json).to.include({ active: true, sub: 'user-0005', client_id: client.id });
    expect((await authz.form('/token/introspection', { token: accessToken }, { id: other.clientId, secret: other.clientSecret })).json).to.deep.equal({ active: false });
  });

  it('without a resource, issues an opaque token for userinfo with the claims identity-idp vouched for', async () => {
    const accessToken = await opaqueToken('user-0003');
    const laterToken = await opaqueToken('user-0004');
    expect(accessToken.split('.')).to.have.length(1);
    const userinfo = await authz.get('/me', { authorization: `Bearer ${accessToken}` });
    expect(userinfo.status, userinfo.text).to.equal(200);
    expect(userinfo.json).to.deep.equal({ sub: 'user-0003', email: 'alice@example.test' });

    // An account identity-authz no longer knows has no claims to give.
    const accounts = new DatabaseSync(join(authz.dataDir, 'authz.sqlite'));
    accounts.prepare('delete from authz_accounts where id = ?').run('user-0003');
    accounts.close();
    expect((await authz.get('/me', { authorization: `Bearer ${accessToken}` })).status).to.equal(401);

    // A failure of ours is a 500 with the standard error body, logged without request data.
    const db = new DatabaseSync(join(authz.dataDir, 'authz.sqlite'));
    db.exec('drop table authz_accounts');
    db.close();
    const broken = await authz.get('/me', { authorization: `Bearer ${laterToken}` });
    expect(broken.status).to.equal(500);
    expect((broken.json as { error: string }).error).to.equal('server_error');
    const logged = logs.lines.filter((line) => line.includes('authorization server error'));
    expect(logged).to.have.length(1);
    expect(logged[0]).to.not.include(laterToken);
  });

  it('logs no secret, code, token or login result (access lines carry paths only)', () => {
    expect(secrets.length).to.be.greaterThan(5);
    expect(logs.lines.length).to.be.greaterThan(20);
    for (const secret of secrets) {
      expect(logs.lines.filter((line) => line.includes(secret))).to.deep.equal([]);
    }
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

describe('verifyLoginResult: a login result is for us, of its type, and at most 60 s old (RFC 8725 §3.11)', () => {
  const IDP = 'https://idp.example.test';
  const AUTHZ = 'https://authz.example.test';
  const ISSUED = 1_800_000_000;
  let sign: (claims: JWTPayload, typ?: string) => Promise<string>;
  let options: (nowSeconds: number) => LoginOptions;

  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const keys = createLocalJWKSet({ keys: [{ ...await exportJWK(publicKey), alg: 'ES256', kid: 'idp-1' }] });
    sign = (claims, typ = 'login-result+jwt') => new SignJWT({
      iss: IDP, aud: AUTHZ, jti: randomUUID(), iat: ISSUED, exp: ISSUED + 3600, challenge: 'uid-1', sub: 'user-1', ...claims,
    }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ }).sign(privateKey);
    options = (nowSeconds) => ({
      issuer: AUTHZ, idpUrl: IDP, signingKey: {}, idpKeys: { resolve: keys }, clockSkewSeconds: 0, now: () => nowSeconds * 1000,
    });
  });

  async function refusal(token: string, nowSeconds = ISSUED + 1): Promise<string> {
    let failure: unknown;
    try { await verifyLoginResult(token, 'uid-1', options(nowSeconds)); } catch (error) { failure = error; }
    expect(failure, 'the login result was accepted').to.be.instanceOf(Error);
    return String(failure);
  }

  it('accepts a fresh result addressed to identity-authz with its type', async () => {
    const result = await verifyLoginResult(await sign({}), 'uid-1', options(ISSUED + 59));
    expect(result.subject).to.equal('user-1');
  });

  it('refuses a result for another audience', async () => {
    expect(await refusal(await sign({ aud: 'https://other-authz.example.test' }))).to.include('ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('refuses a result of another type (a token signed by the same key is not a login result)', async () => {
    expect(await refusal(await sign({}, 'at+jwt'))).to.include('ERR_JWT_CLAIM_VALIDATION_FAILED');
    expect(await refusal(await sign({}, 'login-request+jwt'))).to.include('ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('refuses a result older than 60 s even when its exp is later', async () => {
    expect(await refusal(await sign({}), ISSUED + 61)).to.include('ERR_JWT_EXPIRED');
  });
});
