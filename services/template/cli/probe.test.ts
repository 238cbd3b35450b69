import { expect } from 'chai';
import https from 'node:https';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config/index.ts';
import { trustedCa } from '../tls/index.ts';
import { testTlsMaterial } from '../testing/tls.ts';
import { services } from '../../registry.ts';
import { OPERATOR_PROBE_DEFAULTS, PROBE_SERVICES, probeCa, probeCommand, readProbeConfig, runProbe } from './probe.ts';

type Env = Readonly<Record<string, string | undefined>>;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'probe-'));
}

async function yamlFile(dir: string, name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function probe(args: readonly string[], env: Env = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = probeCommand(args);
  if (command === undefined) throw new Error(`not a probe: ${args.join(' ')}`);
  let stdout = '';
  let stderr = '';
  const code = await runProbe(command, { env, stdout: (text) => { stdout += text; }, stderr: (text) => { stderr += text; } });
  return { code, stdout, stderr };
}

/** A tiny admin listener: livez answers 200, readyz 503. */
async function adminServer(): Promise<{ port: number; ca: string; close: () => void }> {
  const material = await testTlsMaterial();
  const server = https.createServer({ cert: material.cert, key: material.key, minVersion: 'TLSv1.3' }, (request, response) => {
    const ready = request.url === '/admin/v1/livez';
    response.statusCode = ready ? 200 : 503;
    response.end(ready ? '{"status":"alive"}' : '{"status":"not-ready"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, ca: material.ca, close: () => server.close() };
}

describe('the probe fast path', () => {
  it('knows every service of the registry', () => {
    expect(PROBE_SERVICES).to.deep.equal(services.map((service) => service.name));
  });

  it('takes only well-formed livez and readyz commands of a known service', () => {
    expect(probeCommand(['sm-kms', 'livez'])).to.deep.equal({ kind: 'service', path: '/admin/v1/livez', configFiles: [] });
    expect(probeCommand(['pki-ca', 'readyz', '--config', 'a.yml', '-c', 'b.yml'])).to.deep.equal({ kind: 'service', path: '/admin/v1/readyz', configFiles: ['a.yml', 'b.yml'] });
    expect(probeCommand(['operator', 'livez'])).to.deep.equal({ kind: 'operator', path: '/admin/v1/livez', ...OPERATOR_PROBE_DEFAULTS });
    expect(probeCommand(['operator', 'readyz', '--admin-port', '9555', '--data-dir', '/d', '--kubeconfig', 'k'])).to.deep.equal({ kind: 'operator', path: '/admin/v1/readyz', port: 9555, dataDir: '/d' });
    for (const argv of [[], ['sm-kms'], ['sm-kms', 'start'], ['nope', 'livez'], ['operator', 'start'], ['operator', 'livez', '--admin-port', '99999'], ['operator', 'livez', '--admin-port', 'x'], ['operator', 'livez', '--help'], ['sm-kms', 'livez', '--help'], ['sm-kms', 'livez', 'extra'], ['sm-kms', 'livez', '--bogus']]) {
      expect(probeCommand(argv), argv.join(' ')).to.equal(undefined);
    }
  });

  it('reads the probe keys exactly as the full loader does', async () => {
    const dir = await tempDir();
    const secret = await yamlFile(dir, 'port.txt', '9444\n');
    const first = await yamlFile(dir, 'a.yml', `admin:\n  port: 9311\ntls:\n  mode: files\n  certFile: ${join(dir, 'c.pem')}\n  keyFile: ${join(dir, 'k.pem')}\n  caFile: ${join(dir, 'ca.pem')}\ndataDir: ${dir}\n`);
    const second = await yamlFile(dir, 'b.yml', 'admin:\n  address: "::1"\n  port: 9312\ntls:\n');
    const dotted = await yamlFile(dir, 'c.yml', 'admin.port: 9313\nlog:\n  level: debug\n');
    const cases: { files: string[]; env: Env }[] = [
      { files: [], env: {} },
      { files: [first], env: {} },
      { files: [first, second], env: {} },
      { files: [second, dotted], env: {} },
      { files: [first, second], env: { CRYPTOUTIL_ADMIN_PORT: '9400', CRYPTOUTIL_TLS_MODE: 'auto', OTHER: 'x' } },
      { files: [second], env: { CRYPTOUTIL_ADMIN_PORT: pathToFileURL(secret).href, CRYPTOUTIL_DATADIR: '/tmp/elsewhere', CRYPTOUTIL_ADMIN_ADDRESS: '127.0.0.2' } },
    ];
    for (const { files, env } of cases) {
      const full = loadConfig({ serviceName: 'sm-kms', publicPort: 8080, files, env });
      const fast = await readProbeConfig(files, env);
      expect(fast).to.deep.equal({ address: full.admin.address, port: full.admin.port, caFile: full.tls.caFile, mode: full.tls.mode, dataDir: full.dataDir });
    }
  });

  it('builds the same CA bundle as the full path', async () => {
    const dir = await tempDir();
    const material = await testTlsMaterial();
    const other = await testTlsMaterial();
    await mkdir(join(dir, 'tls'));
    await writeFile(join(dir, 'tls', 'ca.crt'), material.ca.trimEnd());
    await writeFile(join(dir, 'extra.pem'), other.ca);
    for (const env of [{ CRYPTOUTIL_DATADIR: dir }, { CRYPTOUTIL_DATADIR: dir, CRYPTOUTIL_TLS_CAFILE: join(dir, 'extra.pem') }, { CRYPTOUTIL_DATADIR: dir, CRYPTOUTIL_TLS_MODE: 'files', CRYPTOUTIL_TLS_CERTFILE: 'c.pem', CRYPTOUTIL_TLS_KEYFILE: 'k.pem' }]) {
      const full = loadConfig({ serviceName: 'sm-kms', publicPort: 8080, files: [], env });
      expect(probeCa(await readProbeConfig([], env))).to.equal(trustedCa(full));
    }
  });

  it('exits 0 with the body when the endpoint answers 200, 1 when it answers otherwise', async () => {
    const server = await adminServer();
    const dir = await tempDir();
    await writeFile(join(dir, 'ca.pem'), server.ca);
    const env = { CRYPTOUTIL_ADMIN_PORT: String(server.port), CRYPTOUTIL_TLS_CAFILE: join(dir, 'ca.pem'), CRYPTOUTIL_DATADIR: dir };
    try {
      expect(await probe(['sm-kms', 'livez'], env)).to.deep.equal({ code: 0, stdout: '{"status":"alive"}\n', stderr: '' });
      expect(await probe(['sm-kms', 'readyz'], env)).to.deep.equal({ code: 1, stdout: '{"status":"not-ready"}\n', stderr: '' });
    } finally {
      server.close();
    }
  });

  it('exits 1 when the admin endpoint is not reachable or not trusted', async () => {
    const server = await adminServer();
    const dir = await tempDir();
    const other = await testTlsMaterial();
    await writeFile(join(dir, 'other.pem'), other.ca);
    try {
      const untrusted = await probe(['sm-kms', 'livez'], { CRYPTOUTIL_ADMIN_PORT: String(server.port), CRYPTOUTIL_TLS_CAFILE: join(dir, 'other.pem'), CRYPTOUTIL_DATADIR: dir });
      expect(untrusted.code).to.equal(1);
      expect(untrusted.stderr).to.match(/^cryptoutil: admin endpoint not reachable: /);
    } finally {
      server.close();
    }
    const closed = await probe(['sm-kms', 'livez'], { CRYPTOUTIL_ADMIN_PORT: String(server.port), CRYPTOUTIL_DATADIR: dir });
    expect(closed.code).to.equal(1);
    expect(closed.stderr).to.include('ECONNREFUSED');
  });

  it('probes the operator with the local CA of its data directory', async () => {
    const server = await adminServer();
    const dir = await tempDir();
    await mkdir(join(dir, 'tls'));
    await writeFile(join(dir, 'tls', 'ca.crt'), server.ca);
    try {
      const flags = ['--admin-port', String(server.port), '--data-dir', dir];
      expect(await probe(['operator', 'livez', ...flags])).to.deep.equal({ code: 0, stdout: '{"status":"alive"}\n', stderr: '' });
      expect((await probe(['operator', 'readyz', ...flags])).code).to.equal(1);
      const noCa = await probe(['operator', 'livez', '--admin-port', String(server.port), '--data-dir', join(dir, 'none')]);
      expect(noCa.code).to.equal(1);
      expect(noCa.stderr).to.match(/^cryptoutil: operator admin endpoint not reachable: .*ENOENT/);
    } finally {
      server.close();
    }
  });

  it('exits 2 on bad configuration, naming the key and its source', async () => {
    const dir = await tempDir();
    const badYaml = await yamlFile(dir, 'bad.yml', 'admin: [\n');
    const badPort = await yamlFile(dir, 'port.yml', 'admin:\n  port: 70000\n');
    const badAddress = await yamlFile(dir, 'address.yml', 'admin:\n  address: 12\n');
    const expectations: { args: string[]; env: Env; message: string }[] = [
      { args: [], env: { CRYPTOUTIL_ADMIN_PORT: '80x' }, message: 'invalid value for "admin.port" from environment CRYPTOUTIL_ADMIN_PORT: must be a port number (0-65535)' },
      { args: ['-c', badPort], env: {}, message: `invalid value for "admin.port" from config file ${badPort}` },
      { args: ['-c', badAddress], env: {}, message: `invalid value for "admin.address" from config file ${badAddress}: must be a string` },
      { args: [], env: { CRYPTOUTIL_TLS_MODE: 'manual' }, message: 'invalid value for "tls.mode" from environment CRYPTOUTIL_TLS_MODE: must be one of auto, files' },
      { args: [], env: { CRYPTOUTIL_TLS_CAFILE: join(dir, 'missing.pem') }, message: `cannot read tls.caFile ${join(dir, 'missing.pem')}: ENOENT` },
      { args: [], env: { CRYPTOUTIL_TLS_CAFILE: 'file://relative' }, message: '"tls.caFile" from environment CRYPTOUTIL_TLS_CAFILE: a file reference must be file:///absolute/path' },
      { args: [], env: { CRYPTOUTIL_ADMIN_PORT: pathToFileURL(join(dir, 'none')).href }, message: `referenced by "admin.port" from environment CRYPTOUTIL_ADMIN_PORT: ENOENT` },
      { args: ['-c', join(dir, 'absent.yml')], env: {}, message: `cannot read config file ${join(dir, 'absent.yml')}: ENOENT` },
      { args: ['-c', badYaml], env: {}, message: `invalid YAML in config file ${badYaml}` },
    ];
    for (const { args, env, message } of expectations) {
      const result = await probe(['sm-kms', 'livez', ...args], { CRYPTOUTIL_DATADIR: dir, ...env });
      expect(result.code, message).to.equal(2);
      expect(result.stderr).to.match(/^cryptoutil: /);
      expect(result.stderr).to.include(message);
    }
  });
});
