// @ts-nocheck
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates } from 'node:tls';
import { UsageError } from '../errors/index.ts';
import type { TemplateConfig } from '../config/schema.ts';
import { ensureLocalCa } from './local-ca.ts';
import { joinPem, localCaFile, trustedCa, withDefaultCas } from './trust.ts';

describe('CA certificates trusted by outgoing calls', () => {
  let dataDir: string;
  const bundle = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cryptoutil-trust-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  function config(tls: Partial<TemplateConfig['tls']>): Pick<TemplateConfig, 'tls' | 'dataDir'> {
    return { dataDir, tls: { mode: 'auto', certFile: '', keyFile: '', caFile: '', names: ['localhost'], ...tls } };
  }

  it('auto mode: the local CA once it exists', async () => {
    expect(trustedCa(config({}))).to.equal('');
    const ca = await ensureLocalCa(dataDir);
    expect(localCaFile(dataDir)).to.equal(ca.certFile);
    expect(trustedCa(config({}))).to.equal(ca.cert);
  });

  it('auto mode with tls.caFile: the bundle, then the local CA', async () => {
    const ca = await ensureLocalCa(dataDir);
    const caFile = join(dataDir, 'extra.crt');
    writeFileSync(caFile, bundle);
    expect(trustedCa(config({ caFile }))).to.equal(`${bundle}\n${ca.cert}`);
  });

  it('files mode: only tls.caFile, never a local CA lying around', async () => {
    await ensureLocalCa(dataDir);
    const caFile = join(dataDir, 'ca.crt');
    writeFileSync(caFile, `${bundle}\n`);
    expect(trustedCa(config({ mode: 'files', caFile }))).to.equal(`${bundle}\n`);
    expect(trustedCa(config({ mode: 'files' }))).to.equal('');
  });

  it('a tls.caFile that cannot be read is a usage error naming key and path', () => {
    const caFile = join(dataDir, 'missing.crt');
    expect(() => trustedCa(config({ caFile }))).to.throw(UsageError, `cannot read tls.caFile ${caFile}: ENOENT`);
  });

  it('a local CA path that cannot be read is a usage error naming the path', () => {
    mkdirSync(localCaFile(dataDir), { recursive: true });
    expect(() => trustedCa(config({}))).to.throw(UsageError, `cannot read the local CA ${localCaFile(dataDir)}: EISDIR`);
  });

  it('joinPem ends every bundle with a newline and skips empty ones', () => {
    expect(joinPem('a', '', 'b\n')).to.equal('a\nb\n');
    expect(joinPem()).to.equal('');
  });

  it('withDefaultCas keeps Node\'s default store (roots, NODE_EXTRA_CA_CERTS) and adds tls.caFile last', () => {
    expect(withDefaultCas(bundle)).to.deep.equal([...getCACertificates('default'), bundle]);
    expect(withDefaultCas('')).to.equal(undefined);
    expect(withDefaultCas(undefined)).to.equal(undefined);
  });
});
