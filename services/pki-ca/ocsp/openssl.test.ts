/**
 * openssl as the OCSP client: RFC 6960 responses of the CA and of a delegated responder, of each key
 * algorithm, fetched over HTTP and read offline, verify and say good or revoked.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { expect } from 'chai';
import Koa from 'koa';
import type { x509 } from '../../template/tls/x509.ts';
import type { CaKeyAlgorithm } from '../contract.ts';
import { delegatedOcspResponder } from '../testing/responders.ts';
import { createTestHierarchy, issueTestCertificate, pem, tempFiles, type TestHierarchy } from '../testing/test-ca.ts';
import { buildOcspResponse, type CertStatus } from './response.ts';
import { parseOcspRequest } from './request.ts';
import { ocspRoutes } from './routes.ts';

const run = promisify(execFile);

async function openssl(args: readonly string[]): Promise<string> {
  const { stdout, stderr } = await run('openssl', args);
  return `${stdout}${stderr}`;
}

interface Fixture {
  readonly hierarchy: TestHierarchy;
  readonly good: x509.X509Certificate;
  readonly revoked: x509.X509Certificate;
  readonly statuses: Map<string, CertStatus>;
}

async function fixture(algorithm: CaKeyAlgorithm): Promise<Fixture> {
  const hierarchy = await createTestHierarchy(algorithm);
  const good = (await issueTestCertificate(hierarchy.issuing)).certificate;
  const revoked = (await issueTestCertificate(hierarchy.issuing)).certificate;
  const statuses = new Map<string, CertStatus>([
    [good.serialNumber.toLowerCase(), { status: 'good' }],
    [revoked.serialNumber.toLowerCase(), { status: 'revoked', revokedAt: new Date('2026-01-02T03:04:05Z'), reason: 'keyCompromise' }],
  ]);
  return { hierarchy, good, revoked, statuses };
}

function lookupOf(statuses: Map<string, CertStatus>): (serialHex: string) => Promise<CertStatus> {
  return (serialHex) => Promise.resolve(statuses.get(serialHex) ?? { status: 'unknown' });
}

describe('OCSP responses verified by openssl (RFC 6960)', function () {
  this.timeout(20_000);
  const fixtures = new Map<CaKeyAlgorithm, Fixture>();

  before(async function () {
    await Promise.all((['ES256', 'RSA-3072', 'Ed25519'] as const).map(async (algorithm) => { fixtures.set(algorithm, await fixture(algorithm)); }));
  });

  function fixtureOf(algorithm: CaKeyAlgorithm): Fixture {
    const found = fixtures.get(algorithm);
    if (found === undefined) throw new Error(`no fixture for ${algorithm}`);
    return found;
  }

  describe('over HTTP POST with openssl ocsp -url', function () {
    let server: Server;
    let port: number;

    before(async function () {
      const { hierarchy, statuses } = fixtureOf('ES256');
      const app = new Koa();
      app.use(ocspRoutes((caName) => Promise.resolve(caName === 'issuing' ? { issuer: hierarchy.issuing.certificate, responder: hierarchy.issuing, lookup: lookupOf(statuses) } : undefined)));
      // openssl's -url speaks plain HTTP; this listener exists for this test only.
      const handle = app.callback();
      server = createServer((req, res) => { void handle(req, res); });
      await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
      port = (server.address() as AddressInfo).port;
    });

    after(async function () {
      await new Promise<void>((resolve, reject) => { server.close((error) => { if (error === undefined) resolve(); else reject(error); }); });
    });

    it('answers good, revoked with the reason, and unknown, and the response verifies', async function () {
      const { hierarchy, good, revoked } = fixtureOf('ES256');
      const stranger = (await issueTestCertificate(hierarchy.issuing)).certificate;
      const files = await tempFiles({ 'root.pem': pem(hierarchy.root.certificate), 'issuing.pem': pem(hierarchy.issuing.certificate), 'good.pem': pem(good), 'revoked.pem': pem(revoked), 'stranger.pem': pem(stranger) });
      try {
        const base = ['ocsp', '-issuer', files.path('issuing.pem'), '-url', `http://127.0.0.1:${String(port)}/pki/v1/ocsp/issuing`, '-CAfile', files.path('root.pem'), '-verify_other', files.path('issuing.pem'), '-resp_text'];
        const goodOut = await openssl([...base, '-cert', files.path('good.pem')]);
        expect(goodOut).to.include('Response verify OK');
        expect(goodOut).to.match(/good\.pem: good/);
        // openssl sends a nonce and warns when the response does not echo it (RFC 8954).
        expect(goodOut).to.not.include('WARNING: no nonce in response');
        const revokedOut = await openssl([...base, '-cert', files.path('revoked.pem')]);
        expect(revokedOut).to.include('Response verify OK');
        expect(revokedOut).to.match(/revoked\.pem: revoked/);
        expect(revokedOut).to.include('Reason: keyCompromise');
        expect(revokedOut).to.include('Revocation Time: Jan  2 03:04:05 2026 GMT');
        const unknownOut = await openssl([...base, '-cert', files.path('stranger.pem')]);
        expect(unknownOut).to.include('Response verify OK');
        expect(unknownOut).to.match(/stranger\.pem: unknown/);
      } finally {
        await files.cleanup();
      }
    });
  });

  for (const algorithm of ['ES256', 'RSA-3072', 'Ed25519'] as const) {
    it(`${algorithm}: offline -reqout/-respin, signed by the CA and by a delegated responder (-VAfile)`, async function () {
      const { hierarchy, good, revoked, statuses } = fixtureOf(algorithm);
      const delegated = await delegatedOcspResponder(hierarchy.issuing, algorithm);
      const files = await tempFiles({ 'root.pem': pem(hierarchy.root.certificate), 'issuing.pem': pem(hierarchy.issuing.certificate), 'good.pem': pem(good), 'revoked.pem': pem(revoked), 'responder.pem': pem(delegated.certificate) });
      try {
        await openssl(['ocsp', '-no_nonce', '-issuer', files.path('issuing.pem'), '-cert', files.path('good.pem'), '-cert', files.path('revoked.pem'), '-reqout', files.path('req.der')]);
        const { readFile, writeFile } = await import('node:fs/promises');
        const request = parseOcspRequest(await readFile(files.path('req.der')));
        for (const [responder, name] of [[hierarchy.issuing, 'ca.der'], [delegated, 'delegated.der']] as const) {
          const der = await buildOcspResponse({ responder, issuer: hierarchy.issuing.certificate, request, lookup: lookupOf(statuses), now: new Date(), validitySeconds: 600 });
          await writeFile(files.path(name), der);
        }
        // -cert makes openssl build a request of its own; without a nonce it matches the one sent.
        const read = ['ocsp', '-no_nonce', '-issuer', files.path('issuing.pem'), '-cert', files.path('good.pem'), '-cert', files.path('revoked.pem'), '-reqin', files.path('req.der'), '-resp_text'];
        const caOut = await openssl([...read, '-respin', files.path('ca.der'), '-CAfile', files.path('root.pem'), '-verify_other', files.path('issuing.pem')]);
        expect(caOut).to.include('Response verify OK');
        expect(caOut).to.match(/good\.pem: good/);
        expect(caOut).to.match(/revoked\.pem: revoked/);
        const delegatedOut = await openssl([...read, '-respin', files.path('delegated.der'), '-CAfile', files.path('root.pem'), '-verify_other', files.path('issuing.pem')]);
        expect(delegatedOut).to.include('Response verify OK');
        expect(delegatedOut).to.include('Responder Id:');
        expect(delegatedOut).to.match(/good\.pem: good/);
        // -VAfile trusts the responder certificate directly, as a client pinned to it does.
        const pinnedOut = await openssl([...read, '-respin', files.path('delegated.der'), '-VAfile', files.path('responder.pem')]);
        expect(pinnedOut).to.include('Response verify OK');
        expect(pinnedOut).to.match(/revoked\.pem: revoked/);
      } finally {
        await files.cleanup();
      }
    });
  }
});
