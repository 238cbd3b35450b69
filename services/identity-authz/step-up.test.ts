/**
 * acr, amr and step-up at identity-authz: the discovery document names the suite's acr values,
 * the login request tells identity-idp which level the login must reach (the client's `mfa`
 * policy, the request's `acr_values`), a session too weak for a request goes back to identity-idp
 * without a new password being asked, `max_age` and `prompt=login` ask for one, and the ID token
 * (verified with the published keys) says what was used. The test issuer stands in for
 * identity-idp and signs the login results; identity-idp's side is routes/step-up.test.ts there.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { CookieJar } from '../template/testing/cookies.ts';
import { ACR_MFA, ACR_PHR, ACR_PWD } from '../identity-idp/acr.ts';
import { browse, location, pkcePair } from './testing/browser-flow.ts';
import { REDIRECT_URI } from './testing/code-flow.ts';
import { LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from './testing/harness.ts';

interface Client { readonly id: string; readonly secret: string }

/** One authorization request as a browser follows it to identity-idp: what the login request says. */
interface Started { readonly uid: string; readonly request: JWTPayload; readonly returnTo: string; readonly verifier: string }

describe('identity-authz acr, amr and step-up', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  let optional: Client;
  let required: Client;

  async function createClient(extra: Readonly<Record<string, unknown>>): Promise<Client> {
    const created = await authz.api('POST', '/clients', {
      name: 'Step-up client', grantTypes: ['authorization_code'], redirectUris: [REDIRECT_URI], openidScopes: ['openid'],
      resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, ...extra,
    });
    expect(created.status, created.text).to.equal(201);
    const body = created.json as { clientId: string; clientSecret: string };
    return { id: body.clientId, secret: body.clientSecret };
  }

  before(async () => {
    authz = await startAuthz();
    optional = await createClient({});
    required = await createClient({ mfa: 'required' });
  });
  after(async () => { await authz.close(); });

  /** The authorization request; undefined when the library answers the client at once (an existing session). */
  async function authorize(jar: CookieJar, client: Client, extra: Readonly<Record<string, string>> = {}): Promise<{ started?: Started; redirect?: URL; verifier: string }> {
    const { verifier, challenge } = pkcePair();
    const query = new URLSearchParams({
      client_id: client.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid pets:read',
      code_challenge: challenge, code_challenge_method: 'S256', state: randomUUID(), resource: LEARN_PS_RESOURCE, ...extra,
    });
    const answer = await browse(authz.service.ca, jar, `${authz.issuer}/auth?${query.toString()}`);
    const next = location(answer, authz.issuer);
    if (!next.pathname.startsWith('/interaction/')) return { redirect: next, verifier };
    const toIdp = await browse(authz.service.ca, jar, next.href);
    const challengeJws = String(location(toIdp, authz.issuer).searchParams.get('login_challenge'));
    const jwks = (await authz.get('/jwks')).json as JSONWebKeySet;
    const { payload } = await jwtVerify(challengeJws, createLocalJWKSet(jwks), { issuer: authz.issuer, audience: authz.idp.url, typ: 'login-request+jwt' });
    return { started: { uid: next.pathname.split('/').pop() ?? '', request: payload, returnTo: String(payload.return_to), verifier }, verifier };
  }

  /** identity-idp's answer for `started`, signed by its key; back through the authorization endpoint to the client. */
  async function answer(jar: CookieJar, started: Started, claims: Readonly<Record<string, unknown>>): Promise<URL> {
    const now = Math.floor(Date.now() / 1000);
    const result = await authz.idp.sign({
      iss: authz.idp.url, aud: authz.issuer, jti: randomUUID(), iat: now, exp: now + 60, challenge: started.uid,
      sub: 'user-step', auth_time: now, amr: ['pwd'], scope: 'openid pets:read', claims: { preferred_username: 'step' }, ...claims,
    }, { typ: 'login-result+jwt' });
    const back = await browse(authz.service.ca, jar, `${started.returnTo}?login_result=${encodeURIComponent(result)}`);
    expect(back.status, back.text).to.be.oneOf([302, 303]);
    const resume = await browse(authz.service.ca, jar, location(back, authz.issuer).href);
    expect(resume.status, resume.text).to.be.oneOf([302, 303]);
    return location(resume, authz.issuer);
  }

  /** The ID token the redirect's code buys, verified against the published keys. */
  async function idToken(client: Client, redirect: URL, verifier: string): Promise<JWTPayload> {
    const code = redirect.searchParams.get('code');
    expect(code, redirect.href).to.be.a('string');
    const tokens = await authz.form('/token', { grant_type: 'authorization_code', code: String(code), redirect_uri: REDIRECT_URI, code_verifier: verifier }, client);
    expect(tokens.status, tokens.text).to.equal(200);
    const jwks = (await authz.get('/jwks')).json as JSONWebKeySet;
    const { payload } = await jwtVerify((tokens.json as { id_token: string }).id_token, createLocalJWKSet(jwks), { issuer: authz.issuer, audience: client.id });
    return payload;
  }

  /** A browser with a password-only session at identity-authz. */
  async function pwdSession(): Promise<CookieJar> {
    const jar = new CookieJar();
    const { started } = await authorize(jar, optional);
    if (started === undefined) throw new Error('a new browser must sign in');
    expect(started.request.prompt).to.deep.equal(['login', 'consent']);
    expect(started.request).to.not.have.property('acr');
    const redirect = await answer(jar, started, {});
    expect(redirect.searchParams.get('code')).to.be.a('string');
    return jar;
  }

  it('publishes its acr values in the discovery document', async () => {
    const discovery = (await authz.get('/.well-known/openid-configuration')).json as { acr_values_supported: string[]; claims_supported: string[] };
    expect(discovery.acr_values_supported).to.deep.equal([ACR_PWD, ACR_MFA, ACR_PHR]);
    expect(discovery.claims_supported).to.include.members(['acr', 'amr']);
  });

  it('puts acr pwd and amr pwd in the ID token of a password sign-in', async () => {
    const jar = new CookieJar();
    const { started, verifier } = await authorize(jar, optional);
    if (started === undefined) throw new Error('a new browser must sign in');
    expect(await idToken(optional, await answer(jar, started, {}), verifier)).to.deep.include({ acr: ACR_PWD, amr: ['pwd'], sub: 'user-step' });
  });

  it('steps a password session up for acr_values=mfa: no new password asked, the ID token says acr mfa and amr pwd otp mfa', async () => {
    const jar = await pwdSession();
    // The session answers a request that needs no more, without identity-idp.
    const again = await authorize(jar, optional);
    expect(again.redirect?.searchParams.get('code')).to.be.a('string');
    const stepped = await authorize(jar, optional, { acr_values: ACR_MFA });
    const { started } = stepped;
    if (started === undefined) throw new Error('a password session does not answer acr_values=mfa');
    // The same session, stronger: consent only, so identity-idp asks for the second factor alone.
    expect(started.request.prompt).to.deep.equal(['consent']);
    expect(started.request.acr).to.equal(ACR_MFA);
    const redirect = await answer(jar, started, { amr: ['pwd', 'otp', 'mfa'] });
    expect(await idToken(optional, redirect, stepped.verifier)).to.deep.include({ acr: ACR_MFA, amr: ['pwd', 'otp', 'mfa'] });
    // prompt=none cannot step up: login_required, back to the client.
    const silent = await authorize(jar, optional, { acr_values: ACR_PHR, prompt: 'none' });
    expect(silent.redirect?.searchParams.get('error')).to.equal('login_required');
    // The upgraded session now answers acr_values=mfa by itself.
    expect((await authorize(jar, optional, { acr_values: ACR_MFA })).redirect?.searchParams.get('code')).to.be.a('string');
  });

  it('asks for a fresh login (the password again) for max_age=0 and for prompt=login', async () => {
    const jar = await pwdSession();
    const fresh: readonly Readonly<Record<string, string>>[] = [{ max_age: '0' }, { prompt: 'login' }, { max_age: '0', acr_values: ACR_MFA }];
    for (const extra of fresh) {
      const { started } = await authorize(jar, optional, extra);
      expect(started?.request.prompt, JSON.stringify(extra)).to.deep.equal(['login', 'consent']);
    }
  });

  it('answers unmet_authentication_requirements to the client when identity-idp cannot reach the level', async () => {
    const jar = new CookieJar();
    const { started } = await authorize(jar, required);
    if (started === undefined) throw new Error('a new browser must sign in');
    expect(started.request.acr).to.equal(ACR_MFA);
    // identity-idp says so: the user has no second factor.
    const refused = await answer(jar, started, { error: 'unmet_authentication_requirements', scope: undefined, amr: [] });
    expect(refused.origin + refused.pathname).to.equal(REDIRECT_URI);
    expect(refused.searchParams.get('error')).to.equal('unmet_authentication_requirements');
    expect(refused.searchParams.get('error_description')).to.include('second factor');
  });

  it('refuses a result weaker than the request needs the same way, instead of asking again', async () => {
    for (const [client, extra, amr] of [[required, {}, ['pwd']], [optional, { acr_values: ACR_PHR }, ['pwd', 'otp', 'mfa']]] as const) {
      const jar = new CookieJar();
      const { started } = await authorize(jar, client, extra);
      if (started === undefined) throw new Error('a new browser must sign in');
      const refused = await answer(jar, started, { amr });
      expect(refused.searchParams.get('error'), amr.join(' ')).to.equal('unmet_authentication_requirements');
    }
  });

  it('gives acr phr for a passkey (amr hwk mfa), which meets a client that requires mfa', async () => {
    const jar = new CookieJar();
    const { started, verifier } = await authorize(jar, required, { acr_values: ACR_MFA });
    if (started === undefined) throw new Error('a new browser must sign in');
    const redirect = await answer(jar, started, { amr: ['hwk', 'mfa'] });
    expect(await idToken(required, redirect, verifier)).to.deep.include({ acr: ACR_PHR, amr: ['hwk', 'mfa'] });
  });

  it('ignores acr values it does not know (acr is a voluntary claim): the login needs what it would anyway', async () => {
    const jar = new CookieJar();
    const { started, verifier } = await authorize(jar, optional, { acr_values: 'urn:example:gold 0' });
    if (started === undefined) throw new Error('a new browser must sign in');
    expect(started.request).to.not.have.property('acr');
    expect(await idToken(optional, await answer(jar, started, {}), verifier)).to.deep.include({ acr: ACR_PWD });
    // Unknown values beside a known one: the known one counts.
    const mixed = await authorize(new CookieJar(), optional, { acr_values: `urn:example:gold ${ACR_MFA}` });
    expect(mixed.started?.request.acr).to.equal(ACR_MFA);
  });

  it('keeps a client\'s mfa policy through the clients API (default optional; anything else 400)', async () => {
    const shown = await authz.api('GET', `/clients/${required.id}`);
    expect((shown.json as { mfa: string }).mfa).to.equal('required');
    expect(((await authz.api('GET', `/clients/${optional.id}`)).json as { mfa: string }).mfa).to.equal('optional');
    const bad = await authz.api('POST', '/clients', { name: 'Bad', grantTypes: ['client_credentials'], mfa: 'always' });
    expect(bad.status).to.equal(400);
    expect(bad.headers['content-type']).to.include('application/problem+json');
    const updated = await authz.api('PUT', `/clients/${required.id}`, {
      name: 'Step-up client', grantTypes: ['authorization_code'], redirectUris: [REDIRECT_URI], openidScopes: ['openid'],
      resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, mfa: 'optional',
    });
    expect(updated.status, updated.text).to.equal(200);
    const { started } = await authorize(new CookieJar(), required);
    expect(started?.request).to.not.have.property('acr');
  });
});
