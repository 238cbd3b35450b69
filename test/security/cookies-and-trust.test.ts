/**
 * Issue 13 point 14. identity-idp's cookies carry the `__Host-` prefix (RFC 6265bis §4.1.3.2), and
 * an outgoing call configured with `tls.caFile` still trusts what Node trusts by default, including
 * `NODE_EXTRA_CA_CERTS`, which Node reads only at start-up: that half runs in a child process.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { selfSignedCertificate } from '../../services/template/testing/issuer.ts';
import { startIdp, type IdpHarness } from '../../services/identity-idp/testing/harness.ts';
import { createUser, submitLogin } from '../../services/identity-idp/testing/flow.ts';

const FETCHER = fileURLToPath(new URL('../../services/template/auth/https-json.ts', import.meta.url));

/** Runs httpsJsonFetcher({ ca }) in a fresh Node whose NODE_EXTRA_CA_CERTS is `extraCaFile`. */
async function fetchInChild(url: string, caFile: string, extraCaFile: string): Promise<string> {
  const script = [
    "import { readFileSync } from 'node:fs';",
    `const { httpsJsonFetcher } = await import(${JSON.stringify(FETCHER)});`,
    'const fetchJson = httpsJsonFetcher({ ca: readFileSync(process.env.CA_FILE, "utf8") });',
    'try { console.log(JSON.stringify(await fetchJson(process.env.URL))); } catch (error) { console.log(String(error)); }',
  ].join('\n');
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], {
    env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: extraCaFile, CA_FILE: caFile, URL: url },
  });
  return stdout.trim();
}

describe('issue 13 point 14: outgoing TLS trusts Node\'s default store plus tls.caFile', () => {
  let dir: string;
  let server: Server;
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cryptoutil-trust-'));
    const serverTls = await selfSignedCertificate();
    const unrelated = await selfSignedCertificate();
    await writeFile(join(dir, 'extra.pem'), serverTls.cert);
    await writeFile(join(dir, 'ca-file.pem'), unrelated.cert);
    server = createServer({ key: serverTls.key, cert: serverTls.cert }, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/openid-configuration`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('a server whose CA is in NODE_EXTRA_CA_CERTS is trusted while tls.caFile names another CA', async () => {
    expect(await fetchInChild(url, join(dir, 'ca-file.pem'), join(dir, 'extra.pem'))).to.equal('{"issuer":"ok"}');
  });

  it('a server whose CA is in neither stays untrusted', async () => {
    expect(await fetchInChild(url, join(dir, 'ca-file.pem'), join(dir, 'ca-file.pem'))).to.match(/self-signed certificate/);
  });
});

describe('issue 13 point 14: identity-idp cookies are __Host- cookies (RFC 6265bis §4.1.3.2)', () => {
  let idp: IdpHarness;
  before(async () => { idp = await startIdp(); });
  after(async () => { await idp.close(); });

  it('the CSRF and session cookies are named __Host-, Secure, Path=/ and carry no Domain', async () => {
    await createUser(idp, 'host-prefix');
    const browser = idp.browser();
    const challenge = await idp.challenge({ login_hint: 'host-prefix' });
    expect((await submitLogin(browser, challenge, 'host-prefix')).status).to.equal(303);
    const names = browser.setCookieHeaders.map((line) => line.slice(0, line.indexOf('=')));
    expect(names).to.include.members(['__Host-idp_csrf', '__Host-idp_session']);
    for (const line of browser.setCookieHeaders) {
      expect(line).to.match(/^__Host-[^=]+=[^;]*; Path=\/; Secure(;|$)/);
      expect(line).not.to.match(/;\s*Domain=/i);
    }
  });
});
