/**
 * A console on another origin in a real browser (Chromium): from `https://localhost:<console>`,
 * listed in `rp.consoleOrigins`, `fetch(…, { credentials: 'include' })` carries identity-rp's
 * SameSite=Strict `__Host-` cookie (two ports of one host are one site) and reads the answers; a page
 * on an origin not listed reads nothing.
 */
import { expect } from 'chai';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { serverOptions } from '../template/tls/server-options.ts';
import { testTlsMaterial } from '../template/testing/tls.ts';
import { SESSION_COOKIE } from './cookies.ts';
import { startRp, type RpHarness } from './testing/harness.ts';

const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] };

/** What the console's script saw: the answers it could read, or the fetch error the browser raised. */
interface Seen {
  readonly session?: { status: number; subject?: string; apis?: string[] };
  readonly created?: number;
  readonly error?: string;
}

/** An empty page per origin, each on its own port of localhost. */
async function pageServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = https.createServer(serverOptions(await testTlsMaterial()), (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>console</title>');
  });
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }),
  };
}

describe('identity-rp for a console on another origin, in Chromium', function () {
  this.timeout(30_000);
  let listed: Awaited<ReturnType<typeof pageServer>>;
  let other: Awaited<ReturnType<typeof pageServer>>;
  let suite: RpHarness;
  let browser: Browser;
  let rpUrl: string;
  before(async () => {
    listed = await pageServer();
    other = await pageServer();
    suite = await startRp({ rp: { consoleOrigins: [`https://localhost:${String(listed.port)}`] } });
    rpUrl = `https://localhost:${new URL(suite.url).port}`;
    browser = await chromium.launch(CHROMIUM);
  });
  after(async () => {
    await browser.close();
    await suite.close();
    await other.close();
    await listed.close();
  });

  /** Signs in through identity-authz, then opens `origin`'s page in a browser holding the session cookie. */
  async function consoleAt(origin: string): Promise<Seen> {
    const user = suite.browser();
    expect((await user.signIn('alice', 'openid pets:read pets:write')).status).to.equal(303);
    const cookie = /__Host-rp_session=([A-Za-z0-9_-]{43})/.exec(user.jar.header())?.[1] ?? '';
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      await context.addCookies([{ name: SESSION_COOKIE, value: cookie, url: `${rpUrl}/`, secure: true, httpOnly: true, sameSite: 'Strict' }]);
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      return await page.evaluate(async (rp): Promise<Seen> => {
        try {
          const answer = await fetch(`${rp}/bff/session`, { credentials: 'include' });
          const body = await answer.json() as { subject?: string; apis?: string[]; csrfToken: string };
          const created = await fetch(`${rp}/bff/api/learn-ps/pets`, {
            method: 'POST', credentials: 'include',
            headers: { 'content-type': 'application/json', 'x-csrf-token': body.csrfToken },
            body: JSON.stringify({ name: 'Rex', species: 'dog', priceCents: 100, stock: 1 }),
          });
          return {
            session: { status: answer.status, subject: body.subject, apis: body.apis },
            created: created.status,
          };
        } catch (error) {
          return { error: String(error) };
        }
      }, rpUrl);
    } finally {
      await context.close();
    }
  }

  it('a listed console reads the session and creates through the proxy with the cookie and the CSRF token', async () => {
    const origin = `https://localhost:${String(listed.port)}`;
    const seen = await consoleAt(origin);
    expect(seen.error).to.equal(undefined);
    // The script could read the answers at all: the browser found the CORS headers right for credentials.
    expect(seen.session).to.deep.equal({ status: 200, subject: 'alice', apis: ['learn-ps'] });
    expect(seen.created).to.equal(201);
  });

  it('a page of an origin not listed, of the same site or not, reads nothing', async () => {
    for (const origin of [`https://localhost:${String(other.port)}`, `https://127.0.0.1:${String(listed.port)}`]) {
      const seen = await consoleAt(origin);
      expect(seen.error, origin).to.match(/TypeError|Failed to fetch/);
      expect(seen.session, origin).to.equal(undefined);
    }
  });
});
