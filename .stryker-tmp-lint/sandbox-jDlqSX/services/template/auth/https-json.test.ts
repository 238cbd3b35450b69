// @ts-nocheck
import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { selfSignedCertificate } from '../testing/issuer.ts';
import { httpsJsonFetcher } from './https-json.ts';

type Reply = (response: ServerResponse) => void;

describe('JSON over HTTPS for issuer metadata and JWKS', () => {
  let server: Server;
  let base: string;
  let ca: string;
  const replies = new Map<string, Reply>([
    ['/ok', (response) => { response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}'); }],
    ['/missing', (response) => { response.writeHead(404).end(); }],
    ['/redirect', (response) => { response.writeHead(302, { location: '/ok' }).end(); }],
    ['/text', (response) => { response.writeHead(200).end('<html>'); }],
    ['/large', (response) => { response.writeHead(200).end(`"${'x'.repeat(4096)}"`); }],
    ['/slow', () => undefined],
  ]);

  before(async () => {
    const tls = await selfSignedCertificate();
    ca = tls.cert;
    server = createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
      replies.get(request.url ?? '')?.(response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function failure(url: string, options: Parameters<typeof httpsJsonFetcher>[0] = { ca }): Promise<string> {
    return httpsJsonFetcher(options)(url).then(
      () => { throw new Error('expected a failure'); },
      (error: unknown) => String(error),
    );
  }

  it('parses a 200 JSON answer from a server whose CA is configured', async () => {
    expect(await httpsJsonFetcher({ ca })(`${base}/ok`)).to.deep.equal({ keys: [] });
  });

  it('does not trust a self-signed server without the CA', async () => {
    expect(await failure(`${base}/ok`, {})).to.match(/self-signed certificate/);
    expect(await failure(`${base}/ok`, { ca: '' })).to.match(/self-signed certificate/);
  });

  it('trusts Node\'s default store (NODE_EXTRA_CA_CERTS) besides the configured CA, not instead of it', async () => {
    const other = await selfSignedCertificate();
    const defaults = getCACertificates('default');
    // What NODE_EXTRA_CA_CERTS does at start-up: the server's CA joins the default store.
    setDefaultCACertificates([...defaults, ca]);
    try {
      expect(await httpsJsonFetcher({ ca: other.cert })(`${base}/ok`)).to.deep.equal({ keys: [] });
    } finally {
      setDefaultCACertificates(defaults);
    }
    expect(await failure(`${base}/ok`, { ca: other.cert })).to.match(/self-signed certificate/);
  });

  it('refuses non-200 answers, redirects included', async () => {
    expect(await failure(`${base}/missing`)).to.include(`GET ${base}/missing answered 404`);
    expect(await failure(`${base}/redirect`)).to.include('answered 302');
  });

  it('refuses an answer that is not JSON', async () => {
    expect(await failure(`${base}/text`)).to.include('did not answer JSON');
  });

  it('stops reading past the size limit', async () => {
    expect(await failure(`${base}/large`, { ca, maxBytes: 1024 })).to.include('answered more than 1024 bytes');
  });

  it('gives up after the timeout', async () => {
    expect(await failure(`${base}/slow`, { ca, timeoutMs: 100 })).to.include('timed out after 100 ms');
  });

  it('refuses plain HTTP', async () => {
    expect(await failure('http://127.0.0.1:1/jwks')).to.include('is not an https URL');
  });
});
