// @ts-nocheck
import { expect } from 'chai';
import https from 'node:https';
import net from 'node:net';
import { X509Certificate } from 'node:crypto';
import { listenHttps } from './https-listener.ts';
import { testTlsMaterial } from '../testing/tls.ts';

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, body }); });
    }).on('error', reject);
  });
}

describe('HTTPS listener', () => {
  let material: { cert: string; key: string };
  let ca: string;
  before(async () => {
    const tls = await testTlsMaterial();
    material = { cert: tls.cert, key: tls.key };
    ca = tls.ca;
  });

  it('serves HTTPS on an ephemeral port and reports its URL', async () => {
    const listener = await listenHttps((_request, response) => { response.end('hello'); }, { ...material, minVersion: 'TLSv1.3' }, '127.0.0.1', 0);
    try {
      expect(listener.url).to.equal(`https://127.0.0.1:${listener.port}`);
      expect(await get(listener.url, ca)).to.deep.equal({ status: 200, body: 'hello' });
      expect(new X509Certificate(material.cert).subjectAltName).to.include('DNS:localhost');
    } finally {
      await listener.close(1000);
    }
  });

  it('brackets IPv6 addresses in its URL', async () => {
    const listener = await listenHttps((_request, response) => { response.end(); }, material, '::1', 0);
    expect(listener.url).to.equal(`https://[::1]:${listener.port}`);
    await listener.close(1000);
  });

  it('rejects when the port is taken', async () => {
    const first = await listenHttps((_request, response) => { response.end(); }, material, '127.0.0.1', 0);
    try {
      let failure: unknown;
      try {
        await listenHttps((_request, response) => { response.end(); }, material, '127.0.0.1', first.port);
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(Error);
      expect((failure as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
    } finally {
      await first.close(1000);
    }
  });

  it('lets an in-flight request finish while closing, then refuses new connections', async () => {
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const arrival = new Promise<void>((resolve) => { arrived = resolve; });
    const listener = await listenHttps((_request, response) => {
      release = () => response.end('finished');
      arrived();
    }, material, '127.0.0.1', 0);
    const inFlight = get(listener.url, ca);
    await arrival;
    const closed = listener.close(5000);
    expect(listener.close(5000)).to.equal(closed);
    // Closing stops the listening socket at once; only the open connection stays.
    const refused = await new Promise<unknown>((resolve) => {
      const socket = net.connect(listener.port, '127.0.0.1');
      socket.on('connect', () => { socket.destroy(); resolve('connected'); });
      socket.on('error', resolve);
    });
    expect(refused).to.have.property('code', 'ECONNREFUSED');
    release();
    expect(await inFlight).to.deep.equal({ status: 200, body: 'finished' });
    await closed;
  });

  it('cuts connections that are still open when the drain timeout passes', async () => {
    let arrived: () => void = () => undefined;
    const arrival = new Promise<void>((resolve) => { arrived = resolve; });
    const listener = await listenHttps(() => { arrived(); /* and never answers */ }, material, '127.0.0.1', 0);
    const hung = get(listener.url, ca).then(() => 'answered', (error: unknown) => error);
    await arrival;
    const started = Date.now();
    await listener.close(200);
    expect(Date.now() - started).to.be.lessThan(2000);
    // The client sees the connection end without an answer: Node's "socket hang up".
    expect(await hung).to.have.property('code', 'ECONNRESET');
  });
});
