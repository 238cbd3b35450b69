/**
 * Step-up in a real browser (Debian's Chromium through playwright-core) against `cryptoutil up` as
 * a real process: a user signs in with a password alone (acr pwd), turns two-step verification on
 * from identity-idp's account pages, and a client then asks for `acr_values` mfa. identity-idp asks
 * for the second factor only, not the password again, and the ID token says mfa with what was used
 * (`amr`) and the first sign-in's `auth_time`. `max_age=0` asks for the password again. The code
 * flow is openid-client's; screenshots go to reports/e2e/.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ACR_MFA, ACR_PWD } from '../../services/identity-idp/acr.ts';
import { totpCode } from '../../services/identity-idp/totp.ts';
import { fetchTrusting } from '../../services/template/testing/fetch-trusting.ts';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { sourceCli, startUp, type Running } from './processes.ts';

const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] };
const SHOTS = join(process.cwd(), 'reports', 'e2e');
const PASSWORD = 'correct horse battery staple';
const REDIRECT_URI = 'https://127.0.0.1:9/callback';

interface Credentials {
  readonly issuer: string;
  readonly client_id: string;
  readonly client_secret: string;
  readonly ca_file: string;
  readonly services: Readonly<Record<string, { readonly url: string }>>;
}

describe('step-up to a second factor in Chromium, through cryptoutil up (e2e)', function () {
  this.timeout(180_000);
  let up: Running;
  let credentials: Credentials;
  let ca: string;
  let browser: Browser;
  let config: oidc.Configuration;

  async function serviceToken(resource: string): Promise<string> {
    const demo = await oidc.discovery(new URL(credentials.issuer), credentials.client_id, credentials.client_secret, oidc.ClientSecretBasic(credentials.client_secret), { [oidc.customFetch]: fetchTrusting(ca) });
    demo[oidc.customFetch] = fetchTrusting(ca);
    return (await oidc.clientCredentialsGrant(demo, { resource })).access_token;
  }

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    const dataDir = join(await mkdtemp(join(tmpdir(), 'cryptoutil-step-up-')), 'data');
    up = await startUp(sourceCli, dataDir);
    await up.waitFor('Press Ctrl-C to stop.', 60_000);
    credentials = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as Credentials;
    ca = await readFile(credentials.ca_file, 'utf8');
    browser = await chromium.launch(CHROMIUM);

    const user = await httpsCall(ca, 'POST', `${credentials.services['identity-idp']?.url ?? ''}/service/api/v1/users`, {
      token: await serviceToken('urn:cryptoutil:identity-idp'),
      body: { username: 'stepper', email: 'stepper@example.test', password: PASSWORD },
    });
    expect(user.status, user.text).to.equal(201);
    const registered = await httpsCall(ca, 'POST', `${credentials.issuer}/service/api/v1/clients`, {
      token: await serviceToken('urn:cryptoutil:identity-authz'),
      body: { name: 'Payroll', grantTypes: ['authorization_code'], redirectUris: [REDIRECT_URI], openidScopes: ['openid', 'profile'] },
    });
    expect(registered.status, registered.text).to.equal(201);
    const client = registered.json as { clientId: string; clientSecret: string };
    config = await oidc.discovery(new URL(credentials.issuer), client.clientId, { client_secret: client.clientSecret, id_token_signed_response_alg: 'ES256' }, oidc.ClientSecretBasic(client.clientSecret), { [oidc.customFetch]: fetchTrusting(ca) });
    config[oidc.customFetch] = fetchTrusting(ca);
  });

  after(async () => {
    await browser.close();
    up.child.kill('SIGINT');
    expect((await up.finished).code).to.equal(0);
  });

  /** Starts a code flow with `extra` parameters; resolves with the ID token's claims once `act` has brought the browser back. */
  async function signIn(page: Page, extra: Readonly<Record<string, string>>, act: () => Promise<void>): Promise<oidc.IDToken> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...extra,
    });
    await page.goto(url.href);
    await act();
    await page.waitForURL(`${REDIRECT_URI}**`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
    const claims = tokens.claims();
    if (claims === undefined) throw new Error('no ID token');
    return claims;
  }

  /** The consent page, when identity-idp shows it (once per client and scopes). */
  async function allowIfAsked(page: Page): Promise<void> {
    const allow = page.locator('button[value=allow]');
    await Promise.race([allow.waitFor(), page.waitForURL(`${REDIRECT_URI}**`)]);
    if (await allow.isVisible()) await allow.click();
  }

  it('steps a password session up to mfa with the second factor alone; max_age=0 asks for the password again', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the client' }));

      // 1. A password alone.
      const first = await signIn(page, {}, async () => {
        await page.fill('#username', 'stepper');
        await page.fill('#password', PASSWORD);
        await page.click('button[type=submit]');
        await allowIfAsked(page);
      });
      expect(first.acr).to.equal(ACR_PWD);
      expect(first.amr).to.deep.equal(['pwd']);

      // 2. Two-step verification turned on from the account page, in the same browser session.
      const idpUrl = credentials.services['identity-idp']?.url ?? '';
      await page.goto(`${idpUrl}/account/totp`);
      const secret = (await page.locator('code.secret').first().innerText()).trim();
      await page.fill('#password', PASSWORD);
      await page.fill('#code', totpCode(secret, Date.now()));
      await page.click('button[type=submit]');
      await page.waitForSelector('ol.codes');
      const [recovery] = (await page.locator('ol.codes li').allInnerTexts()).map((code) => code.trim());

      // 3. The client asks for mfa: the second factor only (the TOTP code of this step is spent, so a recovery code).
      const stepped = await signIn(page, { acr_values: ACR_MFA }, async () => {
        await page.waitForSelector('#recovery-code');
        expect(await page.locator('#password').count(), 'no password asked again').to.equal(0);
        await page.screenshot({ path: join(SHOTS, 'step-up-second-factor.png'), fullPage: true });
        await page.fill('#recovery-code', recovery ?? '');
        await page.click('form.recovery button[type=submit]');
        await page.getByRole('link', { name: 'Continue' }).click();
        await allowIfAsked(page);
      });
      expect(stepped.acr).to.equal(ACR_MFA);
      expect(stepped.amr).to.deep.equal(['pwd', 'otp', 'mfa']);
      expect(stepped.auth_time, 'the password\'s time: the session was stepped up, not begun again').to.equal(first.auth_time);

      // 4. max_age=0: a fresh authentication, the password first.
      await page.goto(oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', max_age: '0', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: oidc.randomState() }).href);
      await page.waitForSelector('#password');
      await page.screenshot({ path: join(SHOTS, 'step-up-max-age-password.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
