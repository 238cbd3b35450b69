// @ts-nocheck
import { expect } from 'chai';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { TemplateConfig } from '../config/schema.ts';
import { ensureLocalCa, loadTls, serverOptions } from './index.ts';
import type { TlsMaterial } from './index.ts';

function autoTls(overrides: Partial<TemplateConfig['tls']> = {}): TemplateConfig['tls'] {
  return { mode: 'auto', certFile: '', keyFile: '', caFile: '', names: ['localhost', '127.0.0.1', '::1'], ...overrides };
}

describe('TLS for the listeners (DESIGN "Two HTTPS listeners")', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cryptoutil-tls-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('loadTls', () => {
    it('auto mode: a server certificate named after the service, issued by the local CA, reused on restart', async () => {
      const first = await loadTls(autoTls(), { dataDir, serviceName: 'learn-ps' });
      expect(first.cert).to.equal(readFileSync(join(dataDir, 'tls', 'learn-ps.crt'), 'utf8'));
      expect(first.ca).to.equal(readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8'));
      expect(await loadTls(autoTls(), { dataDir, serviceName: 'learn-ps' })).to.deep.equal(first);
    });

    it('auto mode: services sharing a data directory share one CA (cryptoutil up)', async () => {
      const ca = await ensureLocalCa(dataDir);
      const [kms, pets] = await Promise.all([
        loadTls(autoTls(), { dataDir, serviceName: 'sm-kms' }),
        loadTls(autoTls(), { dataDir, serviceName: 'learn-ps' }),
      ]);
      expect(kms.ca).to.equal(ca.cert);
      expect(pets.ca).to.equal(ca.cert);
      expect(kms.cert).not.to.equal(pets.cert);
    });

    it('auto mode with tls.caFile: outgoing calls trust the local CA and the bundle', async () => {
      const other = await loadTls(autoTls(), { dataDir: join(dataDir, 'elsewhere'), serviceName: 'identity-authz' });
      const caFile = join(dataDir, 'issuer-ca.crt');
      writeFileSync(caFile, other.ca);
      const material = await loadTls(autoTls({ caFile }), { dataDir, serviceName: 'learn-ps' });
      expect(material.ca).to.equal(`${readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8')}${other.ca}`);
    });

    it('files mode: the PEM files, checked at the given time', async () => {
      const issued = await loadTls(autoTls(), { dataDir, serviceName: 'learn-ps' });
      const files = { certFile: join(dataDir, 'tls', 'learn-ps.crt'), keyFile: join(dataDir, 'tls', 'learn-ps.key'), caFile: join(dataDir, 'tls', 'ca.crt') };
      const material = await loadTls({ ...autoTls(), mode: 'files', ...files }, { dataDir: '/nonexistent', serviceName: 'learn-ps' });
      expect(material).to.deep.equal(issued);
      const later = new Date(Date.now() + 400 * 86_400_000);
      let failure: unknown;
      await loadTls({ ...autoTls(), mode: 'files', ...files }, { dataDir, serviceName: 'learn-ps', now: () => later }).catch((error: unknown) => {
        failure = error;
      });
      expect(String(failure)).to.include('expired on');
    });
  });

  it('serverOptions serves the certificate and key over TLS 1.3 only', () => {
    const material: TlsMaterial = { cert: 'C', key: 'K', ca: 'A' };
    expect(serverOptions(material)).to.deep.equal({ cert: 'C', key: 'K', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
  });

  describe('on a real socket', () => {
    let material: TlsMaterial;
    let server: https.Server;
    let port: number;

    beforeEach(async () => {
      material = await loadTls(autoTls(), { dataDir, serviceName: 'learn-ps' });
      server = https.createServer(serverOptions(material), (_request, response) => {
        response.end('ok');
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as AddressInfo).port;
    });

    afterEach(async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    });

    function handshake(options: tls.ConnectionOptions): Promise<{ protocol: string | null; authorized: boolean }> {
      return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, ...options }, () => {
          resolve({ protocol: socket.getProtocol(), authorized: socket.authorized });
          socket.end();
        });
        socket.on('error', reject);
      });
    }

    async function refusal(options: tls.ConnectionOptions): Promise<NodeJS.ErrnoException> {
      try {
        await handshake(options);
      } catch (error) {
        return error as NodeJS.ErrnoException;
      }
      return expect.fail('expected the handshake to fail');
    }

    it('answers HTTPS over TLS 1.3 to a client trusting only the local CA', async () => {
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/', ca: material.ca, servername: 'localhost' }, (response) => {
            response.setEncoding('utf8');
            let text = '';
            response.on('data', (chunk: string) => (text += chunk));
            response.on('end', () => { resolve(text); });
          })
          .on('error', reject);
      });
      expect(body).to.equal('ok');
    });

    it('verifies the certificate for localhost and for 127.0.0.1', async () => {
      expect(await handshake({ ca: material.ca, servername: 'localhost' })).to.deep.equal({ protocol: 'TLSv1.3', authorized: true });
      expect(await handshake({ ca: material.ca })).to.deep.equal({ protocol: 'TLSv1.3', authorized: true });
    });

    it('refuses a client limited to TLS 1.2', async () => {
      const error = await refusal({ ca: material.ca, servername: 'localhost', maxVersion: 'TLSv1.2' });
      expect(error.code).to.match(/^ERR_SSL_(TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL)$/);
    });

    it('is not trusted by a client that does not trust the local CA', async () => {
      const stranger = await loadTls(autoTls(), { dataDir: join(dataDir, 'stranger'), serviceName: 'learn-ps' });
      const error = await refusal({ ca: stranger.ca, servername: 'localhost' });
      expect(error.code).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it('does not verify for a name it was not issued for', async () => {
      const error = await refusal({ ca: material.ca, servername: 'pets.example' });
      expect(error.code).to.equal('ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });
});
