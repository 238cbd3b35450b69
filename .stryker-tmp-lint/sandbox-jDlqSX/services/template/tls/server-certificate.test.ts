// @ts-nocheck
import { expect } from 'chai';
import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors/index.ts';
import { x509 } from './x509.ts';
import { DAY_MS, ECDSA_SHA256, EC_P256 } from './issuing.ts';
import type { LocalCa } from './local-ca.ts';
import { LOCAL_CA_SUBJECT, ensureLocalCa } from './local-ca.ts';
import { ensureServerCertificate } from './server-certificate.ts';

const NAMES = ['localhost', '127.0.0.1', '::1'] as const;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.fail('expected a rejection');
}

/** A CA that claims to be `ca` (same name, same key identifier) but holds another key. */
async function impostorOf(ca: LocalCa): Promise<LocalCa> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const keyId = ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? '';
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: LOCAL_CA_SUBJECT,
    keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.SubjectKeyIdentifierExtension(keyId)],
  });
  return { certFile: ca.certFile, cert: certificate.toString('pem'), certificate, privateKey: keys.privateKey };
}

describe('server certificates issued by the local CA', () => {
  let dataDir: string;
  let ca: LocalCa;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cryptoutil-server-cert-'));
    ca = await ensureLocalCa(dataDir);
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const certFile = (): string => join(dataDir, 'tls', 'learn-ps.crt');
  const keyFile = (): string => join(dataDir, 'tls', 'learn-ps.key');

  describe('issuance', () => {
    it('writes <baseName>.crt and <baseName>.key (mode 0600) and returns them with the CA', async () => {
      const material = await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      expect(readFileSync(certFile(), 'utf8')).to.equal(material.cert);
      expect(readFileSync(keyFile(), 'utf8')).to.equal(material.key);
      expect(statSync(keyFile()).mode & 0o777).to.equal(0o600);
      expect(material.ca).to.equal(ca.cert);
      expect(material.key).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
    });

    it('carries DNS and IP SANs, serverAuth, digitalSignature, CA:false and the CA key identifier', async () => {
      const material = await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      const certificate = new x509.X509Certificate(material.cert);
      expect(certificate.subject).to.equal('CN=learn-ps');
      expect(certificate.issuer).to.equal(LOCAL_CA_SUBJECT);
      expect(certificate.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).to.deep.equal([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]);
      expect(certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages).to.deep.equal([x509.ExtendedKeyUsage.serverAuth]);
      const usage = certificate.getExtension(x509.KeyUsagesExtension);
      expect(usage?.usages).to.equal(x509.KeyUsageFlags.digitalSignature);
      expect(usage?.critical).to.equal(true);
      expect(certificate.getExtension(x509.BasicConstraintsExtension)?.ca).to.equal(false);
      expect(certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).to.equal(
        ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
      );
      expect(await certificate.verify({ publicKey: ca.certificate.publicKey, signatureOnly: true })).to.equal(true);
      const days = (certificate.notAfter.getTime() - certificate.notBefore.getTime()) / DAY_MS;
      expect(days).to.be.within(364, 366);
    });

    it('pairs the key with the certificate', async () => {
      const material = await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      expect(new X509Certificate(material.cert).checkPrivateKey(createPrivateKey(material.key))).to.equal(true);
    });
  });

  describe('reuse across restarts', () => {
    it('returns the same certificate and key, byte for byte', async () => {
      const first = await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      const second = await ensureServerCertificate(await ensureLocalCa(dataDir), dataDir, 'learn-ps', NAMES);
      expect(second).to.deep.equal(first);
    });

    it('keeps a certificate that still covers a shorter list of names', async () => {
      const first = await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      expect((await ensureServerCertificate(ca, dataDir, 'learn-ps', ['localhost'])).cert).to.equal(first.cert);
    });

    it('keeps one certificate per service name side by side', async () => {
      const kms = await ensureServerCertificate(ca, dataDir, 'sm-kms', NAMES);
      const pets = await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      expect(kms.cert).not.to.equal(pets.cert);
      expect((await ensureServerCertificate(ca, dataDir, 'sm-kms', NAMES)).cert).to.equal(kms.cert);
    });

    it('keeps a certificate with 31 days left', async () => {
      const first = await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      const late = new Date(new X509Certificate(first.cert).validToDate.getTime() - 31 * DAY_MS);
      expect((await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES, { now: () => late })).cert).to.equal(first.cert);
    });

    it('restores mode 0600 on a reused key', async () => {
      await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      chmodSync(keyFile(), 0o644);
      await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      expect(statSync(keyFile()).mode & 0o777).to.equal(0o600);
    });
  });

  describe('reissue with a new key', () => {
    async function reissued(change: () => Promise<Parameters<typeof ensureServerCertificate>> | Parameters<typeof ensureServerCertificate>): Promise<void> {
      const first = await ensureServerCertificate(ca, dataDir, 'learn-ps', NAMES);
      const second = await ensureServerCertificate(...(await change()));
      expect(second.cert).not.to.equal(first.cert);
      expect(second.key).not.to.equal(first.key);
      expect(readFileSync(certFile(), 'utf8')).to.equal(second.cert);
    }

    it('when a name is added', async () => {
      await reissued(() => [ca, dataDir, 'learn-ps', [...NAMES, 'pets.example']]);
      const sans = new X509Certificate(readFileSync(certFile())).subjectAltName;
      expect(sans).to.include('DNS:pets.example');
    });

    it('when less than 30 days are left', async () => {
      await reissued(() => [ca, dataDir, 'learn-ps', NAMES, { now: () => new Date(Date.now() + 340 * DAY_MS) }]);
    });

    it('when the clock is before its notBefore', async () => {
      await reissued(() => [ca, dataDir, 'learn-ps', NAMES, { now: () => new Date(Date.now() - DAY_MS) }]);
    });

    it('when the local CA was replaced', async () => {
      await reissued(async () => {
        rmSync(join(dataDir, 'tls', 'ca.key'));
        return [await ensureLocalCa(dataDir), dataDir, 'learn-ps', NAMES];
      });
    });

    it('when a CA with the same name and key identifier but another key asks (signature checked)', async () => {
      await reissued(async () => [await impostorOf(ca), dataDir, 'learn-ps', NAMES]);
    });

    it('when the key file does not match the certificate', async () => {
      await reissued(async () => {
        const other = await ensureServerCertificate(ca, dataDir, 'other', NAMES);
        writeFileSync(keyFile(), other.key);
        return [ca, dataDir, 'learn-ps', NAMES];
      });
    });

    it('when the certificate file is damaged', async () => {
      await reissued(() => {
        writeFileSync(certFile(), 'damaged');
        return [ca, dataDir, 'learn-ps', NAMES];
      });
    });

    it('when the key file is missing', async () => {
      await reissued(() => {
        rmSync(keyFile());
        return [ca, dataDir, 'learn-ps', NAMES];
      });
    });
  });

  describe('refusals', () => {
    it('no names is a usage error naming tls.names', async () => {
      const error = await rejection(ensureServerCertificate(ca, dataDir, 'learn-ps', []));
      expect(error).to.be.instanceOf(UsageError);
      expect(error.message).to.equal('"tls.names" must list at least one DNS name or IP address');
    });

    it('a name that is neither a DNS name nor an IP is a usage error naming its position', async () => {
      const error = await rejection(ensureServerCertificate(ca, dataDir, 'learn-ps', ['localhost', 'bad name']));
      expect(error).to.be.instanceOf(UsageError);
      expect(error.message).to.equal('"tls.names" entry 2 must be a DNS name or an IP address');
    });

    for (const baseName of ['ca', '../escape', '', '.hidden', 'a/b']) {
      it(`a base name ${JSON.stringify(baseName)} is a programming error`, async () => {
        const error = await rejection(ensureServerCertificate(ca, dataDir, baseName, NAMES));
        expect(error).not.to.be.instanceOf(UsageError);
        expect(error.message).to.equal(`"${baseName}" cannot name a server certificate file`);
      });
    }
  });
});
