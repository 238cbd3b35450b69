/**
 * Passkeys in a real browser: Debian's Chromium through playwright-core, with the DevTools
 * protocol's virtual authenticator (CTAP2, resident keys, user verification) standing in for the
 * user's device, against identity-idp running in process with real TLS on `localhost` (an IP
 * address is no valid RP ID). A user signs in with the password, adds a passkey on the account page,
 * signs out, signs in with the passkey alone (no username), and then with the password and the
 * passkey as the second step; the login results identity-authz would receive say so in `amr`.
 * Screenshots go to reports/e2e/.
 */
import { expect } from 'chai';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createUser, PASSWORD, verifiedResult } from '../../services/identity-idp/testing/flow.ts';
import { query, startIdp, type IdpHarness } from '../../services/identity-idp/testing/harness.ts';

const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] };
const SHOTS = join(process.cwd(), 'reports', 'e2e');
const USERNAME = 'passkey-e2e';

describe('identity-idp passkeys in Chromium with a virtual authenticator (e2e)', function () {
  this.timeout(120_000);
  let idp: IdpHarness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const violations: string[] = [];

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    idp = await startIdp({ config: { public: { address: 'localhost' } } });
    expect(new URL(idp.url).hostname).to.equal('localhost');
    await createUser(idp, USERNAME);
    browser = await chromium.launch(CHROMIUM);
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) violations.push(message.text()); });
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  });

  after(async () => {
    await browser.close();
    await idp.close();
  });

  afterEach(() => {
    expect(violations, 'no Content-Security-Policy violation').to.deep.equal([]);
  });

  /** Opens the login page of a fresh login request (a new login even with a session). */
  async function openLogin(): Promise<void> {
    const challenge = await idp.challenge({ prompt: ['login'] });
    await page.goto(`${idp.url}/login?login_challenge=${challenge}`);
  }

  async function password(): Promise<void> {
    await openLogin();
    await page.fill('#username', USERNAME);
    await page.fill('#password', PASSWORD);
    await page.click('form[action="/login"] button[type=submit]');
  }

  /** Allows on the consent page and reads the login result identity-authz gets. */
  async function consentedAmr(): Promise<unknown> {
    await page.waitForSelector('button[value=allow]');
    await page.click('button[value=allow]');
    await page.waitForURL(`${idp.issuer.url}/**`);
    const { payload } = await verifiedResult(idp, page.url());
    return payload.amr;
  }

  it('adds a passkey from the account page after a password login', async () => {
    await password();
    await page.waitForSelector('button[value=allow]');
    await page.goto(`${idp.url}/account/passkeys`);
    expect(await page.textContent('main')).to.include('You have no passkeys yet.');
    await page.fill('#password', PASSWORD);
    await page.click('form.passkey button[type=submit]');
    await page.waitForSelector('.notice');
    expect(await page.textContent('.notice')).to.equal('Passkey added.');
    expect(await page.locator('ol.passkeys li').count()).to.equal(1);
    await page.screenshot({ path: join(SHOTS, 'passkey-registered.png'), fullPage: true });
    const [stored] = await query<{ counter: number | string; transports: string }>(idp.databaseUrl, 'select counter, transports from idp_passkeys');
    expect(stored?.transports).to.equal('internal');
  });

  it('signs out, then signs in with the passkey alone (no username, user verified): amr hwk mfa', async () => {
    await page.goto(`${idp.url}/logout`);
    await page.click('form[action="/logout"] button[type=submit]');
    await page.waitForSelector('text=You are signed out');
    const challenge = await idp.challenge();
    await page.goto(`${idp.url}/login?login_challenge=${challenge}`);
    await page.screenshot({ path: join(SHOTS, 'passkey-login-page.png'), fullPage: true });
    await page.click('form[action="/login/passkey"] button[type=submit]');
    expect(await consentedAmr()).to.deep.equal(['hwk', 'mfa']);
    const [stored] = await query<{ counter: number | string; last_used_at: unknown }>(idp.databaseUrl, 'select counter, last_used_at from idp_passkeys');
    expect(Number(stored?.counter)).to.be.greaterThan(0);
    expect(stored?.last_used_at).to.not.equal(null);
  });

  it('asks for the passkey after the password, as the second step: amr pwd hwk mfa', async () => {
    await password();
    await page.waitForSelector('form[action="/login/second-factor"].passkey');
    // No TOTP on this account: the page offers the passkey only.
    expect(await page.locator('#code').count()).to.equal(0);
    await page.screenshot({ path: join(SHOTS, 'passkey-second-factor.png'), fullPage: true });
    await page.click('form.passkey button[type=submit]');
    expect(await consentedAmr()).to.deep.equal(['pwd', 'hwk', 'mfa']);
  });

  it('removes the passkey after the password; the password alone signs in again', async () => {
    await page.goto(`${idp.url}/account/passkeys`);
    const remove = page.locator('form[action="/account/passkeys/remove"]');
    await remove.locator('input[type=password]').fill(PASSWORD);
    await remove.locator('button[type=submit]').click();
    await page.waitForSelector('.notice');
    expect(await page.textContent('.notice')).to.equal('Passkey removed.');
    await page.screenshot({ path: join(SHOTS, 'passkey-removed.png'), fullPage: true });
    await password();
    expect(await consentedAmr()).to.deep.equal(['pwd']);
  });
});
