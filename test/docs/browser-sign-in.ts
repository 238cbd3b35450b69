/**
 * The browser steps of a sign-in recipe, done in Chromium as the doc tells a person to do them:
 * open the authorization URL, accept the local CA's warning, fill in "Username" and "Password",
 * press "Sign in", then "Allow", and read the address the browser ends on. Prints that address;
 * the docs test puts it where the person would paste it (a ```` ```sh browser-sign-in ```` block).
 *
 *   node test/docs/browser-sign-in.ts AUTHORIZE_URL USERNAME PASSWORD REDIRECT_URI
 */
import { chromium } from 'playwright-core';

const [authorizeUrl, username, password, redirectUri] = process.argv.slice(2);
if (authorizeUrl === undefined || username === undefined || password === undefined || redirectUri === undefined) {
  throw new Error('usage: browser-sign-in.ts AUTHORIZE_URL USERNAME PASSWORD REDIRECT_URI');
}

/** Chromium as these machines have it (DESIGN "Toolchain"); installed by `.ci/run`. */
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  // "accept the warning for a local trial": the browser does not know the suite's CA.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  // Nothing listens at the redirect URI; the person reads the address bar. Here the request is
  // stopped before it leaves, and its URL is that address.
  let reach: (url: string) => void = () => undefined;
  const reached = new Promise<string>((resolve, reject) => {
    reach = resolve;
    setTimeout(() => { reject(new Error('the browser did not reach the redirect URI within 30 s')); }, 30_000).unref();
  });
  await page.route(`${redirectUri}**`, async (route) => {
    reach(route.request().url());
    await route.abort();
  });
  // A route sees only the first request of a redirect chain: the redirect URI reached through
  // identity-authz's 303 is seen here. A server listening there (identity-rp) answers 400, since
  // this browser did not start the sign-in: the code stays unused for the shell that did.
  page.on('request', (request) => {
    if (request.url().startsWith(redirectUri)) reach(request.url());
  });
  await page.goto(authorizeUrl);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
  await page.getByRole('button', { name: 'Allow' }).click();
  process.stdout.write(`${await reached}\n`);
} finally {
  await browser.close();
}
