/**
 * Two-step verification in a real browser (Debian's Chromium through playwright-core) against
 * identity-idp running in process with real TLS: a user signs in with the password, turns TOTP on
 * from the enrolment page (the QR code must render under the page policy, which forbids scripts and
 * images), then signs in with the password and a code the test computes with otpauth, as an app
 * would. The same code is then refused. A recovery code shown at enrolment then signs in once,
 * says how many are left, and is refused the second time. Screenshots of the pages go to reports/e2e/.
 */
import { expect } from 'chai';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createUser, PASSWORD, verifiedResult } from '../../services/identity-idp/testing/flow.ts';
import { startIdp, type IdpHarness } from '../../services/identity-idp/testing/harness.ts';
import { TOTP_PERIOD_SECONDS, totpCode } from '../../services/identity-idp/totp.ts';

const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] };
const SHOTS = join(process.cwd(), 'reports', 'e2e');

describe('identity-idp TOTP enrolment and sign-in in Chromium (e2e)', function () {
  this.timeout(120_000);
  let idp: IdpHarness;
  let browser: Browser;
  // The idp's clock runs ahead by whole steps, so each code the test sends is of a step not yet used.
  let ahead = 0;
  const now = (): number => Date.now() + ahead;
  /** The recovery codes the enrolment page showed, once. */
  let recoveryCodes: string[] = [];

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    idp = await startIdp({ now: () => new Date(now()) });
    browser = await chromium.launch(CHROMIUM);
  });

  after(async () => {
    await browser.close();
    await idp.close();
  });

  /** Opens the login page of a fresh login request and posts the password. */
  async function password(page: Page): Promise<void> {
    // prompt=login: the form shows even though this browser has a session.
    const challenge = await idp.challenge({ prompt: ['login'] });
    await page.goto(`${idp.url}/login?login_challenge=${challenge}`);
    await page.fill('#username', 'totp-e2e');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
  }

  it('enrols from the QR code page, then signs in with the password and a TOTP code; the same code is refused after', async () => {
    await createUser(idp, 'totp-e2e');
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const violations: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) violations.push(message.text()); });
      await password(page);
      await page.waitForSelector('button[value=allow]');
      await page.goto(`${idp.url}/account/totp`);
      const qr = page.locator('figure.qr svg');
      const box = await qr.boundingBox();
      expect(box?.width, 'the QR code renders').to.be.greaterThan(100);
      await page.screenshot({ path: join(SHOTS, 'totp-enrolment.png'), fullPage: true });
      const secret = (await page.locator('code.secret').first().innerText()).trim();
      expect(secret).to.match(/^[A-Z2-7]{32}$/);
      await page.fill('#password', PASSWORD);
      await page.fill('#code', totpCode(secret, now()));
      await page.click('button[type=submit]');
      await page.waitForSelector('ol.codes');
      expect(await page.locator('ol.codes li').count()).to.equal(10);
      recoveryCodes = (await page.locator('ol.codes li').allInnerTexts()).map((code) => code.trim());
      await page.screenshot({ path: join(SHOTS, 'totp-recovery-codes.png'), fullPage: true });

      ahead += TOTP_PERIOD_SECONDS * 1000;
      const code = totpCode(secret, now());
      await password(page);
      await page.waitForSelector('#code');
      await page.screenshot({ path: join(SHOTS, 'totp-second-factor.png'), fullPage: true });
      await page.fill('#code', code);
      await page.click('form[action="/login/second-factor"]:not(.recovery) button[type=submit]');
      await page.waitForSelector('button[value=allow]');
      await page.click('button[value=allow]');
      // The browser is back at identity-authz's return_to (the test issuer), the result in its URL.
      await page.waitForURL(`${idp.issuer.url}/**`);
      const { payload } = await verifiedResult(idp, page.url());
      expect(payload.amr).to.deep.equal(['pwd', 'otp', 'mfa']);

      // A new login with the same code: the step was used.
      await password(page);
      await page.waitForSelector('#code');
      await page.fill('#code', code);
      await page.click('form[action="/login/second-factor"]:not(.recovery) button[type=submit]');
      await page.waitForSelector('[role=alert]');
      expect(await page.textContent('[role=alert]')).to.include('incorrect or was already used');
      expect(violations).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('signs in once with a recovery code instead of a TOTP code, says how many are left, and refuses the same code again', async () => {
    const [code] = recoveryCodes;
    expect(code, 'the enrolment above showed the codes').to.be.a('string');
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await password(page);
      await page.waitForSelector('#recovery-code');
      await page.fill('#recovery-code', code ?? '');
      await page.click('form.recovery button[type=submit]');
      await page.waitForSelector('[role=status]');
      expect(await page.textContent('[role=status]')).to.include('You signed in with a recovery code. 9 recovery codes left.');
      await page.screenshot({ path: join(SHOTS, 'recovery-code-used.png'), fullPage: true });
      await page.getByRole('link', { name: 'Continue' }).click();
      await page.waitForSelector('button[value=allow]');
      await page.click('button[value=allow]');
      await page.waitForURL(`${idp.issuer.url}/**`);
      const { payload } = await verifiedResult(idp, page.url());
      expect(payload.amr).to.deep.equal(['pwd', 'otp', 'mfa']);

      await password(page);
      await page.waitForSelector('#recovery-code');
      await page.fill('#recovery-code', code ?? '');
      await page.click('form.recovery button[type=submit]');
      await page.waitForSelector('[role=alert]');
      expect(await page.textContent('[role=alert]')).to.include('incorrect or was already used');
      await page.screenshot({ path: join(SHOTS, 'recovery-code-refused.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
