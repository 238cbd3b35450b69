/**
 * An ACME server for tests: the middleware on a Koa app over real HTTPS (port 0), a test CA that
 * really signs what the server finalizes, and a revocation list the tests can read.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Database } from '../../template/database/index.ts';
import { x509 } from '../../template/tls/x509.ts';
import type { AcmeDeps, AcmeIssued, KnownCertificate, RevokeOutcome } from '../acme/context.ts';
import { acmeRoutes } from '../acme/routes.ts';
import { signingAlgorithm } from '../contract.ts';
import { createTestHierarchy, issueTestCertificate, pem, privateKeyPem, testSerial, type TestHierarchy } from './test-ca.ts';

const DAY_MS = 86_400_000;

export interface AcmeHarness {
  readonly hierarchy: TestHierarchy;
  readonly app: Koa;
  readonly deps: AcmeDeps & { challengePorts: { http: number; tlsAlpn: number } };
  /** Serial → reason name of every revocation the CA received. */
  readonly revoked: Map<string, string>;
  /** Serial → certificate the CA issued, for `certificateBySerial`. */
  readonly issued: Map<string, KnownCertificate & { readonly ca: string }>;
  /** EAB key id → HMAC key. */
  readonly eabKeys: Map<string, Uint8Array>;
  /** Moves the server's clock (ms added to the real time). */
  readonly clock: { offsetMs: number };
  /** Base URL once `listen` ran. */
  url(): string;
  /** Starts HTTPS on 127.0.0.1 port 0; the root CA PEM is what clients trust. */
  listen(): Promise<{ readonly url: string; readonly caPem: string }>;
  close(): Promise<void>;
}

/** Signs a CSR's key and SAN under the issuing CA, 90 days, as pki-ca's issue would. */
async function signCsr(hierarchy: TestHierarchy, csrDer: Uint8Array, now: Date): Promise<AcmeIssued> {
  const { issuing } = hierarchy;
  const csr = new x509.Pkcs10CertificateRequest(csrDer);
  const serialHex = testSerial();
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + 90 * DAY_MS);
  const san = csr.extensions.find((extension) => extension instanceof x509.SubjectAlternativeNameExtension);
  const aki = await x509.AuthorityKeyIdentifierExtension.create(issuing.certificate.publicKey);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex,
    subject: csr.subject,
    issuer: issuing.certificate.subject,
    notBefore,
    notAfter,
    publicKey: csr.publicKey,
    signingKey: issuing.privateKey,
    signingAlgorithm: signingAlgorithm(issuing.keyAlgorithm),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ...(san === undefined ? [] : [new x509.SubjectAlternativeNameExtension(san.names.toJSON(), false)]),
      aki,
    ],
  });
  return { serialHex, certificatePem: pem(certificate), chainPem: [pem(issuing.certificate)], notBefore, notAfter, akiHex: aki.keyId ?? '' };
}

/** The harness over an open, migrated database; `eab-ca` requires EAB, `test-ca` does not. */
export async function acmeHarness(db: Database): Promise<AcmeHarness> {
  const hierarchy = await createTestHierarchy('ES256');
  const revoked = new Map<string, string>();
  const issued = new Map<string, KnownCertificate & { readonly ca: string }>();
  const eabKeys = new Map<string, Uint8Array>();
  let base = 'https://127.0.0.1:1';
  const clock = { offsetMs: 0 };
  const now = (): Date => new Date(Date.now() + clock.offsetMs);
  const deps = {
    fork: () => db.fork(),
    publicUrl: () => base,
    knownCa: (name: string) => Promise.resolve(name === 'test-ca' || name === 'eab-ca'),
    requiresEab: (ca: string) => ca === 'eab-ca',
    eabKey: (keyId: string) => Promise.resolve(eabKeys.get(keyId)),
    issue: async (ca: string, csrDer: Uint8Array) => {
      const result = await signCsr(hierarchy, csrDer, now());
      issued.set(result.serialHex, { ca, certificatePem: result.certificatePem });
      return result;
    },
    revoke: (_ca: string, serialHex: string, reason: string): Promise<RevokeOutcome> => {
      if (!issued.has(serialHex)) return Promise.resolve('unknown');
      if (revoked.has(serialHex)) return Promise.resolve('already');
      revoked.set(serialHex, reason);
      return Promise.resolve('revoked');
    },
    certificateBySerial: (ca: string, serialHex: string) => Promise.resolve(issued.get(serialHex)?.ca === ca ? issued.get(serialHex) : undefined),
    challengePorts: { http: 1, tlsAlpn: 1 },
    resolve: () => '127.0.0.1',
    termsOfService: 'https://example.test/terms',
    now,
  };
  const app = new Koa();
  app.use(acmeRoutes(deps));
  app.use((ctx) => { ctx.status = 404; ctx.body = 'outside ACME'; });
  let server: https.Server | undefined;
  return {
    hierarchy, app, deps, revoked, issued, eabKeys, clock,
    url: () => base,
    async listen() {
      const { certificate, keys } = await issueTestCertificate(hierarchy.issuing, {
        subject: 'CN=localhost',
        extraExtensions: [],
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }]),
        ],
      });
      const handler = app.callback();
      const listening = https.createServer({ cert: `${pem(certificate)}\n${pem(hierarchy.issuing.certificate)}\n`, key: await privateKeyPem(keys.privateKey) }, (req, res) => { void handler(req, res); });
      server = listening;
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
      base = `https://127.0.0.1:${(listening.address() as AddressInfo).port}`;
      return { url: base, caPem: pem(hierarchy.root.certificate) };
    },
    async close() {
      const listening = server;
      if (listening === undefined) return;
      listening.closeAllConnections();
      await new Promise<void>((resolve) => listening.close(() => { resolve(); }));
    },
  };
}
