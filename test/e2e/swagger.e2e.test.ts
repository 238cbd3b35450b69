/**
 * Swagger UI can authorize (issue 12 §5): identity-authz and learn-ps run as real `cryptoutil
 * <service> start` processes on free ports, sharing one data directory (one local CA) as
 * `cryptoutil up` lays them out; Chromium opens learn-ps's `/ui/swagger/`, authorizes with a
 * confidential client's id and secret (client credentials, the token requested with
 * `resource=urn:cryptoutil:learn-ps`), tries an operation and sees 200. A pasted bearer token works
 * the same way, and a pasted opaque token is answered with how to get a JWT (issue 12 §7).
 * Screenshots are kept in the test's temporary directory.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { newUnsealShares } from '../../services/template/barrier/index.ts';
import { freePort } from '../../services/template/testing/ports.ts';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { localCaFile } from '../../services/template/tls/index.ts';
import { sourceCli, start, type Running } from './processes.ts';

/** Chromium as these machines have it (DESIGN "Toolchain"). */
const CHROMIUM = { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] };
const CLIENT_ID = 'swagger-e2e';
const RESOURCE = 'urn:cryptoutil:learn-ps';

interface Suite {
  readonly dir: string;
  readonly authzUrl: string;
  readonly learnPsUrl: string;
  readonly secret: string;
  readonly processes: readonly Running[];
}

/** One service's configuration file; YAML reads JSON. */
async function configFile(dir: string, name: string, config: Readonly<Record<string, unknown>>): Promise<string> {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

async function startSuite(): Promise<Suite> {
  const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-swagger-e2e-'));
  const [authzPort, authzAdmin, learnPsPort, learnPsAdmin] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const authzUrl = `https://127.0.0.1:${String(authzPort)}`;
  const learnPsUrl = `https://127.0.0.1:${String(learnPsPort)}`;
  const secret = randomBytes(32).toString('base64url');
  const shared = { dataDir: dir, auth: { issuer: authzUrl }, log: { level: 'warn' } };
  const authzConfig = await configFile(dir, 'identity-authz', {
    ...shared,
    public: { port: authzPort },
    admin: { port: authzAdmin },
    database: { url: `sqlite:${join(dir, 'identity-authz.sqlite')}` },
    barrier: { shares: await newUnsealShares(3, 2), threshold: 2 },
    hash: { pepper: randomBytes(32).toString('base64url') },
    authz: { corsOrigins: [learnPsUrl], bootstrapClient: { id: CLIENT_ID, secret } },
  });
  const learnPsConfig = await configFile(dir, 'learn-ps', {
    ...shared,
    public: { port: learnPsPort },
    admin: { port: learnPsAdmin },
    database: { url: `sqlite:${join(dir, 'learn-ps.sqlite')}` },
  });
  const processes: Running[] = [];
  // identity-authz first: it creates the data directory's local CA that learn-ps then shares.
  for (const [name, file] of [['identity-authz', authzConfig], ['learn-ps', learnPsConfig]] as const) {
    const process = start(sourceCli, [name, 'start', '--config', file]);
    processes.push(process);
    await process.waitFor('listening on', 30_000);
  }
  return { dir, authzUrl, learnPsUrl, secret, processes };
}

/** Opens GET /pets, tries it out, keeps a screenshot of the operation and returns what Swagger UI shows. */
async function tryListPets(page: Page, shot: string): Promise<{ status: string; body: string }> {
  const operation = page.locator('#operations-default-listPets');
  await operation.locator('.opblock-summary').click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('button.execute').click();
  const response = operation.locator('.live-responses-table .response');
  await response.first().waitFor();
  await operation.screenshot({ path: shot });
  return {
    // The cell also says "Undocumented" for a status the document does not list.
    status: (await response.locator('.response-col_status').first().innerText()).trim().split(/\s/)[0] ?? '',
    body: await operation.locator('.live-responses-table .response-col_description pre').first().innerText(),
  };
}

async function openAuthorizeDialog(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/ui/swagger/`);
  await page.locator('#operations-default-listPets').waitFor();
  await page.locator('.auth-wrapper button.authorize').click();
  await page.locator('.modal-ux').waitFor();
}

describe('Swagger UI authorizes against the issuer and tries an operation (e2e, Chromium)', function () {
  this.timeout(120_000);
  let suite: Suite;
  let browser: Browser;
  let ca: string;

  before(async () => {
    suite = await startSuite();
    ca = await readFile(localCaFile(suite.dir), 'utf8');
    browser = await chromium.launch(CHROMIUM);
  });

  after(async () => {
    await browser.close();
    for (const process of [...suite.processes].reverse()) {
      process.child.kill('SIGTERM');
      expect((await process.finished).code).to.equal(0);
    }
  });

  it('serves a document naming the issuer\'s real token endpoint, and a page whose CSP allows exactly that origin', async () => {
    const document = await httpsCall(ca, 'GET', `${suite.learnPsUrl}/openapi.json`);
    const schemes = (document.json as { components: { securitySchemes: Record<string, Record<string, unknown>> } }).components.securitySchemes;
    expect(schemes.oauth2?.flows).to.deep.nested.include({ 'clientCredentials.tokenUrl': `${suite.authzUrl}/token` });
    expect(schemes.oauth2?.['x-cryptoutil-resource']).to.equal(RESOURCE);
    expect(schemes.bearerToken).to.include({ type: 'http', scheme: 'bearer' });
    const page = await httpsCall(ca, 'GET', `${suite.learnPsUrl}/ui/swagger/`);
    const csp = String(page.headers['content-security-policy']).split(';').map((directive) => directive.trim());
    expect(csp).to.include(`connect-src 'self' ${suite.authzUrl}`);
  });

  it('authorizes with a client id and secret (client credentials for learn-ps), then GET /pets answers 200', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 1000 } });
    try {
      const page = await context.newPage();
      await openAuthorizeDialog(page, suite.learnPsUrl);
      // The container keeps its heading; its inputs give way to "******" once authorized.
      const oauth = page.locator('.modal-ux .auth-container').filter({ hasText: /oauth2 \(OAuth2, clientCredentials\)/ });
      await oauth.locator('input[id^=client_id_]').fill(CLIENT_ID);
      await oauth.locator('input[id^=client_secret_]').fill(suite.secret);
      const tokenRequest = page.waitForRequest((request) => request.url() === `${suite.authzUrl}/token` && request.method() === 'POST');
      const tokenResponse = page.waitForResponse((response) => response.url() === `${suite.authzUrl}/token` && response.request().method() === 'POST');
      await oauth.locator('button.authorize').click();
      expect(new URLSearchParams((await tokenRequest).postData() ?? '').get('resource')).to.equal(RESOURCE);
      expect((await tokenResponse).status()).to.equal(200);
      await oauth.locator('button[aria-label="Remove authorization"]').waitFor();
      await page.screenshot({ path: join(suite.dir, 'swagger-authorized.png') });
      await page.locator('.modal-ux button.btn-done').first().click();

      const answer = await tryListPets(page, join(suite.dir, 'swagger-try-it-out.png'));
      expect(answer.status).to.equal('200');
      expect(JSON.parse(answer.body)).to.deep.include({ items: [], page: 0, total: 0 });
    } finally {
      await context.close();
    }
  });

  it('takes a pasted bearer token; a pasted opaque token is told to request a JWT with resource=', async () => {
    const issued = await httpsCall(ca, 'POST', `${suite.authzUrl}/token`, {
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${suite.secret}`).toString('base64')}` },
    });
    const token = (issued.json as { access_token: string }).access_token;
    const answers: { status: string; body: string }[] = [];
    for (const [value, shot] of [[token, 'swagger-bearer.png'], ['an0paqueT0kenFromSomewhereElse', 'swagger-opaque.png']] as const) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 1000 } });
      try {
        const page = await context.newPage();
        await openAuthorizeDialog(page, suite.learnPsUrl);
        const bearer = page.locator('.modal-ux .auth-container').filter({ hasText: /bearerToken\s+\(http, Bearer\)/ });
        await bearer.locator('#auth-bearer-value').fill(value);
        await bearer.locator('button.authorize').click();
        await bearer.locator('button[aria-label="Remove authorization"]').waitFor();
        await page.locator('.modal-ux button.btn-done').first().click();
        answers.push(await tryListPets(page, join(suite.dir, shot)));
      } finally {
        await context.close();
      }
    }
    const [pasted, opaque] = answers;
    expect(pasted?.status).to.equal('200');
    expect(opaque?.status).to.equal('401');
    expect(JSON.parse(opaque?.body ?? '{}')).to.deep.include({
      status: 401,
      detail: `this service needs a JWT access token (RFC 9068), and this token is not a JWT: request it from the issuer with resource=${RESOURCE}`,
    });
  });
});
