/**
 * Issue 13, point 11: the admin listener is not a CSRF target. It listens on loopback, which a
 * browser on the same host reaches too: a page from any origin can post a form to it, and a
 * DNS-rebound page can even read the answers. A state-changing admin request needs the admin
 * token (dataDir/admin.token, 0600) and is refused when it carries an Origin or a foreign Host.
 */
import { expect } from 'chai';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { httpsCall, startTestService, type ServiceHarness } from '../../services/template/testing/service-harness.ts';
import { sealedNotesService } from '../../services/template/testing/notes-service/sealed.ts';
import { newUnsealKey } from '../../services/template/barrier/index.ts';
import { readAdminToken } from '../../services/template/admin/admin-token.ts';

const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] };

/** The attacker's page: a no-cors fetch that seals, then a self-submitting form that shuts down. */
function attackerPage(adminUrl: string): string {
  return `<!doctype html><html><body>
<form id="shutdown" method="POST" action="${adminUrl}/admin/v1/shutdown" enctype="text/plain"><input name="a" value="b"></form>
<script>
fetch('${adminUrl}/admin/v1/seal', { method: 'POST', mode: 'no-cors', body: 'x' })
  .catch(() => undefined)
  .finally(() => document.getElementById('shutdown').submit());
</script></body></html>`;
}

/** A POST as a DNS-rebound page sends it: to the loopback listener, but naming the attacker's host. */
function reboundPost(ca: string, adminUrl: string, path: string, token: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(adminUrl);
  return new Promise((resolve, reject) => {
    const request = https.request({
      host: hostname, port, path, method: 'POST', ca, agent: false,
      // The certificate names loopback, not the rebound name: only the Host header is the attacker's.
      checkServerIdentity: () => undefined,
      headers: { host: `attacker.example:${port}`, authorization: `Bearer ${token}` },
    }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, body }); });
    });
    request.on('error', reject);
    request.end();
  });
}

/** Serves one page over plain HTTP on another loopback port: another origin than the admin listener. */
async function serve(page: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }),
  };
}

describe('security: the admin listener is not a CSRF target (issue 13, point 11)', () => {
  let h: ServiceHarness;
  let stopped = false;
  let browser: Browser | undefined;

  before(async () => {
    const { shares, keyCheck } = await newUnsealKey(5, 3);
    h = await startTestService({ barrier: { shares: shares.slice(0, 3), threshold: 3, keyCheck } }, undefined, sealedNotesService);
    void h.service.stopped.then(() => { stopped = true; });
  });

  after(async () => {
    await browser?.close();
    await h.close();
  });

  const sealed = async (): Promise<unknown> => ((await h.call('GET', `${h.service.adminUrl}/admin/v1/seal-status`)).json as { sealed: boolean }).sealed;

  it('a cross-origin page in a real browser cannot seal the barrier or shut the service down', async () => {
    expect(await sealed()).to.equal(false);
    browser = await chromium.launch(CHROMIUM);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const attacker = await serve(attackerPage(h.service.adminUrl));
    try {
      const page = await context.newPage();
      // Settled once the answer came back: as a response, or as one the browser itself then blocked
      // (the admin listener's Cross-Origin-Resource-Policy hides a no-cors answer from the page).
      const settled = (path: string): Promise<string> => new Promise((resolve) => {
        const url = `${h.service.adminUrl}${path}`;
        page.on('response', (response) => { if (response.url() === url) resolve(String(response.status())); });
        page.on('requestfailed', (request) => { if (request.url() === url) resolve(request.failure()?.errorText ?? 'failed'); });
      });
      const seal = settled('/admin/v1/seal');
      const shutdown = settled('/admin/v1/shutdown');
      await page.goto(attacker.url);
      // The browser did send both requests (the form's answer is the service's refusal).
      expect(await seal).to.be.a('string');
      expect(await shutdown).to.equal('403');
    } finally {
      await context.close();
      await attacker.close();
    }
    expect(await sealed()).to.equal(false);
    expect((await h.call('GET', `${h.service.adminUrl}/admin/v1/livez`)).status).to.equal(200);
    expect(stopped).to.equal(false);
  });

  it('a DNS-rebound request (foreign Host, no Origin) and a request without the token change nothing', async () => {
    // Even a rebound page that somehow held the token is refused on its Host.
    const rebound = await reboundPost(h.service.ca, h.service.adminUrl, '/admin/v1/shutdown', h.service.adminToken);
    expect(rebound.status).to.equal(403);
    expect(JSON.parse(rebound.body)).to.include({ code: 'forbidden' });
    const anonymous = await h.call('POST', `${h.service.adminUrl}/admin/v1/seal`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.json).to.include({ code: 'unauthorized' });
    const wrong = await h.call('POST', `${h.service.adminUrl}/admin/v1/seal`, { token: `${h.service.adminToken}x` });
    expect(wrong.status).to.equal(401);
    expect(await sealed()).to.equal(false);
    expect(stopped).to.equal(false);
  });

  it('the token the service wrote to dataDir/admin.token (0600) is what a local operator needs, and it works', async () => {
    const file = join(h.dataDir, 'admin.token');
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    const token = await readAdminToken({ token: '', dataDir: h.dataDir });
    const accepted = await httpsCall(h.service.ca, 'POST', `${h.service.adminUrl}/admin/v1/shutdown`, { token });
    expect(accepted.status).to.equal(202);
    await h.service.stopped;
    expect(stopped).to.equal(true);
  });
});
