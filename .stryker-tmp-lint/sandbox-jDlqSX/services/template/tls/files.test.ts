// @ts-nocheck
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors/index.ts';
import type { TemplateConfig } from '../config/schema.ts';
import { DAY_MS } from './issuing.ts';
import { ensureLocalCa } from './local-ca.ts';
import { ensureServerCertificate } from './server-certificate.ts';
import { loadTlsFiles, readCaFile } from './files.ts';
import type { TlsMaterial } from './server-options.ts';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.fail('expected a rejection');
}

describe('tls.mode files (PEM files from a Secret mount)', () => {
  let dir: string;
  let material: TlsMaterial;
  let otherKey: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cryptoutil-tls-files-'));
    const issuing = join(dir, 'issuing');
    const ca = await ensureLocalCa(issuing);
    material = await ensureServerCertificate(ca, issuing, 'kms', ['kms.default.svc']);
    otherKey = (await ensureServerCertificate(ca, issuing, 'other', ['other.default.svc'])).key;
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  function tls(overrides: Partial<TemplateConfig['tls']> = {}): TemplateConfig['tls'] {
    return { mode: 'files', certFile: file('tls.crt', material.cert), keyFile: file('tls.key', material.key), caFile: file('ca.crt', material.ca), names: [], ...overrides };
  }

  const now = new Date();

  async function usageMessage(promise: Promise<unknown>): Promise<string> {
    const error = await rejection(promise);
    expect(error).to.be.instanceOf(UsageError);
    return error.message;
  }

  it('loads certificate, key and CA bundle as they are', async () => {
    expect(await loadTlsFiles(tls(), now)).to.deep.equal(material);
  });

  it('leaves ca empty when tls.caFile is empty', async () => {
    expect((await loadTlsFiles(tls({ caFile: '' }), now)).ca).to.equal('');
  });

  it('accepts a CA bundle of several certificates', async () => {
    const bundle = file('bundle.crt', `${material.ca}${material.cert}`);
    expect((await loadTlsFiles(tls({ caFile: bundle }), now)).ca).to.equal(`${material.ca}${material.cert}`);
  });

  it('names tls.certFile and its path when it is missing', async () => {
    const missing = join(dir, 'missing.crt');
    expect(await usageMessage(loadTlsFiles(tls({ certFile: missing }), now))).to.equal(`cannot read tls.certFile ${missing}: ENOENT`);
  });

  it('names tls.keyFile and its path when it is missing', async () => {
    const missing = join(dir, 'missing.key');
    expect(await usageMessage(loadTlsFiles(tls({ keyFile: missing }), now))).to.equal(`cannot read tls.keyFile ${missing}: ENOENT`);
  });

  it('names tls.caFile and its path when it is missing', async () => {
    const missing = join(dir, 'missing-ca.crt');
    expect(await usageMessage(loadTlsFiles(tls({ caFile: missing }), now))).to.equal(`cannot read tls.caFile ${missing}: ENOENT`);
  });

  it('refuses a certificate file without a certificate', async () => {
    const path = file('garbage.crt', 'garbage');
    expect(await usageMessage(loadTlsFiles(tls({ certFile: path }), now))).to.equal(`tls.certFile ${path} does not hold a PEM certificate`);
  });

  it('refuses a key file without a usable key, without quoting it', async () => {
    const path = file('garbage.key', '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n');
    const message = await usageMessage(loadTlsFiles(tls({ keyFile: path }), now));
    expect(message).to.equal(`tls.keyFile ${path} does not hold an unencrypted PEM private key`);
    expect(message).not.to.include('c2VjcmV0');
  });

  it('refuses a key that does not belong to the certificate, naming both keys', async () => {
    const keyFile = file('other.key', otherKey);
    const certFile = join(dir, 'tls.crt');
    expect(await usageMessage(loadTlsFiles(tls({ keyFile }), now))).to.equal(
      `tls.keyFile ${keyFile} is not the private key of the certificate in tls.certFile ${certFile}`,
    );
  });

  it('refuses an expired certificate', async () => {
    const message = await usageMessage(loadTlsFiles(tls(), new Date(Date.now() + 400 * DAY_MS)));
    expect(message).to.match(/^tls\.certFile .*tls\.crt expired on \d{4}-\d\d-\d\dT/);
  });

  it('refuses a certificate that is not valid yet', async () => {
    const message = await usageMessage(loadTlsFiles(tls(), new Date(Date.now() - DAY_MS)));
    expect(message).to.match(/^tls\.certFile .*tls\.crt is not valid before \d{4}-\d\d-\d\dT/);
  });

  it('refuses a CA bundle without certificates or with a damaged one', async () => {
    const empty = file('empty-ca.crt', 'no pem here');
    const damaged = file('damaged-ca.crt', `${material.ca}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`);
    expect(await usageMessage(loadTlsFiles(tls({ caFile: empty }), now))).to.equal(`tls.caFile ${empty} must hold one or more PEM certificates`);
    expect(await usageMessage(readCaFile(damaged))).to.equal(`tls.caFile ${damaged} must hold one or more PEM certificates`);
  });
});
