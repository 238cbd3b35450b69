/**
 * The pods' cluster DNS (pod-network.ts) against real sockets: a TLS server on loopback with a
 * certificate for `x.default.svc` only, reached as `https://x.default.svc:8180/` through the map,
 * with the name checked; unmapped `.svc` names unknown; other hosts untouched; and the preload
 * working in a child process started the way kube-sim starts pods.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureLocalCa } from '../../services/template/tls/local-ca.ts';
import { signServerCertificate } from '../../services/template/tls/issuing.ts';
import { ADDRESS_MAP_ENV, AddressMapFile, formatAddressMap, formatPodPorts, installPodNetwork, isClusterName, parseAddressMap, parsePodPorts, POD_PORTS_ENV } from './pod-network.ts';

const PRELOAD = fileURLToPath(new URL('./pod-network.ts', import.meta.url));

interface Answer {
  readonly status: number;
  readonly body: string;
}

function get(url: string, ca?: string): Promise<Answer> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { ...(ca === undefined ? {} : { ca }), agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }); });
    });
    request.on('error', reject);
  });
}

async function failure(promise: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  try {
    await promise;
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  throw new Error('it did not fail');
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => { resolve((server.address() as AddressInfo).port); }));
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => { resolve(); }));
}

describe('kube-sim pod network: .svc names reach their mapped loopback ports', function () {
  this.timeout(30_000);
  let dir: string;
  let mapFile: string;
  let ca: string;
  let tlsServer: https.Server;
  let tlsPort: number;
  let plainServer: http.Server;
  let plainPort: number;
  let otherServer: http.Server;
  let otherPort: number;
  let uninstall: () => void;
  /** The SNI server name each TLS connection asked for. */
  const serverNames: (string | false | null)[] = [];

  const writeMap = async (entries: Record<string, number>): Promise<void> => {
    const next = `${mapFile}.next`;
    await writeFile(next, formatAddressMap(new Map(Object.entries(entries).map(([name, port]) => [name, { address: '127.0.0.1', port }]))));
    await rename(next, mapFile);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-sim-pod-network-'));
    mapFile = join(dir, 'addresses.json');
    const local = await ensureLocalCa(dir);
    ca = local.cert;
    const issued = await signServerCertificate(local, 'x', ['x.default.svc', 'x.default.svc.cluster.local', 'localhost'], 1, new Date());
    tlsServer = https.createServer({ cert: issued.cert, key: issued.key }, (request, response) => {
      serverNames.push(request.socket instanceof tls.TLSSocket ? request.socket.servername : false);
      response.end(`tls ${request.headers.host ?? ''}`);
    });
    tlsPort = await listen(tlsServer);
    plainServer = http.createServer((request, response) => { response.end(`plain ${request.headers.host ?? ''}`); });
    plainPort = await listen(plainServer);
    otherServer = http.createServer((_request, response) => { response.end('other'); });
    otherPort = await listen(otherServer);
    await writeMap({ 'x.default.svc:8180': tlsPort, 'x.default.svc.cluster.local:8180': tlsPort, 'y.default.svc:8180': tlsPort, 'plain.default.svc:80': plainPort, [`localhost:${String(plainPort)}`]: otherPort });
    uninstall = installPodNetwork(mapFile, new Map([[8180, tlsPort]]));
  });

  after(async () => {
    uninstall();
    await Promise.all([close(tlsServer), close(plainServer), close(otherServer)]);
    await rm(dir, { recursive: true, force: true });
  });

  it('tells cluster names from the rest', () => {
    for (const name of ['x.default.svc', 'x.default.svc.cluster.local', 'X.Default.SVC', 'x.default.svc.']) expect(isClusterName(name), name).to.equal(true);
    for (const name of ['svc', 'x.default.svc.example', 'localhost', '127.0.0.1', 'x.svcs']) expect(isClusterName(name), name).to.equal(false);
  });

  it('reads the map file as kube-sim writes it, skipping what is not an address', () => {
    const map = parseAddressMap(JSON.stringify({ 'A.default.svc:1': '127.0.0.1:2', 'b.default.svc:1': 'nowhere', 'c.default.svc:1': 3 }));
    expect([...map]).to.deep.equal([['a.default.svc:1', { address: '127.0.0.1', port: 2 }]]);
    expect(parseAddressMap('not json').size).to.equal(0);
    expect(parseAddressMap('null').size).to.equal(0);
    expect(new AddressMapFile(join(dir, 'missing.json')).lookup('a.default.svc', 1)).to.equal(undefined);
  });

  it('reads and writes the pod\'s own ports as KUBE_SIM_POD_PORTS holds them', () => {
    expect([...parsePodPorts('8180=41234, 9090=41235,junk,=1')]).to.deep.equal([[8180, 41234], [9090, 41235]]);
    expect(formatPodPorts(new Map([[8180, 41234], [9090, 41235]]))).to.equal('8180=41234,9090=41235');
    expect(parsePodPorts('').size).to.equal(0);
  });

  it('sends the pod\'s own loopback at a container port to where that port was moved, as its own network namespace would', async () => {
    serverNames.length = 0;
    expect(await get('https://localhost:8180/', ca)).to.deep.equal({ status: 200, body: 'tls localhost:8180' });
    expect(serverNames).to.deep.equal(['localhost']);
    for (const host of ['127.0.0.1', 'LOCALHOST']) {
      const socket = net.connect(8180, host);
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve).once('error', reject); });
      expect(socket.remotePort, host).to.equal(tlsPort);
      socket.destroy();
    }
  });

  it('sends https://x.default.svc:8180/ to its mapped port, asking for and checking the in-cluster name', async () => {
    serverNames.length = 0;
    const answer = await get('https://x.default.svc:8180/', ca);
    expect(answer).to.deep.equal({ status: 200, body: 'tls x.default.svc:8180' });
    expect(serverNames).to.deep.equal(['x.default.svc']);
    expect((await get('https://x.default.svc.cluster.local:8180/', ca)).status).to.equal(200);
    expect(serverNames[1]).to.equal('x.default.svc.cluster.local');
  });

  it('keeps the certificate check: a mapped name the certificate does not hold is refused', async () => {
    const error = await failure(get('https://y.default.svc:8180/', ca));
    expect(error.code).to.equal('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(error.message).to.include('y.default.svc');
    expect((await failure(get('https://x.default.svc:8180/'))).code).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('checks the name for tls.connect with a host and no servername', async () => {
    const socket = tls.connect({ host: 'x.default.svc', port: 8180, ca });
    await new Promise<void>((resolve, reject) => { socket.once('secureConnect', resolve).once('error', reject); });
    expect(socket.authorized).to.equal(true);
    expect(socket.remotePort).to.equal(tlsPort);
    socket.destroy();
  });

  it('fails an unmapped .svc name as an unknown host, whatever the port or client', async () => {
    for (const url of ['https://z.default.svc:8180/', 'https://x.default.svc:9999/', 'http://plain.other.svc.cluster.local:80/']) {
      const error = await failure(get(url, ca));
      expect(error.code, url).to.equal('ENOTFOUND');
      expect(error.message, url).to.equal(`getaddrinfo ENOTFOUND ${new URL(url).hostname}`);
    }
    const socket = net.connect(5432, 'db.default.svc');
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    expect(error).to.include({ code: 'ENOTFOUND', syscall: 'getaddrinfo' });
  });

  it('maps plain TCP connections too, in each form net.connect takes', async () => {
    expect(await get('http://plain.default.svc/')).to.deep.equal({ status: 200, body: 'plain plain.default.svc' });
    for (const socket of [net.connect(80, 'plain.default.svc'), net.connect({ host: 'plain.default.svc', port: 80 }), new net.Socket().connect(80, 'plain.default.svc')]) {
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve).once('error', reject); });
      expect(socket.remotePort).to.equal(plainPort);
      socket.destroy();
    }
  });

  it('leaves every other host alone, even one the map names', async () => {
    expect(await get(`http://localhost:${String(plainPort)}/`)).to.deep.equal({ status: 200, body: `plain localhost:${String(plainPort)}` });
    expect((await get(`http://127.0.0.1:${String(otherPort)}/`)).body).to.equal('other');
    for (const socket of [new net.Socket().connect({ path: join(dir, 'no.sock'), host: 'x.default.svc' }), new net.Socket().connect(join(dir, 'no.sock'))]) {
      expect((await new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve))).code).to.equal('ENOENT');
    }
  });

  it('follows the file when kube-sim replaces it, and a missing file maps nothing', async () => {
    await writeMap({ 'x.default.svc:8180': plainPort });
    expect((await failure(get('https://x.default.svc:8180/', ca))).code).to.not.equal('ENOTFOUND');
    await writeMap({ 'moved.default.svc:8180': tlsPort });
    expect((await failure(get('https://x.default.svc:8180/', ca))).code).to.equal('ENOTFOUND');
    await rm(mapFile);
    expect((await failure(get('https://moved.default.svc:8180/', ca))).code).to.equal('ENOTFOUND');
    await writeMap({ 'x.default.svc:8180': tlsPort });
    expect((await get('https://x.default.svc:8180/', ca)).status).to.equal(200);
  });

  it('works as the preload kube-sim gives each pod (NODE_OPTIONS=--import, the map file in the environment)', async () => {
    const script = `const https = await import('node:https');
      const get = (url) => new Promise((resolve) => https.get(url, { ca: process.env.TEST_CA }, (r) => { let b = ''; r.on('data', (c) => { b += c; }); r.on('end', () => { resolve(r.statusCode + ' ' + b); }); })
        .on('error', (e) => { resolve('error ' + e.code); }));
      console.log(await get('https://x.default.svc:8180/'));
      console.log(await get('https://localhost:8180/'));`;
    const env = { PATH: process.env.PATH ?? '', NODE_OPTIONS: `--import=${pathToFileURL(PRELOAD).href}`, [ADDRESS_MAP_ENV]: mapFile, [POD_PORTS_ENV]: `8180=${String(tlsPort)}`, TEST_CA: ca };
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { env, cwd: dir, timeout: 20_000 }, (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(new Error(`${error.message}\n${stderr}`));
      });
    });
    expect(output.trim().split('\n')).to.deep.equal(['200 tls x.default.svc:8180', '200 tls localhost:8180']);
    const without = await new Promise<string>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...env, NODE_OPTIONS: '' }, cwd: dir, timeout: 20_000 }, (_error, stdout) => { resolve(stdout); });
    });
    expect(without.trim().split('\n')[0]).to.match(/^error (ENOTFOUND|EAI_AGAIN)$/u);
  });
});
