/**
 * Step-up end to end with both services in process: identity-authz and identity-idp share one data
 * directory (so one local CA, as under `cryptoutil up`), identity-authz sends browsers to
 * identity-idp's real pages, identity-idp's admin API takes identity-authz's tokens, and every ID
 * token is verified with `jose` against identity-authz's published keys. A test browser (one cookie
 * jar for both origins, no redirect following) fills in the forms.
 */
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { newUnsealShares } from '../template/barrier/index.ts';
import { CookieJar } from '../template/testing/cookies.ts';
import { freePort } from '../template/testing/ports.ts';
import { httpsCall, startTestService, type HttpAnswer, type ServiceHarness } from '../template/testing/service-harness.ts';
import { learnPs } from '../learn-ps/index.ts';
import { ACR_MFA, ACR_PHR, ACR_PWD } from '../identity-idp/acr.ts';
import { SoftwareAuthenticator } from '../identity-idp/testing/authenticator.ts';
import { identityIdp } from '../identity-idp/index.ts';
import { secretsOf } from '../identity-idp/testing/second-factor.ts';
import { TOTP_PERIOD_SECONDS, totpCode } from '../identity-idp/totp.ts';
import { identityAuthz } from './index.ts';
import { ADMIN_CLIENT_ID, LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from './testing/harness.ts';
import { pkcePair } from './testing/browser-flow.ts';
import { REDIRECT_URI } from './testing/code-flow.ts';

const PASSWORD = 'correct horse battery staple';
const IDP_RESOURCE = 'urn:cryptoutil:identity-idp';
const STEP_MS = TOTP_PERIOD_SECONDS * 1000;

function fieldOf(page: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1];
  if (value === undefined) throw new Error(`the page has no field ${name}: ${page.slice(0, 300)}`);
  return value.replaceAll('&amp;', '&');
}

/** The WebAuthn options of the passkey form posting to `action`, as the page's script reads them. */
function passkeyOptions(page: string, action: string): { challenge: string; user: { id: string } } {
  const match = new RegExp(`action="${action}" class="passkey" data-passkey="(?:create|get)" data-options="([^"]*)"`).exec(page);
  if (match?.[1] === undefined) throw new Error(`no passkey form posting to ${action}`);
  return JSON.parse(match[1].replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&')) as { challenge: string; user: { id: string } };
}

/** A browser: one cookie jar, every request by hand. */
class TestBrowser {
  readonly jar = new CookieJar();
  readonly ca: string;
  readonly idpOrigin: string;

  constructor(ca: string, idpOrigin: string) {
    this.ca = ca;
    this.idpOrigin = idpOrigin;
  }

  async get(url: string): Promise<HttpAnswer> {
    const answer = await httpsCall(this.ca, 'GET', url, { headers: { cookie: this.jar.header() } });
    this.jar.keep(answer);
    return answer;
  }

  /** A form posted from one of identity-idp's pages. */
  async post(url: string, fields: Readonly<Record<string, string>>): Promise<HttpAnswer> {
    const answer = await httpsCall(this.ca, 'POST', url, {
      body: new URLSearchParams(fields).toString(),
      headers: { cookie: this.jar.header(), origin: this.idpOrigin, 'content-type': 'application/x-www-form-urlencoded' },
    });
    this.jar.keep(answer);
    return answer;
  }

  /** Follows redirects until an answer that is not one, or one that leaves for `stopAt`. */
  async follow(answer: HttpAnswer, base: string, stopAt: string): Promise<{ answer: HttpAnswer; url: string }> {
    let current = answer;
    let url = base;
    while (current.status === 302 || current.status === 303) {
      url = new URL(String(current.headers.location), url).href;
      if (url.startsWith(stopAt)) return { answer: current, url };
      current = await this.get(url);
    }
    return { answer: current, url };
  }
}

/** Waits out the last two seconds of a TOTP step, so codes computed now are checked in the same step. */
async function awayFromStepEnd(): Promise<void> {
  const into = Date.now() % STEP_MS;
  if (into > STEP_MS - 2000) await new Promise((resolve) => setTimeout(resolve, STEP_MS - into + 100));
}

describe('identity-authz and identity-idp together: acr, amr and step-up', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  let idp: ServiceHarness;
  let idpUrl: string;
  let client: { id: string; secret: string };
  let strictClient: { id: string; secret: string };

  async function idpApi(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    const token = await authz.form('/token', { grant_type: 'client_credentials', resource: IDP_RESOURCE, scope: 'idp:admin' }, { id: ADMIN_CLIENT_ID, secret: authz.adminSecret });
    expect(token.status, token.text).to.equal(200);
    return httpsCall(authz.service.ca, method, `${idpUrl}/service/api/v1${path}`, { token: (token.json as { access_token: string }).access_token, ...(body === undefined ? {} : { body }) });
  }

  async function createClient(extra: Readonly<Record<string, unknown>>): Promise<{ id: string; secret: string }> {
    const created = await authz.api('POST', '/clients', {
      name: 'Joined client', grantTypes: ['authorization_code'], redirectUris: [REDIRECT_URI], openidScopes: ['openid'],
      resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, ...extra,
    });
    expect(created.status, created.text).to.equal(201);
    const body = created.json as { clientId: string; clientSecret: string };
    return { id: body.clientId, secret: body.clientSecret };
  }

  async function createUser(username: string, groups?: readonly string[]): Promise<void> {
    const created = await idpApi('POST', '/users', { username, email: `${username}@example.com`, password: PASSWORD, ...(groups === undefined ? {} : { groups }) });
    expect(created.status, created.text).to.equal(201);
  }

  before(async () => {
    const port = await freePort();
    idpUrl = `https://127.0.0.1:${String(port)}`;
    authz = await startAuthz({ definition: identityAuthz(() => [learnPs, identityIdp]), extra: { authz: { idpUrl } } });
    const shares = await newUnsealShares(3, 2);
    idp = await startTestService(() => ({
      public: { port },
      // One data directory, one local CA: each trusts the other's certificate.
      dataDir: authz.dataDir,
      auth: { issuer: authz.issuer },
      barrier: { shares, threshold: 2 },
      hash: { pepper: randomBytes(32).toString('base64url') },
      idp: { mfa: { requiredGroups: ['operators'] } },
    }), undefined, identityIdp);
    client = await createClient({});
    strictClient = await createClient({ mfa: 'required' });
    expect((await idpApi('POST', '/groups', { name: 'operators', scopes: ['pets:read'] })).status).to.equal(201);
  });
  after(async () => {
    await idp.close();
    await authz.close();
  });

  /** The authorization request, followed to the first page identity-idp shows, or to the client. */
  async function authorize(browser: TestBrowser, target: { id: string }, extra: Readonly<Record<string, string>> = {}): Promise<{ answer: HttpAnswer; url: string; verifier: string }> {
    const { verifier, challenge } = pkcePair();
    const query = new URLSearchParams({
      client_id: target.id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid pets:read',
      code_challenge: challenge, code_challenge_method: 'S256', state: randomUUID(), resource: LEARN_PS_RESOURCE, ...extra,
    });
    const url = `${authz.issuer}/auth?${query.toString()}`;
    return { ...await browser.follow(await browser.get(url), url, REDIRECT_URI), verifier };
  }

  /** Posts the password on the login page `page`; follows on to the next page or the client. */
  async function password(browser: TestBrowser, page: { answer: HttpAnswer; url: string }, username: string): Promise<{ answer: HttpAnswer; url: string }> {
    expect(page.answer.status, page.answer.text).to.equal(200);
    expect(page.answer.text).to.include('name="password"');
    const posted = await browser.post(`${idpUrl}/login`, { csrf: fieldOf(page.answer.text, 'csrf'), login_challenge: fieldOf(page.answer.text, 'login_challenge'), username, password: PASSWORD });
    return browser.follow(posted, `${idpUrl}/login`, REDIRECT_URI);
  }

  /** Posts `code` on the second-factor page `page`; follows on to consent. */
  async function secondFactor(browser: TestBrowser, page: { answer: HttpAnswer; url: string }, code: string): Promise<{ answer: HttpAnswer; url: string }> {
    expect(new URL(page.url).pathname).to.equal('/login/second-factor');
    expect(page.answer.text).to.not.include('name="password"');
    const posted = await browser.post(`${idpUrl}/login/second-factor`, { csrf: fieldOf(page.answer.text, 'csrf'), login_challenge: fieldOf(page.answer.text, 'login_challenge'), method: 'totp', code });
    return browser.follow(posted, `${idpUrl}/login/second-factor`, REDIRECT_URI);
  }

  /** Allows on the consent page; the client's redirect URI with what it receives. */
  async function allow(browser: TestBrowser, page: { answer: HttpAnswer; url: string }): Promise<URL> {
    expect(new URL(page.url).pathname, page.answer.text).to.equal('/consent');
    const posted = await browser.post(`${idpUrl}/consent`, { csrf: fieldOf(page.answer.text, 'csrf'), login_challenge: fieldOf(page.answer.text, 'login_challenge'), decision: 'allow' });
    const { url } = await browser.follow(posted, `${idpUrl}/consent`, REDIRECT_URI);
    return new URL(url);
  }

  async function idToken(target: { id: string; secret: string }, redirect: URL, verifier: string): Promise<JWTPayload> {
    const code = redirect.searchParams.get('code');
    expect(code, redirect.href).to.be.a('string');
    const tokens = await authz.form('/token', { grant_type: 'authorization_code', code: String(code), redirect_uri: REDIRECT_URI, code_verifier: verifier }, target);
    expect(tokens.status, tokens.text).to.equal(200);
    const jwks = (await authz.get('/jwks')).json as JSONWebKeySet;
    return (await jwtVerify((tokens.json as { id_token: string }).id_token, createLocalJWKSet(jwks), { issuer: authz.issuer, audience: target.id })).payload;
  }

  /** Turns TOTP on from the account page of `browser`'s session, with the code of the step before now. */
  async function enrolTotp(browser: TestBrowser): Promise<string> {
    const page = await browser.get(`${idpUrl}/account/totp`);
    expect(page.status, page.text).to.equal(200);
    const [secret = ''] = secretsOf(page.text);
    await awayFromStepEnd();
    const confirmed = await browser.post(`${idpUrl}/account/totp`, { csrf: fieldOf(page.text, 'csrf'), password: PASSWORD, code: totpCode(secret, Date.now() - STEP_MS) });
    expect(confirmed.status, confirmed.text).to.equal(200);
    return secret;
  }

  it('signs in with the password (acr pwd), steps up for acr_values=mfa with the code alone (acr mfa, amr pwd otp mfa), and asks the password again for max_age=0 and prompt=login', async () => {
    await createUser('joined-alice');
    const browser = new TestBrowser(authz.service.ca, new URL(idpUrl).origin);
    const first = await authorize(browser, client);
    const signedIn = await allow(browser, await password(browser, first, 'joined-alice'));
    expect(await idToken(client, signedIn, first.verifier)).to.deep.include({ acr: ACR_PWD, amr: ['pwd'] });
    const secret = await enrolTotp(browser);

    const stepUp = await authorize(browser, client, { acr_values: ACR_MFA });
    const consent = await secondFactor(browser, stepUp, totpCode(secret, Date.now() + STEP_MS));
    const stepped = await idToken(client, await allow(browser, consent), stepUp.verifier);
    expect(stepped).to.deep.include({ acr: ACR_MFA, amr: ['pwd', 'otp', 'mfa'] });

    const fresh: readonly Readonly<Record<string, string>>[] = [{ max_age: '0' }, { prompt: 'login' }];
    for (const extra of fresh) {
      const again = await authorize(browser, client, extra);
      expect(again.answer.status, JSON.stringify(extra)).to.equal(200);
      expect(again.answer.text, JSON.stringify(extra)).to.include('name="password"');
    }
  });

  it('answers unmet_authentication_requirements to a client with mfa required when the user has no second factor, and ignores an unknown acr value', async () => {
    await createUser('joined-bob');
    const browser = new TestBrowser(authz.service.ca, new URL(idpUrl).origin);
    const { url } = await password(browser, await authorize(browser, strictClient), 'joined-bob');
    const refused = new URL(url);
    expect(refused.origin + refused.pathname).to.equal(REDIRECT_URI);
    expect(refused.searchParams.get('error')).to.equal('unmet_authentication_requirements');
    // The same user, a client without the policy and a value nobody defined: a password sign-in
    // (identity-authz has no session after a refusal, so it asks for a login).
    const unknown = await authorize(browser, client, { acr_values: 'urn:example:gold' });
    expect(await idToken(client, await allow(browser, await password(browser, unknown, 'joined-bob')), unknown.verifier)).to.deep.include({ acr: ACR_PWD, amr: ['pwd'] });
  });

  it('makes a member of idp.mfa.requiredGroups use the second factor for any client', async () => {
    await createUser('joined-operator', ['users', 'operators']);
    const browser = new TestBrowser(authz.service.ca, new URL(idpUrl).origin);
    const { url } = await password(browser, await authorize(browser, client), 'joined-operator');
    expect(new URL(url).searchParams.get('error')).to.equal('unmet_authentication_requirements');
  });

  it('signs in with a passkey alone for a client that requires mfa: acr phr, amr hwk mfa', async () => {
    await createUser('joined-carol');
    const setup = new TestBrowser(authz.service.ca, new URL(idpUrl).origin);
    await allow(setup, await password(setup, await authorize(setup, client), 'joined-carol'));
    const device = new SoftwareAuthenticator();
    const answering = { origin: new URL(idpUrl).origin, rpId: new URL(idpUrl).hostname };
    const accountPage = await setup.get(`${idpUrl}/account/passkeys`);
    const added = await setup.post(`${idpUrl}/account/passkeys`, { csrf: fieldOf(accountPage.text, 'csrf'), password: PASSWORD, response: device.register(passkeyOptions(accountPage.text, '/account/passkeys'), answering) });
    expect(added.status, added.text).to.equal(201);

    const browser = new TestBrowser(authz.service.ca, new URL(idpUrl).origin);
    const login = await authorize(browser, strictClient);
    expect(login.answer.status).to.equal(200);
    const posted = await browser.post(`${idpUrl}/login/passkey`, {
      csrf: fieldOf(login.answer.text, 'csrf'), login_challenge: fieldOf(login.answer.text, 'login_challenge'),
      response: device.assert(passkeyOptions(login.answer.text, '/login/passkey').challenge, answering),
    });
    const consent = await browser.follow(posted, `${idpUrl}/login/passkey`, REDIRECT_URI);
    expect(await idToken(strictClient, await allow(browser, consent), login.verifier)).to.deep.include({ acr: ACR_PHR, amr: ['hwk', 'mfa'] });
  });
});
