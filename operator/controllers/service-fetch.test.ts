import { expect } from 'chai';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalCa, ensureServerCertificate } from '../../services/template/tls/index.ts';
import { parseResolveList, serviceFetch } from './service-fetch.ts';

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

describe('operator: fetching what a service publishes', () => {
  let dataDir: string;
  let server: https.Server;
  let port: number;
  let ca: string;
  let otherCa: string;
  const hosts: string[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'operator-fetch-'));
    const local = await ensureLocalCa(dataDir);
    const material = await ensureServerCertificate(local, dataDir, 'svc', ['demo-pki-ca.default.svc']);
    ca = material.ca;
    otherCa = (await ensureLocalCa(await mkdtemp(join(tmpdir(), 'operator-fetch-other-')))).cert;
    server = https.createServer({ cert: material.cert, key: material.key, minVersion: 'TLSv1.3' }, (request, response) => {
      hosts.push(request.headers.host ?? '');
      if (request.url === '/root.crt') response.end(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]));
      else if (request.url === '/big') response.end(Buffer.alloc(1024 * 1024 + 1));
      else if (request.url === '/slow') setTimeout(() => { response.end(); }, 2_000);
      else { response.statusCode = 404; response.end(); }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const resolve = (): ReturnType<typeof parseResolveList> => parseResolveList(`demo-pki-ca.default.svc:8380=127.0.0.1:${String(port)}`);

  it('reaches the in-cluster name through the resolve list, checking TLS against that name and the given CA', async () => {
    const bytes = await serviceFetch(resolve())('https://demo-pki-ca.default.svc:8380/root.crt', ca);
    expect([...bytes]).to.deep.equal([0x30, 0x03, 0x02, 0x01, 0x01]);
    expect(hosts.at(-1)).to.equal('demo-pki-ca.default.svc:8380');
  });

  it('refuses a server its CA did not issue, a status other than 200, and an oversized answer', async () => {
    expect(await failure(serviceFetch(resolve())('https://demo-pki-ca.default.svc:8380/root.crt', otherCa))).to.match(/certificate/i);
    expect(await failure(serviceFetch(resolve())('https://demo-pki-ca.default.svc:8380/nothing', ca))).to.equal('https://demo-pki-ca.default.svc:8380/nothing answered 404');
    expect(await failure(serviceFetch(resolve())('https://demo-pki-ca.default.svc:8380/big', ca))).to.contain('sent more than 1048576 bytes');
    expect(await failure(serviceFetch(resolve(), 100)('https://demo-pki-ca.default.svc:8380/slow', ca))).to.contain('did not answer within 100 ms');
  });

  it('checks the name it was asked for: the address alone does not satisfy TLS', async () => {
    expect(await failure(serviceFetch()(`https://127.0.0.1:${String(port)}/root.crt`, ca))).to.match(/IP: 127\.0\.0\.1 is not in the cert's list|altnames/i);
    expect(await failure(serviceFetch()('https://demo-pki-ca.invalid/root.crt', ca))).to.match(/ENOTFOUND|EAI_AGAIN/);
  });

  it('parses host:port=address:port lists and names a malformed entry', () => {
    expect([...parseResolveList(' a.svc:8380=127.0.0.1:1, b.svc:443=[::1]:2 ,')]).to.deep.equal([['a.svc:8380', { address: '127.0.0.1', port: 1 }], ['b.svc:443', { address: '::1', port: 2 }]]);
    expect(parseResolveList('').size).to.equal(0);
    expect(() => parseResolveList('a.svc=127.0.0.1:1')).to.throw('CRYPTOUTIL_OPERATOR_RESOLVE: "a.svc=127.0.0.1:1" is not host:port=address:port');
  });
});
