import { expect } from 'chai';
import https from 'node:https';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestService, type HttpAnswer, type ServiceHarness } from '../template/testing/service-harness.ts';
import { checkSpaConfig, type SpaConfig } from './config.ts';
import { identitySpa } from './index.ts';
import { consoleFiles, consolePolicy, CONSOLE_DIR } from './routes.ts';

const RP_URL = 'https://rp.example:8443/';
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https://rp.example:8443; "
  + "form-action https://rp.example:8443; frame-ancestors 'none'; base-uri 'none'";

/** A request whose path goes on the wire exactly as written (no URL parser normalizes its dots). */
function raw(harness: ServiceHarness, method: string, path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const { hostname, port } = new URL(harness.service.publicUrl);
  return new Promise((resolve, reject) => {
    const request = https.request({ host: hostname, port, path, method, headers, ca: harness.service.ca, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => {
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

describe('identity-spa configuration', () => {
  const config = (spa: Partial<SpaConfig['spa']>): SpaConfig => ({ spa: { rpUrl: RP_URL, accountUrl: '', ...spa } });

  it('accepts an https identity-rp and an https account page', () => {
    expect(() => { checkSpaConfig(config({ accountUrl: 'https://idp.example/account' })); }).not.to.throw();
  });

  const refused: readonly [string, Partial<SpaConfig['spa']>, RegExp][] = [
    ['no identity-rp', { rpUrl: '' }, /spa\.rpUrl is required/],
    ['a plain-http identity-rp', { rpUrl: 'http://rp.example' }, /spa\.rpUrl must be an https URL/],
    ['an identity-rp that is no URL', { rpUrl: 'rp.example' }, /spa\.rpUrl must be an https URL/],
    ['a plain-http account page', { accountUrl: 'http://idp.example/account' }, /spa\.accountUrl must be an https URL/],
  ];
  for (const [what, spa, message] of refused) {
    it(`refuses ${what} with a usage error (exit 2)`, () => {
      expect(() => { checkSpaConfig(config(spa)); }).to.throw(message).with.property('exitCode', 2);
    });
  }

  it('refuses to start without spa.rpUrl', async () => {
    let failure: unknown;
    try {
      const harness = await startTestService({}, undefined, identitySpa);
      await harness.close();
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(Error).with.property('exitCode', 2);
  });
});

describe('identity-spa serving the console', function () {
  this.timeout(30_000);
  let harness: ServiceHarness;
  let url: string;

  before(async () => {
    harness = await startTestService({ spa: { rpUrl: RP_URL, accountUrl: 'https://idp.example/account/' } }, undefined, identitySpa);
    url = harness.service.publicUrl;
  });

  after(async () => {
    await harness.close();
  });

  it('serves index.html at / with the strict policy, revalidated on every use', async () => {
    const answer = await harness.call('GET', `${url}/`);
    expect(answer.status).to.equal(200);
    expect(answer.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).to.equal(POLICY);
    expect(answer.headers['cache-control']).to.equal('no-cache');
    expect(answer.headers['x-frame-options']).to.equal('DENY');
    expect(answer.text).to.include('<script type="module" src="/app.js"></script>');
    // No inline script or style anywhere in the page: the policy would block it.
    expect(answer.text).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    expect((await harness.call('GET', `${url}/index.html`)).text).to.equal(answer.text);
  });

  it('serves the modules as JavaScript and the stylesheet as CSS, under the same policy', async () => {
    for (const [path, type] of [['/app.js', 'text/javascript'], ['/rp.js', 'text/javascript'], ['/keys.js', 'text/javascript'], ['/console.css', 'text/css']] as const) {
      const answer = await harness.call('GET', `${url}${path}`);
      expect(answer.status, path).to.equal(200);
      expect(answer.headers['content-type'], path).to.equal(`${type}; charset=utf-8`);
      expect(answer.headers['content-security-policy'], path).to.equal(POLICY);
      expect(answer.headers['cache-control'], path).to.equal('no-cache');
    }
  });

  it('answers /config.json with identity-rp\'s URL and the account pages, without trailing slashes', async () => {
    const answer = await harness.call('GET', `${url}/config.json`);
    expect(answer.status).to.equal(200);
    expect(answer.headers['content-type']).to.equal('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).to.equal('no-cache');
    expect(answer.json).to.deep.equal({ rpUrl: 'https://rp.example:8443', accountUrl: 'https://idp.example/account' });
  });

  it('answers 304 to a browser that holds the same file, and the file to one that holds another', async () => {
    const first = await harness.call('GET', `${url}/app.js`);
    const etag = String(first.headers.etag);
    expect(etag).to.match(/^"[A-Za-z0-9_-]{43}"$/);
    const again = await harness.call('GET', `${url}/app.js`, { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(again.status).to.equal(304);
    expect(again.text).to.equal('');
    expect((await harness.call('GET', `${url}/app.js`, { headers: { 'if-none-match': '*' } })).status).to.equal(304);
    expect((await harness.call('GET', `${url}/app.js`, { headers: { 'if-none-match': '"other"' } })).text).to.equal(first.text);
  });

  it('answers HEAD like GET without a body', async () => {
    const answer = await harness.call('HEAD', `${url}/`);
    expect(answer.status).to.equal(200);
    expect(answer.text).to.equal('');
    expect(answer.headers['content-security-policy']).to.equal(POLICY);
  });

  it('answers 404 problems for unknown paths, other methods and files that are not part of the console', async () => {
    for (const [method, path] of [['GET', '/nope'], ['GET', '/tsconfig.json'], ['GET', '/index.ts'], ['GET', '/routes.ts'], ['POST', '/'], ['GET', '/app.js/'], ['GET', '/APP.JS']] as const) {
      const answer = await harness.call(method, `${url}${path}`);
      expect(answer.status, `${method} ${path}`).to.equal(404);
      expect(answer.headers['content-type'], path).to.match(/^application\/problem\+json/);
    }
  });

  it('never climbs out of the console folder, whether the dots are plain or percent-encoded', async () => {
    const paths = [
      '/../index.ts', '/../../package.json', '/%2e%2e/index.ts', '/%2E%2E/%2e%2e/package.json', '/..%2findex.ts', '/%2e%2e%2fconfig.ts',
      '/./app.js/../../routes.ts', '/..%5cindex.ts', '/%252e%252e/index.ts', '//etc/passwd', '/console/../index.ts',
    ];
    for (const path of paths) {
      const answer = await raw(harness, 'GET', path);
      expect(answer.status, path).to.be.oneOf([400, 404]);
      expect(answer.text, path).not.to.include('identity-spa, the browser console');
      expect(answer.text, path).not.to.include('"name": "cryptoutil"');
    }
  });
});

describe('the console\'s files', () => {
  it('names identity-rp\'s origin alone as the place to connect and post to', () => {
    expect(consolePolicy('https://rp.example')).to.include("connect-src 'self' https://rp.example;").and.include('form-action https://rp.example;');
  });

  it('leaves out the account page when none is configured, and refuses a folder without index.html', async () => {
    const files = await consoleFiles(CONSOLE_DIR, { rpUrl: 'https://rp.example', accountUrl: '' });
    expect(JSON.parse(String(files.get('/config.json')?.body))).to.deep.equal({ rpUrl: 'https://rp.example' });
    expect(files.has('/tsconfig.json')).to.equal(false);
    const empty = await mkdtemp(join(tmpdir(), 'cryptoutil-spa-'));
    try {
      await writeFile(join(empty, 'app.js'), '');
      await writeFile(join(empty, 'types.d.ts'), '');
      await writeFile(join(empty, 'LICENSE'), '');
      await mkdir(join(empty, 'index.html'));
      let failure: unknown;
      try {
        await consoleFiles(pathToFileURL(`${empty}/`), { rpUrl: 'https://rp.example', accountUrl: '' });
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(Error).with.property('message').that.matches(/no index\.html/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
