/**
 * The browser console end to end, through `cryptoutil up` as a real process and Debian's Chromium:
 * a newcomer opens credentials.json's console_url, signs in as its admin user through identity-idp,
 * adds a pet and orders it in learn-ps, creates a key in sm-kms and encrypts and decrypts a text
 * with it, sees an API's problem as text, adds a user and rotates a client's secret on the admin
 * page, and signs out again, all through identity-rp. Every page
 * is kept as a screenshot at 1280 and 375 px wide under reports/e2e/, and no page may break its
 * Content-Security-Policy.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { sourceCli, startUp, type Running } from './processes.ts';

interface Credentials {
  readonly ca_file: string;
  readonly token_endpoint: string;
  readonly client_id: string;
  readonly client_secret: string;
  readonly services: Readonly<Record<string, { readonly url: string; readonly admin_url: string }>>;
  readonly admin: { readonly username: string; readonly password: string };
  readonly console_url: string;
}

const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] };
const SHOTS = join(process.cwd(), 'reports', 'e2e');
const WIDTHS = [1280, 375] as const;

describe('the browser console through identity-rp in Chromium (e2e)', function () {
  this.timeout(240_000);
  let up: Running;
  let credentials: Credentials;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const violations: string[] = [];

  /** The page as it is now, at each width, as `console-<name>-<width>.png`. */
  async function shoot(name: string): Promise<void> {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(SHOTS, `console-${name}-${String(width)}.png`), fullPage: true });
      // Nothing sticks out sideways: the page fits a phone's width.
      // A string, evaluated in the page: this program is typed without the DOM.
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, `${name} at ${String(width)} px`).to.be.at.most(0);
    }
    await page.setViewportSize({ width: WIDTHS[0], height: 900 });
  }

  async function open(link: string, heading: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    const dataDir = join(await mkdtemp(join(tmpdir(), 'cryptoutil-console-')), 'data');
    up = await startUp(sourceCli, dataDir);
    await up.waitFor('Press Ctrl-C to stop.', 120_000);
    credentials = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as Credentials;
    browser = await chromium.launch(CHROMIUM);
    // "accept the warning for a local trial": the browser does not know the suite's CA.
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: WIDTHS[0], height: 900 } });
    page = await context.newPage();
    page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) violations.push(message.text()); });
  });

  after(async () => {
    await browser.close();
    up.child.kill('SIGINT');
    expect((await up.finished).code).to.equal(0);
  });

  it('names the console in credentials.json, and its page shows a way to sign in', async () => {
    expect(credentials.console_url).to.equal(`${credentials.services['identity-spa']?.url ?? ''}/`);
    await page.goto(credentials.console_url);
    await page.getByRole('heading', { level: 1, name: 'Welcome' }).waitFor();
    await shoot('signed-out');
  });

  it('signs the admin user in through identity-idp and comes back to the console', async () => {
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).origin).to.equal(new URL(credentials.services['identity-idp']?.url ?? '').origin);
    await page.getByLabel('Username').fill(credentials.admin.username);
    await page.getByLabel('Password').fill(credentials.admin.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${credentials.console_url}**`);
    await page.getByRole('heading', { level: 1, name: 'Who am I' }).waitFor();
    expect(await page.locator('#who').textContent()).to.equal(`Signed in as ${credentials.admin.username}`);
    expect(await page.locator('main').textContent()).to.include('learn-ps').and.include('sm-kms');
    await shoot('who-am-i');
  });

  it('adds a pet and a customer in learn-ps and orders the pet', async () => {
    await open('Pets', 'Pets');
    await page.getByLabel('Name', { exact: true }).fill('Rex <b>');
    await page.getByLabel('Species').fill('dog');
    await page.getByLabel('Price').fill('12.50');
    await page.getByLabel('Stock').fill('3');
    await page.getByRole('button', { name: 'Add pet' }).click();
    await page.getByRole('status').filter({ hasText: 'Added Rex <b>.' }).waitFor();
    // The name is text, never markup.
    expect(await page.getByRole('table', { name: /^Pets/ }).textContent()).to.include('Rex <b>').and.include('12.50');

    await page.getByLabel('Customer name').fill('Ada');
    await page.getByLabel('Customer email').fill('ada@example.com');
    await page.getByRole('button', { name: 'Add customer' }).click();
    await page.getByRole('status').filter({ hasText: 'Added Ada.' }).waitFor();

    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('status').filter({ hasText: 'Order placed: total 25.00.' }).waitFor();
    expect(await page.getByRole('table', { name: /^Orders/ }).textContent()).to.include('2 × Rex <b>');

    // A refusal of the API comes back as its problem's text: 3 are in stock, 2 ordered.
    await page.getByLabel('Quantity').fill('5');
    await page.getByRole('button', { name: 'Place order' }).click();
    const refusal = await page.getByRole('alert').textContent();
    expect(refusal).to.match(/^409/);
    await shoot('pets');
  });

  it('creates a key in sm-kms, encrypts a text with it and decrypts it again', async () => {
    await open('Keys', 'Keys');
    await page.getByLabel('Key name').fill('console-key');
    await page.getByLabel('Algorithm').selectOption('A256GCM/dir');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('status').filter({ hasText: 'Created console-key.' }).waitFor();
    await page.getByRole('button', { name: 'Rotate console-key' }).click();
    await page.getByRole('status').filter({ hasText: 'console-key rotated: version 2 is now used.' }).waitFor();

    await page.getByRole('button', { name: 'Use console-key' }).click();
    await page.getByLabel('Text to encrypt').fill('hello from the console');
    await page.getByRole('button', { name: 'Encrypt', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Encrypted' }).waitFor();
    const jwe = await page.getByLabel('JWE to decrypt').inputValue();
    expect(jwe.split('.')).to.have.lengthOf(5);
    await page.getByRole('button', { name: 'Decrypt', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Decrypted.' }).waitFor();
    expect(await page.getByLabel('Decrypted text').textContent()).to.equal('hello from the console');
    await shoot('keys');

    await page.getByLabel('JWE to decrypt').fill('not-a-jwe');
    await page.getByRole('button', { name: 'Decrypt', exact: true }).click();
    expect(await page.getByRole('alert').textContent()).to.match(/^400/);
  });

  it('signs a text with an ES256 key and verifies it, and says when a changed JWS is not valid', async () => {
    await page.getByLabel('Key name').fill('console-signer');
    await page.getByLabel('Algorithm').selectOption('ES256');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('status').filter({ hasText: 'Created console-signer.' }).waitFor();
    await page.getByRole('button', { name: 'Use console-signer' }).click();
    await page.getByLabel('Text to sign').fill('signed in the console');
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Signed' }).waitFor();
    const jws = await page.getByLabel('JWS to verify').inputValue();
    expect(jws.split('.')).to.have.lengthOf(3);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'The signature is valid.' }).waitFor();
    await shoot('keys-sign');

    const [header, payload] = jws.split('.');
    await page.getByLabel('JWS to verify').fill(`${String(header)}.${String(payload)}.${'A'.repeat(86)}`);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    expect(await page.getByRole('alert').textContent()).to.match(/^The signature is not valid: 400/);
  });

  it('adds a user at identity-idp and rotates a client\'s secret at identity-authz on the admin page', async () => {
    const ca = await readFile(credentials.ca_file, 'utf8');
    const token = (form: Record<string, string>, id: string, secret: string): Promise<HttpAnswer> => httpsCall(ca, 'POST', credentials.token_endpoint, {
      body: new URLSearchParams(form).toString(),
      headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const admin = (await token({ grant_type: 'client_credentials', resource: 'urn:cryptoutil:identity-authz' }, credentials.client_id, credentials.client_secret)).json as { access_token: string };
    const created = await httpsCall(ca, 'POST', `${credentials.services['identity-authz']?.url ?? ''}/service/api/v1/clients`, {
      token: admin.access_token,
      body: { clientId: 'console-e2e', name: 'console e2e', grantTypes: ['client_credentials'], resourceScopes: { 'urn:cryptoutil:learn-ps': ['pets:read'] } },
    });
    expect(created.status, created.text).to.equal(201);
    const oldSecret = (created.json as { clientSecret: string }).clientSecret;

    await open('Admin', 'Admin');
    expect(await page.getByRole('table', { name: /^Users/ }).textContent()).to.include(credentials.admin.username);
    await page.getByLabel('Username').fill('console-user');
    await page.getByLabel('Email').fill('console-user@example.com');
    await page.getByLabel('Initial password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('status').filter({ hasText: 'Added user console-user.' }).waitFor();
    expect(await page.getByRole('table', { name: /^Users/ }).textContent()).to.include('console-user@example.com');

    await page.getByRole('button', { name: 'Rotate the secret of console-e2e' }).click();
    await page.getByRole('status').filter({ hasText: 'The secret of console-e2e was replaced' }).waitFor();
    const newSecret = await page.getByLabel('New secret (shown once)').textContent() ?? '';
    await shoot('admin');
    const form = { grant_type: 'client_credentials', resource: 'urn:cryptoutil:learn-ps' };
    expect((await token(form, 'console-e2e', newSecret)).status).to.equal(200);
    expect((await token(form, 'console-e2e', oldSecret)).status).to.equal(401);
  });

  it('links to identity-idp\'s account pages for the user\'s security settings', async () => {
    await open('Security', 'Security');
    const idp = credentials.services['identity-idp']?.url ?? '';
    expect(await page.getByRole('link', { name: 'Sessions' }).getAttribute('href')).to.equal(`${idp}/account/sessions`);
    await shoot('security');
  });

  it('is usable from the keyboard: focus moves to the new page, Tab shows a focus ring, Enter follows a link', async () => {
    await page.goto(`${credentials.console_url}#/`);
    await page.getByRole('heading', { level: 1, name: 'Who am I' }).waitFor();
    expect(await page.evaluate('document.activeElement?.id')).to.equal('main');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate('({ text: document.activeElement?.textContent, outline: getComputedStyle(document.activeElement).outlineStyle })');
    expect(focused).to.deep.equal({ text: 'Sign out', outline: 'solid' });
    await page.getByRole('link', { name: 'Pets' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Pets' }).waitFor();
  });

  it('signs out through identity-authz and comes back to the console, signed out', async () => {
    await open('Home', 'Who am I');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('button[value=yes]').click();
    await page.waitForURL(`${credentials.console_url}**`);
    await page.getByRole('heading', { level: 1, name: 'Welcome' }).waitFor();
    const rpUrl = credentials.services['identity-rp']?.url ?? '';
    expect((await page.request.get(`${rpUrl}/bff/session`)).status()).to.equal(401);
    expect(violations).to.deep.equal([]);
  });
});
