import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { once } from 'node:events';
import type { TemplateConfig } from '../config/schema.ts';
import { captureLogs } from '../testing/logs.ts';
import { startTestService, type ServiceHarness } from '../testing/service-harness.ts';
import { ensureLocalCa, type LocalCa } from './local-ca.ts';
import { ensureServerCertificate } from './server-certificate.ts';
import type { TlsMaterial } from './server-options.ts';
import { reloadOnChangeOrHangup, watchTlsFiles } from './reload.ts';

const NAMES = ['localhost', '127.0.0.1'];

/** A Secret volume as the kubelet writes it: `..<stamp>/` with the files, `..data` → it, `tls.crt` → `..data/tls.crt`. */
class SecretVolume {
  #generation = 0;
  readonly dir: string;
  constructor(dir: string) { this.dir = dir; }

  get certFile(): string { return join(this.dir, 'tls.crt'); }
  get keyFile(): string { return join(this.dir, 'tls.key'); }

  /** The kubelet's atomic writer: new timestamped directory, then one rename of the `..data` link. */
  async publish(material: { cert: string; key: string }): Promise<void> {
    this.#generation += 1;
    const stamp = `..2026_12_03_${String(this.#generation)}`;
    await mkdir(join(this.dir, stamp));
    await writeFile(join(this.dir, stamp, 'tls.crt'), material.cert);
    await writeFile(join(this.dir, stamp, 'tls.key'), material.key);
    await symlink(stamp, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (this.#generation === 1) {
      await symlink('..data/tls.crt', this.certFile);
      await symlink('..data/tls.key', this.keyFile);
    }
  }
}

/** Writes each file beside its target and renames it over it, as cert-manager-csi and most tools do. */
async function renameInto(dir: string, material: { cert: string; key: string }): Promise<void> {
  await writeFile(join(dir, 'tls.crt.new'), material.cert);
  await writeFile(join(dir, 'tls.key.new'), material.key);
  await rename(join(dir, 'tls.crt.new'), join(dir, 'tls.crt'));
  await rename(join(dir, 'tls.key.new'), join(dir, 'tls.key'));
}

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** A TLS connection to the service, kept open across requests (HTTP/1.1 keep-alive). */
async function connect(url: string, ca: string): Promise<tls.TLSSocket> {
  const { port } = new URL(url);
  const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca, servername: 'localhost' });
  await once(socket, 'secureConnect');
  return socket;
}

/** One request on an open connection; resolves with the status line. */
async function statusLine(socket: tls.TLSSocket): Promise<string> {
  socket.write('GET /no-such-path HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
  let text = '';
  while (!text.includes('\r\n\r\n')) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    text += chunk.toString();
  }
  return text.slice(0, text.indexOf('\r\n'));
}

async function servedFingerprint(url: string, ca: string): Promise<string> {
  const socket = await connect(url, ca);
  const { fingerprint256 } = socket.getPeerCertificate();
  socket.destroy();
  return fingerprint256;
}

/** Polls new handshakes until they see `expected` (the reload is debounced and asynchronous). */
async function untilServed(url: string, ca: string, expected: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (await servedFingerprint(url, ca) !== expected) {
    if (Date.now() > deadline) throw new Error(`new connections never saw ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('TLS certificate reload (tls.mode files)', function () {
  this.timeout(20_000);
  let root: string;
  let ca: LocalCa;
  const issued: TlsMaterial[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cryptoutil-tls-reload-'));
    ca = await ensureLocalCa(join(root, 'issuing'));
    for (const name of ['first', 'second', 'third']) {
      issued.push(await ensureServerCertificate(ca, join(root, 'issuing'), name, NAMES));
    }
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function material(index: number): TlsMaterial {
    const found = issued[index];
    if (found === undefined) throw new Error(`no certificate ${String(index)}`);
    return found;
  }

  describe('a running service', () => {
    let volume: SecretVolume;
    let harness: ServiceHarness;
    const logs = captureLogs();

    beforeEach(async () => {
      volume = new SecretVolume(await mkdtemp(join(root, 'mount-')));
      await volume.publish(material(0));
      harness = await startTestService({ tls: { mode: 'files', certFile: volume.certFile, keyFile: volume.keyFile } }, logs.logger);
    });

    afterEach(async () => {
      await harness.close();
    });

    it('serves a Secret update (..data symlink swap) to new connections while an open one keeps working', async () => {
      const { publicUrl, adminUrl } = harness.service;
      const open = await connect(publicUrl, ca.cert);
      expect(open.getPeerCertificate().fingerprint256).to.equal(fingerprintOf(material(0).cert));
      expect(await statusLine(open)).to.equal('HTTP/1.1 404 Not Found');

      await volume.publish(material(1));
      await untilServed(publicUrl, ca.cert, fingerprintOf(material(1).cert));
      await untilServed(adminUrl, ca.cert, fingerprintOf(material(1).cert));

      expect(await statusLine(open)).to.equal('HTTP/1.1 404 Not Found');
      expect(open.getPeerCertificate().fingerprint256).to.equal(fingerprintOf(material(0).cert));
      open.destroy();
      const reloaded = logs.records().filter((record) => record.msg === 'tls certificate reloaded');
      expect(reloaded.at(-1)).to.include({ fingerprintSha256: fingerprintOf(material(1).cert) });
      expect(logs.lines.join('\n')).to.not.include('PRIVATE KEY');
    });

    it('takes a cert-manager renewal the same way: a new key, tls.crt holding the chain', async () => {
      const { publicUrl } = harness.service;
      await volume.publish({ cert: `${material(2).cert}${ca.cert}`, key: material(2).key });
      await untilServed(publicUrl, ca.cert, fingerprintOf(material(2).cert));
    });

    it('keeps the certificate in use when the new key does not match, and takes the next good update', async () => {
      const { publicUrl } = harness.service;
      await volume.publish({ cert: material(1).cert, key: material(2).key });
      await volume.publish({ cert: 'not a certificate', key: material(2).key });
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await servedFingerprint(publicUrl, ca.cert)).to.equal(fingerprintOf(material(0).cert));
      const refused = logs.records().filter((record) => record.msg === 'tls files changed but cannot be served; the certificate in use is kept');
      expect(refused.at(-1)?.reason).to.match(/^tls\.(certFile|keyFile) /u);

      await volume.publish(material(2));
      await untilServed(publicUrl, ca.cert, fingerprintOf(material(2).cert));
    });

    it('reloads on SIGHUP, the handler the service installs in files mode', async () => {
      // The service's handler is what keeps this signal from ending the test process.
      expect(process.listenerCount('SIGHUP')).to.be.greaterThan(0);
      process.kill(process.pid, 'SIGHUP');
      await once(process, 'SIGHUP');
      expect(logs.records().some((record) => record.msg === 'SIGHUP: reloading tls files')).to.equal(true);
    });
  });

  describe('the watcher', () => {
    let dir: string;
    let files: TemplateConfig['tls'];

    beforeEach(async () => {
      dir = await mkdtemp(join(root, 'plain-'));
      await renameInto(dir, material(0));
      files = { mode: 'files', certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: '', names: [] };
    });

    it('applies files renamed into place once, after the last event', async () => {
      const applied: TlsMaterial[] = [];
      const reloader = watchTlsFiles({ tls: files, current: material(0), apply: (next) => applied.push(next), log: captureLogs().logger, debounceMs: 100 });
      try {
        await renameInto(dir, material(1));
        const deadline = Date.now() + 5_000;
        while (applied.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(applied.map((next) => next.cert)).to.deep.equal([material(1).cert]);
      } finally {
        reloader.close();
      }
    });

    it('applies nothing when the files did not change', async () => {
      const applied: TlsMaterial[] = [];
      const reloader = watchTlsFiles({ tls: files, current: material(0), apply: (next) => applied.push(next), log: captureLogs().logger });
      try {
        expect(await reloader.reload()).to.equal(false);
        await renameInto(dir, material(0));
        expect(await reloader.reload()).to.equal(false);
        expect(applied).to.deep.equal([]);
      } finally {
        reloader.close();
      }
    });

    it('refuses a certificate that is not valid yet by the injected clock', async () => {
      const logs = captureLogs();
      const reloader = watchTlsFiles({ tls: files, current: material(0), apply: () => expect.fail('applied'), log: logs.logger, now: () => new Date('2000-01-01T00:00:00Z') });
      try {
        await renameInto(dir, material(1));
        expect(await reloader.reload()).to.equal(false);
        expect(logs.records().at(-1)?.reason).to.match(/is not valid before/u);
      } finally {
        reloader.close();
      }
    });

    it('SIGHUP reloads without any file event (manual trigger)', async () => {
      const applied: TlsMaterial[] = [];
      const handlers = process.listenerCount('SIGHUP');
      // A debounce longer than the test: only the signal can reload.
      const stop = reloadOnChangeOrHangup({ tls: files, current: material(0), apply: (next) => applied.push(next), log: captureLogs().logger, debounceMs: 60_000 });
      try {
        await renameInto(dir, material(2));
        process.kill(process.pid, 'SIGHUP');
        const deadline = Date.now() + 5_000;
        while (applied.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(applied.map((next) => next.cert)).to.deep.equal([material(2).cert]);
      } finally {
        stop();
      }
      expect(process.listenerCount('SIGHUP')).to.equal(handlers);
    });
  });
});
