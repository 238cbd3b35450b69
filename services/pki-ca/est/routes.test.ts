import { expect } from 'chai';
import { execFile } from 'node:child_process';
import https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import Koa from 'koa';
import request from 'supertest';
import pino from 'pino';
import { ForbiddenError, UnauthorizedError } from '../../template/errors/index.ts';
import { bodyLimit } from '../../template/middleware/body-limit.ts';
import { problemDetails } from '../../template/middleware/problem-details.ts';
import type { Principal, RequestState } from '../../template/service.ts';
import { x509 } from '../../template/tls/x509.ts';
import { signingAlgorithm } from '../contract.ts';
import { createTestHierarchy, issueTestCertificate, pem, privateKeyPem, tempFiles, testSerial, type TestHierarchy } from '../testing/test-ca.ts';
import { estRoutes, estTarget, identityOf, type EstDeps } from './routes.ts';

const run = promisify(execFile);
const DAY_MS = 86_400_000;

/** curl, answering with status, headers and body; never throws on an HTTP error status. */
async function curl(args: readonly string[]): Promise<{ readonly status: number; readonly body: string; readonly headers: string }> {
  const { stdout } = await run('curl', ['-sS', '-D', '-', '-w', '\n%{http_code}', ...args], { encoding: 'latin1' });
  const status = Number(stdout.slice(stdout.lastIndexOf('\n') + 1));
  const rest = stdout.slice(0, stdout.lastIndexOf('\n'));
  const split = rest.indexOf('\r\n\r\n');
  return { status, headers: rest.slice(0, split).toLowerCase(), body: rest.slice(split + 4) };
}

describe('pki-ca EST (RFC 7030) with curl and openssl', function () {
  this.timeout(20_000);
  let hierarchy: TestHierarchy;
  let server: https.Server;
  let base: string;
  let files: Awaited<ReturnType<typeof tempFiles>>;
  const enrolled: string[] = [];
  const revoked = new Set<string>();
  let strangerCa: TestHierarchy;
  let handler: ReturnType<Koa<RequestState>['callback']>;

  before(async () => {
    hierarchy = await createTestHierarchy('ES256');
    strangerCa = await createTestHierarchy('ES256');
    const serverCertificate = await issueTestCertificate(hierarchy.issuing, { subject: 'CN=127.0.0.1', extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
    ] });
    const deps: EstDeps = {
      defaultCa: 'default',
      chain: (ca) => Promise.resolve(ca === 'default' ? [hierarchy.issuing.certificate, hierarchy.root.certificate] : undefined),
      enroll: async (_ca, csr) => {
        const certificate = await x509.X509CertificateGenerator.create({
          serialNumber: testSerial(), subject: csr.subject, issuer: hierarchy.issuing.certificate.subject,
          notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 30 * DAY_MS),
          publicKey: csr.publicKey, signingKey: hierarchy.issuing.privateKey, signingAlgorithm: signingAlgorithm('ES256'),
          extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]), ...csr.extensions],
        });
        enrolled.push(certificate.serialNumber);
        return certificate;
      },
      clientCertificateValid: async (certificate) => certificate.issuer === hierarchy.issuing.certificate.subject
        && await certificate.verify({ publicKey: hierarchy.issuing.certificate.publicKey, signatureOnly: true })
        && !revoked.has(certificate.serialNumber),
      authenticate: (authorization: string | undefined, _kind, scopes): Promise<Principal> => {
        if (authorization === 'Bearer good') return Promise.resolve({ subject: 'c', clientId: 'c', kind: 'service', scopes: new Set(scopes), expiresAt: 0 });
        if (authorization === 'Bearer noscope') return Promise.reject(new ForbiddenError('the token lacks ca:issue'));
        return Promise.reject(new UnauthorizedError('invalid token'));
      },
    };
    const app = new Koa<RequestState>();
    app.use(problemDetails(pino({ level: 'silent' })));
    app.use(bodyLimit(64 * 1024));
    app.use(estRoutes(deps));
    app.use((ctx) => { ctx.status = 404; ctx.body = 'next'; });
    handler = app.callback();
    server = https.createServer({ cert: `${pem(serverCertificate.certificate)}\n${pem(hierarchy.issuing.certificate)}\n`, key: await privateKeyPem(serverCertificate.keys.privateKey), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, (request, response) => { void handler(request, response); });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/.well-known/est`;
    const stranger = await issueTestCertificate(strangerCa.issuing, { subject: 'CN=device-1' });
    files = await tempFiles({ 'root.pem': pem(hierarchy.root.certificate), 'stranger.pem': pem(stranger.certificate), 'stranger.key': await privateKeyPem(stranger.keys.privateKey) });
  });

  after(async () => {
    server.close();
    await files.cleanup();
  });

  /** A new P-256 key and base64 CSR for `subject` (and a DNS SAN) made by openssl. */
  async function opensslCsr(name: string, subject: string, san?: string): Promise<string> {
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path(`${name}.key`),
      '-subj', subject, ...(san === undefined ? [] : ['-addext', `subjectAltName=${san}`]), '-outform', 'DER', '-out', files.path(`${name}.der`)]);
    await run('openssl', ['base64', '-in', files.path(`${name}.der`), '-out', files.path(`${name}.b64`)]);
    return files.path(`${name}.b64`);
  }

  /** The certificates of a base64 certs-only body, as openssl prints them. */
  async function printCerts(name: string, body: string): Promise<string> {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(files.path(`${name}.p7.b64`), body);
    await run('openssl', ['base64', '-d', '-in', files.path(`${name}.p7.b64`), '-out', files.path(`${name}.p7`)]);
    const { stdout } = await run('openssl', ['pkcs7', '-inform', 'DER', '-in', files.path(`${name}.p7`), '-print_certs', '-out', files.path(`${name}.pem`)]);
    expect(stdout).to.equal('');
    const { readFile } = await import('node:fs/promises');
    return await readFile(files.path(`${name}.pem`), 'utf8');
  }

  it('serves the CA certificates without authentication, as base64 certs-only CMS', async () => {
    const answer = await curl(['--cacert', files.path('root.pem'), `${base}/cacerts`]);
    expect(answer.status).to.equal(200);
    expect(answer.headers).to.contain('content-type: application/pkcs7-mime; smime-type=certs-only');
    expect(answer.headers).to.contain('content-transfer-encoding: base64');
    const printed = await printCerts('cacerts', answer.body);
    expect(printed).to.contain('subject=CN = Test Issuing ES256').and.to.contain('subject=CN = Test Root ES256');
    const labelled = await curl(['--cacert', files.path('root.pem'), `${base}/default/cacerts`]);
    expect(labelled.body).to.equal(answer.body);
    expect((await curl(['--cacert', files.path('root.pem'), `${base}/other/cacerts`])).status).to.equal(404);
  });

  it('asks for ECDSA with SHA-256 in csrattrs', async () => {
    const answer = await curl(['--cacert', files.path('root.pem'), `${base}/csrattrs`]);
    expect(answer.status).to.equal(200);
    expect(answer.headers).to.contain('content-type: application/csrattrs');
    expect(Buffer.from(answer.body, 'base64').toString('hex')).to.equal('300a06082a8648ce3d040302');
  });

  it('enrolls with a bearer token, and the certificate verifies to the root', async () => {
    const csr = await opensslCsr('token', '/CN=device-1', 'DNS:device-1.test');
    const answer = await curl(['--cacert', files.path('root.pem'), '-H', 'Content-Type: application/pkcs10', '-H', 'Authorization: Bearer good', '--data-binary', `@${csr}`, `${base}/simpleenroll`]);
    expect(answer.status).to.equal(200);
    const printed = await printCerts('token', answer.body);
    expect(printed).to.contain('subject=CN = device-1');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(files.path('issuing.pem'), pem(hierarchy.issuing.certificate));
    const { stdout } = await run('openssl', ['verify', '-CAfile', files.path('root.pem'), '-untrusted', files.path('issuing.pem'), files.path('token.pem')]);
    expect(stdout).to.contain('OK');
  });

  it('refuses enrollment without credentials, with a bad token, or without the scope', async () => {
    const csr = await opensslCsr('anon', '/CN=device-2');
    const common = ['--cacert', files.path('root.pem'), '-H', 'Content-Type: application/pkcs10', '--data-binary', `@${csr}`, `${base}/simpleenroll`];
    const before = enrolled.length;
    const anonymous = await curl(common);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers).to.contain('www-authenticate: bearer');
    expect(JSON.parse(anonymous.body)).to.include({ status: 401 });
    expect((await curl(['-H', 'Authorization: Bearer bad', ...common])).status).to.equal(401);
    expect((await curl(['-H', 'Authorization: Bearer noscope', ...common])).status).to.equal(403);
    const stranger = await curl(['--cert', files.path('stranger.pem'), '--key', files.path('stranger.key'), ...common]);
    expect(stranger.status).to.equal(403);
    expect(stranger.body).to.contain('not issued by this CA');
    expect(enrolled.length).to.equal(before);
  });

  it('re-enrolls a client certificate for the same identity only, and refuses it once revoked', async () => {
    const first = await opensslCsr('device', '/CN=device-3', 'DNS:device-3.test');
    const issued = await curl(['--cacert', files.path('root.pem'), '-H', 'Content-Type: application/pkcs10', '-H', 'Authorization: Bearer good', '--data-binary', `@${first}`, `${base}/simpleenroll`]);
    await printCerts('device', issued.body);
    const asDevice = ['--cacert', files.path('root.pem'), '--cert', files.path('device.pem'), '--key', files.path('device.key'), '-H', 'Content-Type: application/pkcs10'];
    const renewal = await opensslCsr('renewal', '/CN=device-3', 'DNS:device-3.test');
    const renewed = await curl([...asDevice, '--data-binary', `@${renewal}`, `${base}/simplereenroll`]);
    expect(renewed.status).to.equal(200);
    expect(await printCerts('renewed', renewed.body)).to.contain('subject=CN = device-3');
    const other = await opensslCsr('other', '/CN=device-3', 'DNS:admin.test');
    const escalation = await curl([...asDevice, '--data-binary', `@${other}`, `${base}/simplereenroll`]);
    expect(escalation.status).to.equal(403);
    expect(escalation.body).to.contain('its own subject');
    expect((await curl([...asDevice, '--data-binary', `@${other}`, `${base}/simpleenroll`])).status).to.equal(403);
    const sameByCertificate = await curl([...asDevice, '--data-binary', `@${renewal}`, `${base}/simpleenroll`]);
    expect(sameByCertificate.status).to.equal(200);
    const tokenOnly = await curl(['--cacert', files.path('root.pem'), '-H', 'Content-Type: application/pkcs10', '-H', 'Authorization: Bearer good', '--data-binary', `@${renewal}`, `${base}/simplereenroll`]);
    expect(tokenOnly.status).to.equal(401);
    expect(tokenOnly.body).to.contain('present it');
    revoked.add(new x509.X509Certificate(await (await import('node:fs/promises')).readFile(files.path('device.pem'), 'utf8')).serialNumber);
    expect((await curl([...asDevice, '--data-binary', `@${renewal}`, `${base}/simplereenroll`])).status).to.equal(403);
  });

  it('generates the key on the server and returns it with its certificate', async () => {
    const csr = await opensslCsr('keygen', '/CN=device-4', 'DNS:device-4.test');
    const answer = await curl(['--cacert', files.path('root.pem'), '-H', 'Content-Type: application/pkcs10', '-H', 'Authorization: Bearer good', '--data-binary', `@${csr}`, `${base}/serverkeygen`]);
    expect(answer.status).to.equal(200);
    const boundary = /boundary=([^\s;]+)/.exec(answer.headers)?.[1] ?? '';
    expect(boundary).to.match(/^est-/);
    const parts = answer.body.split(`--${boundary}`).slice(1, 3).map((part) => part.split('\r\n\r\n'));
    expect(parts[0]?.[0]).to.contain('Content-Type: application/pkcs8');
    expect(parts[1]?.[0]).to.contain('Content-Type: application/pkcs7-mime; smime-type=certs-only');
    const key = Buffer.from(parts[0]?.[1] ?? '', 'base64');
    const certificatePem = await printCerts('keygen', parts[1]?.[1] ?? '');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(files.path('keygen.key.der'), key);
    const fromKey = await run('openssl', ['pkey', '-inform', 'DER', '-in', files.path('keygen.key.der'), '-pubout']);
    const fromCertificate = await run('openssl', ['x509', '-in', files.path('keygen.pem'), '-pubkey', '-noout']);
    expect(fromKey.stdout).to.equal(fromCertificate.stdout);
    expect(certificatePem).to.contain('subject=CN = device-4');
    const generated = new x509.X509Certificate(certificatePem.slice(certificatePem.indexOf('-----BEGIN')));
    expect(identityOf(generated)).to.equal(JSON.stringify(['CN=device-4', ['dns:device-4.test']]));
  });

  it('answers malformed requests with a problem naming what is wrong', async () => {
    const post = (body: string, type = 'application/pkcs10'): Promise<{ status: number; body: string }> => curl(['--cacert', files.path('root.pem'), '-H', `Content-Type: ${type}`, '-H', 'Authorization: Bearer good', '--data-binary', body, `${base}/simpleenroll`]);
    expect((await post('not base64!')).body).to.contain('is not base64');
    expect((await post('AAAA')).body).to.contain('not a DER PKCS#10');
    const csr = await opensslCsr('typed', '/CN=device-5');
    expect((await post(`@${csr}`, 'application/octet-stream')).status).to.equal(415);
    const der = await (await import('node:fs/promises')).readFile(files.path('typed.der'));
    der[der.length - 3] = (der[der.length - 3] ?? 0) ^ 0x01;
    await (await import('node:fs/promises')).writeFile(files.path('tampered.b64'), der.toString('base64'));
    expect((await post(`@${files.path('tampered.b64')}`)).body).to.match(/signature does not verify|not a DER PKCS#10/);
    const empty = await curl(['--cacert', files.path('root.pem'), '-X', 'POST', '-H', 'Content-Type: application/pkcs10', '-H', 'Authorization: Bearer good', `${base}/simpleenroll`]);
    expect(empty.body).to.contain('has no body');
    const wrongMethod = await curl(['--cacert', files.path('root.pem'), `${base}/simpleenroll`]);
    expect(wrongMethod.status).to.equal(405);
    expect((await curl(['--cacert', files.path('root.pem'), '-I', `${base}/cacerts`])).status).to.equal(200);
    expect((await curl(['--cacert', files.path('root.pem'), `${base}/a/b/cacerts`])).body).to.equal('next');
  });

  it('re-enrolls a certificate without alternative names, and sees no certificate on a connection without TLS', async () => {
    const plain = await opensslCsr('plain', '/CN=device-6');
    const issued = await curl(['--cacert', files.path('root.pem'), '-H', 'Content-Type: application/pkcs10', '-H', 'Authorization: Bearer good', '-H', 'DPoP: proof', '--data-binary', `@${plain}`, `${base}/simpleenroll`]);
    await printCerts('plain', issued.body);
    const again = await opensslCsr('plain-again', '/CN=device-6');
    const renewed = await curl(['--cacert', files.path('root.pem'), '--cert', files.path('plain.pem'), '--key', files.path('plain.key'), '-H', 'Content-Type: application/pkcs10', '--data-binary', `@${again}`, `${base}/simplereenroll`]);
    expect(renewed.status).to.equal(200);
    const body = await (await import('node:fs/promises')).readFile(again, 'latin1');
    const overPlainHttp = await request(handler).post('/.well-known/est/simplereenroll').set('Content-Type', 'application/pkcs10').send(body);
    expect(overPlainHttp.status).to.equal(401);
  });

  it('names its targets', () => {
    expect(estTarget('/.well-known/est/cacerts')).to.deep.equal({ ca: undefined, operation: 'cacerts' });
    expect(estTarget('/.well-known/est/ops/simpleenroll')).to.deep.equal({ ca: 'ops', operation: 'simpleenroll' });
    expect(estTarget('/.well-known/est/fullcmc')).to.equal(undefined);
    expect(estTarget('/.well-known/est/toString')).to.equal(undefined);
    expect(estTarget('/other/cacerts')).to.equal(undefined);
  });
});
