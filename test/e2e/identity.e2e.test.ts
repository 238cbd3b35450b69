/**
 * identity-authz and identity-idp end to end, through `cryptoutil up` as a real process. A
 * certified relying-party library (openid-client) is the client: a client-credentials token calls
 * learn-ps on `/service` (200) and is refused on `/browser` (403); then a real browser (Debian's
 * Chromium through playwright-core) signs a user in through identity-idp with authorization code +
 * PKCE, and the user's token does the opposite. A newcomer's first step is there too: the admin user
 * of credentials.json signs in at identity-rp's sign_in_url in Chromium. Signing out at
 * identity-authz alone ends the rp's session too (back-channel logout). The suite runs on moved
 * ports (`--port-offset`), beside a developer's `npm start`. Screenshots go to reports/e2e/.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { chromium, type Browser } from 'playwright-core';
import { fetchTrusting } from '../../services/template/testing/fetch-trusting.ts';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { sourceCli, startUp, type Running } from './processes.ts';

interface Credentials {
  readonly issuer: string;
  readonly token_endpoint: string;
  readonly client_id: string;
  readonly client_secret: string;
  readonly ca_file: string;
  readonly services: Readonly<Record<string, { readonly url: string; readonly admin_url: string }>>;
  readonly admin: { readonly username: string; readonly password: string };
  readonly sign_in_url: string;
}

/** Chromium as these machines have it (DESIGN "Toolchain"); installed by `.ci/run`. */
const SHOTS = join(process.cwd(), 'reports', 'e2e');
const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] };

describe('identity-authz and identity-idp with openid-client and a real browser (e2e)', function () {
  this.timeout(180_000);
  let up: Running;
  let credentials: Credentials;
  let ca: string;
  let browser: Browser;

  before(async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'cryptoutil-identity-')), 'data');
    up = await startUp(sourceCli, dataDir);
    await up.waitFor('Press Ctrl-C to stop.', 60_000);
    credentials = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as Credentials;
    ca = await readFile(credentials.ca_file, 'utf8');
    browser = await chromium.launch(CHROMIUM);
    await mkdir(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser.close();
    up.child.kill('SIGINT');
    expect((await up.finished).code).to.equal(0);
  });

  async function demoClient(): Promise<oidc.Configuration> {
    const config = await oidc.discovery(new URL(credentials.issuer), credentials.client_id, credentials.client_secret, oidc.ClientSecretBasic(credentials.client_secret), {
      [oidc.customFetch]: fetchTrusting(ca),
    });
    config[oidc.customFetch] = fetchTrusting(ca);
    return config;
  }

  async function serviceToken(resource: string): Promise<string> {
    const tokens = await oidc.clientCredentialsGrant(await demoClient(), { resource });
    return tokens.access_token;
  }

  function learnPs(prefix: 'service' | 'browser', token: string): Promise<number> {
    return httpsCall(ca, 'GET', `${credentials.services['learn-ps']?.url ?? ''}/${prefix}/api/v1/pets`, { token }).then((answer) => answer.status);
  }

  it('credentials.json names the suite\'s issuer and token endpoint as discovery gives them', async () => {
    const config = await demoClient();
    expect(config.serverMetadata().issuer).to.equal(credentials.issuer);
    expect(config.serverMetadata().token_endpoint).to.equal(credentials.token_endpoint);
  });

  it('a client-credentials token calls learn-ps on /service (200) and is refused on /browser (403)', async () => {
    const token = await serviceToken('urn:cryptoutil:learn-ps');
    expect(await learnPs('service', token)).to.equal(200);
    expect(await learnPs('browser', token)).to.equal(403);
  });

  it('a user signed in through identity-idp in Chromium calls learn-ps on /browser (200), is refused on /service (403), and signs out', async () => {
    // The demo client may manage users and clients: make a user and a browser client.
    const password = 'correct horse battery staple';
    const idpUrl = credentials.services['identity-idp']?.url ?? '';
    const user = await httpsCall(ca, 'POST', `${idpUrl}/service/api/v1/users`, {
      token: await serviceToken('urn:cryptoutil:identity-idp'),
      body: { username: 'alice', email: 'alice@example.test', password },
    });
    expect(user.status, user.text).to.equal(201);
    const redirectUri = 'https://127.0.0.1:9/callback';
    const registered = await httpsCall(ca, 'POST', `${credentials.issuer}/service/api/v1/clients`, {
      token: await serviceToken('urn:cryptoutil:identity-authz'),
      body: {
        name: 'Pet Store console', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [redirectUri],
        openidScopes: ['openid', 'profile', 'email'], resourceScopes: { 'urn:cryptoutil:learn-ps': ['pets:read'] },
      },
    });
    expect(registered.status, registered.text).to.equal(201);
    const consoleClient = registered.json as { clientId: string; clientSecret: string };

    const config = await oidc.discovery(new URL(credentials.issuer), consoleClient.clientId, { client_secret: consoleClient.clientSecret, id_token_signed_response_alg: 'ES256' }, oidc.ClientSecretBasic(consoleClient.clientSecret), {
      [oidc.customFetch]: fetchTrusting(ca),
    });
    config[oidc.customFetch] = fetchTrusting(ca);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid profile email pets:read', resource: 'urn:cryptoutil:learn-ps',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state,
    });

    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      // The client's redirect URI is caught in the browser: its URL carries the code.
      let callback: string | undefined;
      await page.route(`${redirectUri}**`, async (route) => {
        callback = route.request().url();
        await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
      });
      await page.goto(authorizationUrl.href);
      expect(new URL(page.url()).origin).to.equal(new URL(idpUrl).origin);
      await page.fill('#username', 'alice');
      await page.fill('#password', password);
      await page.click('button[type=submit]');
      await page.waitForSelector('button[value=allow]');
      expect(await page.textContent('body')).to.include('Pet Store console');
      await page.click('button[value=allow]');
      await page.waitForURL(`${redirectUri}**`);
      expect(callback).to.be.a('string');

      const tokens = await oidc.authorizationCodeGrant(config, new URL(String(callback)), { pkceCodeVerifier: verifier, expectedState: state });
      expect(tokens.claims()?.preferred_username).to.equal('alice');
      expect(await learnPs('browser', tokens.access_token)).to.equal(200);
      expect(await learnPs('service', tokens.access_token)).to.equal(403);

      // Introspection through the library: active, then inactive once revoked.
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).to.equal(true);
      await oidc.tokenRevocation(config, tokens.access_token);
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).to.equal(false);

      // RP-initiated logout ends the session; the next sign-in asks for the password again.
      await page.goto(oidc.buildEndSessionUrl(config, { id_token_hint: String(tokens.id_token) }).href);
      await page.click('button[value=yes]');
      await page.waitForSelector('text=You are signed out.');
      await page.goto(authorizationUrl.href);
      await page.waitForSelector('#password');
    } finally {
      await context.close();
    }
  });

  it('the admin user of credentials.json signs in at identity-rp\'s sign_in_url in Chromium, and the rp calls identity-rs for them', async () => {
    const rpUrl = credentials.services['identity-rp']?.url ?? '';
    expect(credentials.sign_in_url).to.equal(`${rpUrl}/bff/login`);
    // The admin's user id, as identity-idp lists it.
    const users = await httpsCall(ca, 'GET', `${credentials.services['identity-idp']?.url ?? ''}/service/api/v1/users?size=100`, {
      token: await serviceToken('urn:cryptoutil:identity-idp'),
    });
    expect(users.status, users.text).to.equal(200);
    const admin = (users.json as { items: { id: string; username: string }[] }).items.find((user) => user.username === credentials.admin.username);
    expect(admin).to.not.equal(undefined);

    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(credentials.sign_in_url);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(new URL(page.url()).origin).to.equal(new URL(credentials.services['identity-idp']?.url ?? '').origin);
      await page.getByLabel('Username').fill(credentials.admin.username);
      await page.getByLabel('Password').fill(credentials.admin.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${rpUrl}/**`);
      await page.getByRole('heading', { name: 'Signed in', exact: true }).waitFor();
      expect(await page.textContent('body')).to.include(String(admin?.id));

      // The browser holds the rp's session cookie only: the session names the admin, never a token.
      const session = await page.request.get(`${rpUrl}/bff/session`);
      expect(session.status()).to.equal(200);
      const shown = await session.json() as { subject: string; csrfToken: string };
      expect(shown.subject).to.equal(admin?.id);
      expect(JSON.stringify(shown)).to.not.match(/eyJ/);
      const principal = await page.request.get(`${rpUrl}/bff/api/identity-rs/principal`);
      expect(principal.status(), await principal.text()).to.equal(200);
      expect(await principal.json()).to.deep.include({ sub: admin?.id, clientId: 'identity-rp', kind: 'browser' });

      // Signing out sends the browser to identity-authz's end_session, then back to the rp's root.
      const logout = await page.request.post(`${rpUrl}/bff/logout`, { headers: { origin: rpUrl, 'x-csrf-token': shown.csrfToken } });
      expect(logout.status()).to.equal(200);
      await page.goto((await logout.json() as { endSessionUrl: string }).endSessionUrl);
      await page.click('button[value=yes]');
      await page.waitForURL(`${rpUrl}/**`);
      await page.getByRole('heading', { name: 'Not signed in' }).waitFor();
      expect((await page.request.get(`${rpUrl}/bff/session`)).status()).to.equal(401);
    } finally {
      await context.close();
    }
  });

  it('signing out at identity-authz alone ends the identity-rp session too: back-channel logout', async () => {
    const rpUrl = credentials.services['identity-rp']?.url ?? '';
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(credentials.sign_in_url);
      await page.getByLabel('Username').fill(credentials.admin.username);
      await page.getByLabel('Password').fill(credentials.admin.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${rpUrl}/**`);
      await page.getByRole('heading', { name: 'Signed in', exact: true }).waitFor();
      expect((await page.request.get(`${rpUrl}/bff/session`)).status()).to.equal(200);

      // The person signs out at identity-authz's own page, never calling identity-rp.
      await page.goto(`${credentials.issuer}/session/end?client_id=identity-rp`);
      await page.screenshot({ path: join(SHOTS, 'authz-sign-out-confirm.png'), fullPage: true });
      await page.click('button[value=yes]');
      await page.waitForLoadState();
      await page.screenshot({ path: join(SHOTS, 'authz-signed-out.png'), fullPage: true });
      // identity-authz has posted a logout token to identity-rp: the cookie the browser still holds opens nothing.
      const deadline = Date.now() + 10_000;
      let status = 200;
      while (status !== 401 && Date.now() < deadline) {
        status = (await page.request.get(`${rpUrl}/bff/session`)).status();
        if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).to.equal(401);
      expect(await context.cookies(rpUrl)).to.satisfy((cookies: { name: string }[]) => cookies.some((cookie) => cookie.name === '__Host-rp_session'));
      expect((await page.request.get(`${rpUrl}/bff/api/identity-rs/principal`)).status()).to.equal(401);
    } finally {
      await context.close();
    }
  });
});
