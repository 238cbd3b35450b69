/**
 * The pure parts of the ACME server: the RFC 8555 §7.1.6 status table, RFC 9773 certIDs and
 * windows, CSR names (RFC 8738 IP addresses), and the validators of RFC 8555 §8.3 and RFC 8737
 * against servers that answer wrongly.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { openDatabase, type Database } from '../../template/database/index.ts';
import { x509 } from '../../template/tls/x509.ts';
import { createTestHierarchy, issueTestCertificate, privateKeyPem, type TestHierarchy } from '../testing/test-ca.ts';
import { acmeEntities } from './entities.ts';
import { canonicalIp, csrIdentifiers } from './identifiers.ts';
import { acmeMigrations } from './migrations.ts';
import { AcmeProblem } from './problems.ts';
import { certId, normalizeSerial, parseCertId, suggestedWindow } from './renewal-info.ts';
import { acmeRoutes } from './routes.ts';
import { allowed, transition } from './states.ts';
import { ACME_IDENTIFIER_OID, CHALLENGE_TYPES, checkAlpnCertificate, reverseName, type ValidationTarget } from './validation.ts';

const KEY_AUTHORIZATION = 'token.thumbprint';
const target = (value: string, type: 'dns' | 'ip' = 'dns', port = 1): ValidationTarget => ({ identifier: { type, value }, token: 'token', keyAuthorization: KEY_AUTHORIZATION, address: '127.0.0.1', port });

async function problemOf(promise: Promise<unknown> | (() => unknown)): Promise<AcmeProblem> {
  const outcome = await (typeof promise === 'function' ? Promise.resolve().then(promise) : promise).then(() => undefined, (error: unknown) => error);
  expect(outcome).to.be.instanceOf(AcmeProblem);
  return outcome as AcmeProblem;
}

describe('ACME building blocks', () => {
  let hierarchy: TestHierarchy;
  before(async () => { hierarchy = await createTestHierarchy('ES256'); });

  describe('status table (RFC 8555 §7.1.6)', () => {
    it('allows only the listed moves and refuses to write any other', async () => {
      expect(allowed('order', 'ready', 'processing')).to.equal(true);
      expect(allowed('order', 'valid', 'pending')).to.equal(false);
      expect(allowed('challenge', 'pending', 'valid')).to.equal(false);
      const error = await transition({} as never, 'order', 'id', 'valid', 'ready').then(() => undefined, (caught: unknown) => caught);
      expect(error).to.be.instanceOf(TypeError);
    });
  });

  describe('certIDs and windows (RFC 9773 §4)', () => {
    it('adds the DER sign byte to a high serial and reads it back', () => {
      const id = certId('0a0b', '80ff');
      expect(id).to.equal(`${Buffer.from([10, 11]).toString('base64url')}.${Buffer.from([0, 0x80, 0xff]).toString('base64url')}`);
      expect(parseCertId(id)).to.deep.equal({ akiHex: '0a0b', serialHex: '80ff' });
      expect(normalizeSerial('0000AB')).to.equal('ab');
      expect(normalizeSerial('00')).to.equal('00');
    });

    it('suggests the start of the last third up to a sixth before expiry', () => {
      const window = suggestedWindow(new Date(0), new Date(600_000), false, new Date(0));
      expect(window).to.deep.equal({ start: new Date(400_000).toISOString(), end: new Date(500_000).toISOString() });
    });
  });

  describe('CSR names', () => {
    it('reads dNSName and iPAddress SANs and the CN, canonical', async () => {
      const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: 'CN=2001:db8:0::1', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'A.example.test' }, { type: 'ip', value: '192.0.2.1' }])],
      });
      expect(csrIdentifiers(csr)).to.deep.equal([{ type: 'dns', value: 'a.example.test' }, { type: 'ip', value: '192.0.2.1' }, { type: 'ip', value: '2001:db8::1' }]);
      expect(canonicalIp('example.test')).to.equal(undefined);
    });
  });

  describe('tls-alpn-01 certificate (RFC 8737 §3)', () => {
    const digest = createHash('sha256').update(KEY_AUTHORIZATION).digest();
    const extension = (value: ArrayBuffer, critical = true) => new x509.Extension(ACME_IDENTIFIER_OID, critical, value);
    const make = async (names: { type: 'dns' | 'ip'; value: string }[], extra: x509.Extension[]) => Buffer.from((await issueTestCertificate(hierarchy.issuing, {
      extensions: [new x509.SubjectAlternativeNameExtension(names), ...extra],
    })).certificate.rawData);

    it('accepts the one SAN and the critical digest', async () => {
      checkAlpnCertificate(await make([{ type: 'dns', value: 'a.test' }], [extension(AsnConvert.serialize(new OctetString(digest)))]), target('a.test'));
    });

    it('names what is wrong', async () => {
      const good = extension(AsnConvert.serialize(new OctetString(digest)));
      const cases: [Buffer, RegExp][] = [
        [await make([{ type: 'dns', value: 'a.test' }, { type: 'dns', value: 'b.test' }], [good]), /exactly the identifier/],
        [await make([{ type: 'dns', value: 'a.test' }], []), /critical acmeIdentifier/],
        [Buffer.from((await issueTestCertificate(hierarchy.issuing, { extensions: [good] })).certificate.rawData), /exactly the identifier/],
        [Buffer.from('not a certificate'), /no parsable certificate/],
        [await make([{ type: 'dns', value: 'a.test' }], [extension(AsnConvert.serialize(new OctetString(digest)), false)]), /critical acmeIdentifier/],
        [await make([{ type: 'dns', value: 'a.test' }], [extension(new Uint8Array([5, 0]).buffer)]), /OCTET STRING/],
        [await make([{ type: 'dns', value: 'a.test' }], [extension(AsnConvert.serialize(new OctetString(new Uint8Array(32))))]), /digest/],
      ];
      for (const [der, pattern] of cases) {
        expect((await problemOf(() => { checkAlpnCertificate(der, target('a.test')); })).message).to.match(pattern);
      }
    });

    it('sends the reverse-DNS name as SNI for IP addresses (RFC 8738 §6)', () => {
      expect(reverseName('192.0.2.1')).to.equal('1.2.0.192.in-addr.arpa');
      expect(reverseName('2001:db8::1')).to.equal(`1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
      expect(reverseName('2001:db8:0:0:0:0:0:1')).to.equal(reverseName('2001:db8::1'));
    });

    it('refuses a validation certificate without the digest over a real handshake', async () => {
      const { certificate, keys } = await issueTestCertificate(hierarchy.issuing);
      const server = tls.createServer({ ALPNProtocols: ['acme-tls/1'], cert: certificate.toString('pem'), key: await privateKeyPem(keys.privateKey) }, (socket) => { socket.end(); });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const problem = await problemOf(CHALLENGE_TYPES['tls-alpn-01'].validate(target('leaf.test', 'dns', (server.address() as AddressInfo).port)));
        expect(problem.errorName).to.equal('incorrectResponse');
      } finally {
        server.close();
      }
    });

    it('refuses a server that does not negotiate acme-tls/1', async () => {
      const { certificate, keys } = await issueTestCertificate(hierarchy.issuing);
      const server = tls.createServer({ cert: certificate.toString('pem'), key: await privateKeyPem(keys.privateKey) }, (socket) => { socket.end(); });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const problem = await problemOf(CHALLENGE_TYPES['tls-alpn-01'].validate(target('::1', 'ip', (server.address() as AddressInfo).port)));
        expect(problem.errorName).to.equal('tls');
      } finally {
        server.close();
      }
    });
  });

  describe('http-01 (RFC 8555 §8.3)', () => {
    it('refuses an answer other than 200 and sends the IP literal as Host', async () => {
      let host = '';
      const server = http.createServer((req, res) => { host = req.headers.host ?? ''; res.writeHead(404).end(); });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const problem = await problemOf(CHALLENGE_TYPES['http-01'].validate(target('::1', 'ip', port)));
        expect(problem.errorName).to.equal('incorrectResponse');
        expect(host).to.equal(`[::1]:${port}`);
      } finally {
        server.close();
      }
    });
  });

  describe('routes with the fewest dependencies', () => {
    let db: Database;
    before(async () => {
      db = await openDatabase({ url: 'sqlite::memory:', entities: acmeEntities, migrations: acmeMigrations });
      await db.migrate();
    });
    after(async () => { await db.close(); });

    it('serves a directory without terms and unknown renewal information without certificateBySerial', async () => {
      const app = new Koa();
      app.use(acmeRoutes({
        fork: () => db.fork(), publicUrl: () => 'https://ca.test', knownCa: () => Promise.resolve(true), requiresEab: () => false,
        eabKey: () => Promise.resolve(undefined), issue: () => Promise.reject(new Error('unused')), revoke: () => Promise.resolve('unknown'),
        challengePorts: { http: 80, tlsAlpn: 443 },
      }));
      const directory = await request(app.callback()).get('/acme/any/directory').expect(200);
      expect((directory.body as { meta: unknown }).meta).to.deep.equal({ externalAccountRequired: false });
      await request(app.callback()).get(`/acme/any/renewal-info/${certId('0a', '4f')}`).expect(404);
    });
  });
});
