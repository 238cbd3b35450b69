/**
 * RFC 8555 end to end: an independent client (acme-client) registers, orders, proves control with
 * http-01 and tls-alpn-01 against real servers the ACME server connects to, finalizes, downloads,
 * rolls its key over and revokes, over HTTPS; RFC 9773 renewal information for what it got.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import * as acme from 'acme-client';
import { expect } from 'chai';
import { openDatabase, type Database } from '../../template/database/index.ts';
import { createPostgresDatabase } from '../../template/testing/databases.ts';
import { x509 } from '../../template/tls/x509.ts';
import { acmeHarness, type AcmeHarness } from '../testing/acme-harness.ts';
import { pem, tempFiles } from '../testing/test-ca.ts';
import { acmeEntities } from './entities.ts';
import { acmeMigrations } from './migrations.ts';
import { certId } from './renewal-info.ts';

const run = promisify(execFile);

function get(url: string, ca: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }); });
    }).on('error', reject);
  });
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const outcome = await promise.then(() => undefined, (error: unknown) => error);
  expect(outcome).to.be.instanceOf(Error);
  expect((outcome as Error).message).to.match(pattern);
}

describe('ACME issuance with acme-client (RFC 8555 §7, RFC 9773)', function () {
  this.timeout(20_000);
  let scratch: { url: string; drop(): Promise<void> };
  let db: Database;
  let harness: AcmeHarness;
  let caPem: string;
  let directoryUrl: string;
  const tokens = new Map<string, string>();
  const alpnContexts = new Map<string, tls.SecureContext>();
  let httpServer: http.Server;
  let tlsServer: tls.Server;
  let client: acme.Client;
  let issuedPem = '';

  before(async () => {
    scratch = await createPostgresDatabase();
    db = await openDatabase({ url: scratch.url, entities: acmeEntities, migrations: acmeMigrations });
    await db.migrate();
    harness = await acmeHarness(db);
    ({ caPem } = await harness.listen());
    directoryUrl = `${harness.url()}/acme/test-ca/directory`;
    acme.axios.defaults.httpsAgent = new https.Agent({ ca: caPem });
    httpServer = http.createServer((request, response) => {
      const token = /^\/\.well-known\/acme-challenge\/([\w-]+)$/.exec(request.url ?? '')?.[1] ?? '';
      const keyAuthorization = tokens.get(token);
      response.writeHead(keyAuthorization === undefined ? 404 : 200).end(keyAuthorization ?? '');
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    tlsServer = tls.createServer({
      ALPNProtocols: ['acme-tls/1'],
      SNICallback: (name, callback) => { callback(null, alpnContexts.get(name)); },
    }, (socket) => { socket.end(); });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    harness.deps.challengePorts.http = (httpServer.address() as AddressInfo).port;
    harness.deps.challengePorts.tlsAlpn = (tlsServer.address() as AddressInfo).port;
    client = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey(), backoffAttempts: 2, backoffMin: 50, backoffMax: 100 });
  });

  after(async () => {
    await harness.close();
    httpServer.close();
    tlsServer.close();
    await db.close();
    await scratch.drop();
  });

  it('issues through http-01 a certificate openssl verifies up to the root', async () => {
    const [, csr] = await acme.crypto.createCsr({ commonName: 'www.example.test', altNames: ['www.example.test', 'api.example.test'] });
    issuedPem = await client.auto({
      csr,
      email: 'ops@example.test',
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      skipChallengeVerification: true,
      challengeCreateFn: (_authz, challenge, keyAuthorization) => { tokens.set(challenge.token, keyAuthorization); return Promise.resolve(); },
      challengeRemoveFn: (_authz, challenge) => { tokens.delete(challenge.token); return Promise.resolve(); },
    });
    const leaf = new x509.X509Certificate(issuedPem);
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.items.map((name) => name.value).sort()).to.deep.equal(['api.example.test', 'www.example.test']);
    expect(issuedPem).to.include(pem(harness.hierarchy.issuing.certificate).trim());
    const files = await tempFiles({ 'root.pem': caPem, 'chain.pem': issuedPem });
    try {
      const { stdout } = await run('openssl', ['verify', '-CAfile', files.path('root.pem'), '-untrusted', files.path('chain.pem'), files.path('chain.pem')]);
      expect(stdout).to.include(': OK');
    } finally {
      await files.cleanup();
    }
  });

  it('issues through tls-alpn-01 (RFC 8737) for a name and an IP address (RFC 8738)', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'alpn.example.test' }] });
    for (const authz of await client.getAuthorizations(order)) {
      const challenge = authz.challenges.find((item) => (item.type as string) === 'tls-alpn-01');
      expect(challenge, 'tls-alpn-01 offered').to.not.equal(undefined);
      if (challenge === undefined) continue;
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
      alpnContexts.set(authz.identifier.value, tls.createSecureContext({ key, cert }));
      const answered = await client.completeChallenge(challenge);
      expect(answered.status).to.equal('valid');
    }
    const [, csr] = await acme.crypto.createCsr({ altNames: ['alpn.example.test'] });
    const finalized = await client.finalizeOrder(order, csr);
    expect(finalized.status).to.equal('valid');
    const certificate = await client.getCertificate(finalized);
    expect(new x509.X509Certificate(certificate).getExtension(x509.SubjectAlternativeNameExtension)?.names.items[0]?.value).to.equal('alpn.example.test');
  });

  it('marks a challenge invalid when the http-01 answer is wrong, and the order with it', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'wrong.example.test' }] });
    const [authz] = await client.getAuthorizations(order);
    const challenge = authz?.challenges.find((item) => item.type === 'http-01');
    if (challenge === undefined) throw new Error('no http-01 challenge');
    tokens.set(challenge.token, 'not-the-key-authorization');
    const answered = await client.completeChallenge(challenge);
    expect(answered.status).to.equal('invalid');
    expect((answered.error as { type?: string } | undefined)?.type).to.equal('urn:ietf:params:acme:error:incorrectResponse');
    expect((await client.getOrder(order)).status).to.equal('invalid');
  });

  it('answers renewal information with the last third of the validity (RFC 9773 §4.2)', async () => {
    const leaf = new x509.X509Certificate(issuedPem);
    const aki = leaf.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId ?? '';
    const id = `${Buffer.from(aki, 'hex').toString('base64url')}.${Buffer.from(leaf.serialNumber, 'hex').toString('base64url')}`;
    expect(id).to.equal(certId(aki, leaf.serialNumber));
    const response = await get(`${harness.url()}/acme/test-ca/renewal-info/${id}`, caPem);
    expect(response.status).to.equal(200);
    expect(response.headers['retry-after']).to.equal('21600');
    const { suggestedWindow } = JSON.parse(response.body) as { suggestedWindow: { start: string; end: string } };
    const lifetime = leaf.notAfter.getTime() - leaf.notBefore.getTime();
    expect(Date.parse(suggestedWindow.start)).to.be.closeTo(leaf.notBefore.getTime() + (2 * lifetime) / 3, 1000);
    expect(Date.parse(suggestedWindow.end)).to.be.greaterThan(Date.parse(suggestedWindow.start)).and.lessThan(leaf.notAfter.getTime());
    const renewal: acme.Order & { replaces?: string } = await client.createOrder({ identifiers: [{ type: 'dns', value: 'www.example.test' }, { type: 'dns', value: 'api.example.test' }], replaces: id } as Parameters<acme.Client['createOrder']>[0]);
    expect(renewal.replaces).to.equal(id);
    const again = client.createOrder({ identifiers: [{ type: 'dns', value: 'www.example.test' }], replaces: id } as Parameters<acme.Client['createOrder']>[0]);
    await rejects(again, /alreadyReplaced|already replaces/);
  });

  it('rolls the account key over (RFC 8555 §7.3.5) and keeps serving the account', async () => {
    const before = client.getAccountUrl();
    await client.updateAccountKey(await acme.crypto.createPrivateEcdsaKey('P-384'));
    expect(client.getAccountUrl()).to.equal(before);
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'rolled.example.test' }] });
    expect(order.status).to.equal('pending');
  });

  it('revokes by the ordering account with the reason given, then refuses a second time (RFC 8555 §7.6)', async () => {
    // RFC 5280 reason code 4, superseded
    await client.revokeCertificate(issuedPem, JSON.parse('{"reason":4}') as Parameters<acme.Client['revokeCertificate']>[1]);
    const serial = new x509.X509Certificate(issuedPem).serialNumber.toLowerCase();
    expect(harness.revoked.get(serial)).to.equal('superseded');
    await rejects(client.revokeCertificate(issuedPem), /alreadyRevoked|already revoked/);
    const leaf = new x509.X509Certificate(issuedPem);
    const id = certId(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId ?? '', leaf.serialNumber);
    const response = await get(`${harness.url()}/acme/test-ca/renewal-info/${id}`, caPem);
    const { suggestedWindow } = JSON.parse(response.body) as { suggestedWindow: { start: string; end: string } };
    expect(Date.parse(suggestedWindow.end)).to.be.lessThan(Date.now());
  });

  it('requires an external account binding where the CA says so (RFC 8555 §7.3.4)', async () => {
    const eabDirectory = `${harness.url()}/acme/eab-ca/directory`;
    const without = new acme.Client({ directoryUrl: eabDirectory, accountKey: await acme.crypto.createPrivateEcdsaKey() });
    await rejects(without.createAccount({ termsOfServiceAgreed: true }), /externalAccountRequired|requires an externalAccountBinding/);
    const hmacKey = Buffer.alloc(32, 7);
    harness.eabKeys.set('customer-1', hmacKey);
    const bound = new acme.Client({ directoryUrl: eabDirectory, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: { kid: 'customer-1', hmacKey: hmacKey.toString('base64') } });
    const account = await bound.createAccount({ termsOfServiceAgreed: true });
    expect(account.status).to.equal('valid');
    const wrong = new acme.Client({ directoryUrl: eabDirectory, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: { kid: 'customer-1', hmacKey: Buffer.alloc(32, 8).toString('base64') } });
    await rejects(wrong.createAccount({ termsOfServiceAgreed: true }), /does not verify/);
  });
});
