// @ts-nocheck
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors/index.ts';
import { x509 } from './x509.ts';
import { DAY_MS } from './issuing.ts';
import { LOCAL_CA_SUBJECT, ensureLocalCa } from './local-ca.ts';

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.fail('expected a rejection');
}

describe('local development CA (tls.mode auto)', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cryptoutil-ca-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('creation', () => {
    it('writes ca.crt and ca.key (PKCS#8, mode 0600) in a 0700 directory', async () => {
      const ca = await ensureLocalCa(dataDir);
      const dir = join(dataDir, 'tls');
      expect(ca.certFile).to.equal(join(dir, 'ca.crt'));
      expect(readFileSync(ca.certFile, 'utf8')).to.equal(ca.cert);
      expect(readFileSync(join(dir, 'ca.key'), 'utf8')).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(mode(join(dir, 'ca.key'))).to.equal(0o600);
      expect(mode(dir)).to.equal(0o700);
    });

    it('is a self-signed ECDSA P-256 root limited to signing end-entity certificates, valid about 10 years', async () => {
      const ca = await ensureLocalCa(dataDir);
      const certificate = new x509.X509Certificate(ca.cert);
      expect(certificate.subject).to.equal(LOCAL_CA_SUBJECT);
      expect(certificate.issuer).to.equal(LOCAL_CA_SUBJECT);
      expect(await certificate.isSelfSigned()).to.equal(true);
      expect(certificate.publicKey.algorithm).to.include({ name: 'ECDSA', namedCurve: 'P-256' });
      expect(certificate.signatureAlgorithm).to.deep.include({ name: 'ECDSA', hash: { name: 'SHA-256' } });
      const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
      expect(constraints).to.include({ ca: true, pathLength: 0, critical: true });
      const usage = certificate.getExtension(x509.KeyUsagesExtension);
      expect(usage?.critical).to.equal(true);
      expect(usage?.usages).to.equal(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
      expect(certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).to.match(/^[0-9a-f]{40}$/);
      const years = (certificate.notAfter.getTime() - certificate.notBefore.getTime()) / (365 * DAY_MS);
      expect(years).to.be.within(9.9, 10.1);
      expect(certificate.notBefore.getTime()).to.be.below(Date.now());
    });

    it('gets a random positive serial number', async () => {
      const first = new X509Certificate((await ensureLocalCa(dataDir)).cert).serialNumber;
      const other = mkdtempSync(join(tmpdir(), 'cryptoutil-ca-'));
      try {
        const second = new X509Certificate((await ensureLocalCa(other)).cert).serialNumber;
        expect(first).to.match(/^[4-7][0-9A-F]{31}$/);
        expect(second).not.to.equal(first);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });

    it('holds a sign-only, non-extractable key that matches the certificate', async () => {
      const ca = await ensureLocalCa(dataDir);
      expect(ca.privateKey.extractable).to.equal(false);
      expect(ca.privateKey.usages).to.deep.equal(['sign']);
      expect(ca.certificate.serialNumber).to.equal(new x509.X509Certificate(ca.cert).serialNumber);
    });

    it('tightens an existing data directory to 0700', async () => {
      mkdirSync(join(dataDir, 'tls'), { mode: 0o755 });
      chmodSync(join(dataDir, 'tls'), 0o755);
      await ensureLocalCa(dataDir);
      expect(mode(join(dataDir, 'tls'))).to.equal(0o700);
    });
  });

  describe('reuse', () => {
    it('returns the same CA, byte for byte, on every later call', async () => {
      const first = await ensureLocalCa(dataDir);
      const second = await ensureLocalCa(dataDir);
      expect(second.cert).to.equal(first.cert);
      expect(readFileSync(second.certFile, 'utf8')).to.equal(first.cert);
    });

    it('creates the CA once when several services ask at the same time', async () => {
      const all = await Promise.all([ensureLocalCa(dataDir), ensureLocalCa(dataDir), ensureLocalCa(dataDir)]);
      expect(new Set(all.map((ca) => ca.cert)).size).to.equal(1);
    });

    it('restores mode 0600 on a reused key', async () => {
      await ensureLocalCa(dataDir);
      chmodSync(join(dataDir, 'tls', 'ca.key'), 0o644);
      await ensureLocalCa(dataDir);
      expect(mode(join(dataDir, 'tls', 'ca.key'))).to.equal(0o600);
    });

    it('replaces a CA with less than 30 days left', async () => {
      const first = await ensureLocalCa(dataDir);
      const late = new Date(first.certificate.notAfter.getTime() - 29 * DAY_MS);
      const renewed = await ensureLocalCa(dataDir, { now: () => late });
      expect(renewed.cert).not.to.equal(first.cert);
      expect(renewed.certificate.notAfter.getTime()).to.be.above(late.getTime() + 9 * 365 * DAY_MS);
    });

    it('keeps a CA with 31 days left', async () => {
      const first = await ensureLocalCa(dataDir);
      const late = new Date(first.certificate.notAfter.getTime() - 31 * DAY_MS);
      expect((await ensureLocalCa(dataDir, { now: () => late })).cert).to.equal(first.cert);
    });

    it('creates a new CA when one of the two files is missing', async () => {
      const first = await ensureLocalCa(dataDir);
      unlinkSync(join(dataDir, 'tls', 'ca.key'));
      const second = await ensureLocalCa(dataDir);
      expect(second.cert).not.to.equal(first.cert);
      unlinkSync(second.certFile);
      expect((await ensureLocalCa(dataDir)).cert).not.to.equal(second.cert);
    });
  });

  describe('damaged material stops start-up instead of being replaced', () => {
    it('an unreadable certificate', async () => {
      await ensureLocalCa(dataDir);
      writeFileSync(join(dataDir, 'tls', 'ca.crt'), 'not a certificate');
      const error = await rejection(ensureLocalCa(dataDir));
      expect(error).to.be.instanceOf(UsageError);
      expect(error.message).to.equal(
        `the local CA in ${join(dataDir, 'tls')} is unusable (unreadable, or ca.key does not match ca.crt): remove ca.crt and ca.key to create a new one`,
      );
    });

    it('a key that does not belong to the certificate', async () => {
      await ensureLocalCa(dataDir);
      const other = mkdtempSync(join(tmpdir(), 'cryptoutil-ca-'));
      try {
        await ensureLocalCa(other);
        writeFileSync(join(dataDir, 'tls', 'ca.key'), readFileSync(join(other, 'tls', 'ca.key')));
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
      expect(await rejection(ensureLocalCa(dataDir))).to.be.instanceOf(UsageError);
    });

    it('every caller waiting behind a failure gets the failure too', async () => {
      await ensureLocalCa(dataDir);
      writeFileSync(join(dataDir, 'tls', 'ca.key'), 'garbage');
      const results = await Promise.allSettled([ensureLocalCa(dataDir), ensureLocalCa(dataDir)]);
      expect(results.map((result) => result.status)).to.deep.equal(['rejected', 'rejected']);
    });

    it('a file that cannot be read names its path', async () => {
      mkdirSync(join(dataDir, 'tls', 'ca.crt'), { recursive: true });
      const error = await rejection(ensureLocalCa(dataDir));
      expect(error).to.be.instanceOf(UsageError);
      expect(error.message).to.equal(`cannot read ${join(dataDir, 'tls', 'ca.crt')}: EISDIR`);
    });

    it('a data directory that cannot hold the TLS directory', async () => {
      const notADirectory = join(dataDir, 'file');
      writeFileSync(notADirectory, '');
      const error = await rejection(ensureLocalCa(notADirectory));
      expect(error).to.be.instanceOf(UsageError);
      expect(error.message).to.equal(`cannot create the TLS directory ${join(notADirectory, 'tls')} under dataDir: ENOTDIR`);
    });
  });
});
