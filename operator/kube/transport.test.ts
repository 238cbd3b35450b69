import https from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { testTlsMaterial } from '../../services/template/testing/tls.ts';
import { KubeApiError } from './api.ts';
import type { ClusterAccess } from './access.ts';
import { accessTransport, METADATA_LIST, METADATA_WATCH } from './transport.ts';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

async function apiServer(handler: Handler): Promise<{ access: ClusterAccess; close: () => Promise<void> }> {
  const material = await testTlsMaterial();
  const server = https.createServer({ cert: material.cert, key: material.key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => { chunks.push(chunk); });
    request.on('end', () => { handler(request, Buffer.concat(chunks).toString('utf8'), response); });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const access: ClusterAccess = {
    server: `https://127.0.0.1:${port}`,
    apply: (options) => {
      options.ca = material.ca;
      options.headers = { ...(options.headers as OutgoingHttpHeaders), authorization: 'Bearer operator-token' };
      return Promise.resolve();
    },
  };
  return {
    access,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

describe('HTTPS transport to the API server', () => {
  it('sends the bearer token, query and body over verified TLS', async () => {
    const seen: { method?: string; url?: string; authorization?: string; type?: string; body?: string }[] = [];
    const accepts: string[] = [];
    const { access, close } = await apiServer((request, body, response) => {
      seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, type: request.headers['content-type'], body });
      accepts.push(String(request.headers.accept));
      response.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    try {
      const transport = accessTransport(access);
      const answer = await transport.request('PATCH', '/api/v1/namespaces/a/secrets/b', { body: '{"x":1}', contentType: 'application/apply-patch+yaml', query: { fieldManager: 'cryptoutil-operator', force: 'true' } });
      expect(answer).to.deep.equal({ status: 201, body: '{"ok":true}' });
      await transport.request('GET', '/version');
      await transport.request('GET', '/api/v1/secrets', { accept: METADATA_LIST });
      expect(seen[0]).to.deep.equal({
        method: 'PATCH',
        url: '/api/v1/namespaces/a/secrets/b?fieldManager=cryptoutil-operator&force=true',
        authorization: 'Bearer operator-token',
        type: 'application/apply-patch+yaml',
        body: '{"x":1}',
      });
      expect(seen[1]).to.deep.include({ method: 'GET', url: '/version', type: undefined, body: '' });
      expect(accepts).to.deep.equal(['application/json', 'application/json', METADATA_LIST]);
    } finally {
      await close();
    }
  });

  it('streams watch events line by line, across chunk boundaries', async () => {
    const { access, close } = await apiServer((request, _body, response) => {
      expect(request.url).to.equal('/apis/apps/v1/deployments?resourceVersion=7&timeoutSeconds=60&watch=true');
      expect(request.headers.accept).to.equal(METADATA_WATCH);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"type":"ADDED"}\n{"type":"MOD');
      setTimeout(() => { response.end('IFIED"}\n\n'); }, 20);
    });
    try {
      const lines: string[] = [];
      await accessTransport(access).watch('/apis/apps/v1/deployments', { resourceVersion: '7', timeoutSeconds: '60' }, (line) => { lines.push(line); }, new AbortController().signal, METADATA_WATCH);
      expect(lines).to.deep.equal(['{"type":"ADDED"}', '{"type":"MODIFIED"}']);
    } finally {
      await close();
    }
  });

  it('rejects a watch the server refuses with its status and message, not as events', async () => {
    const { access, close } = await apiServer((_request, _body, response) => {
      response.writeHead(410, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 3 (9)', reason: 'Expired', code: 410 }));
    });
    try {
      const lines: string[] = [];
      const error = await accessTransport(access).watch('/api/v1/secrets', { resourceVersion: '3' }, (line) => { lines.push(line); }, new AbortController().signal)
        .then(() => undefined, (failure: unknown) => failure);
      expect(error).to.be.instanceOf(KubeApiError);
      expect(error).to.include({ status: 410, message: 'GET /api/v1/secrets answered 410: too old resource version: 3 (9)' });
      expect(lines).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  it('ends a watch quietly when aborted, and fails when the server is unreachable', async () => {
    const { access, close } = await apiServer((_request, _body, response) => {
      response.writeHead(200);
      response.write('');
    });
    const transport = accessTransport(access);
    const abort = new AbortController();
    const watching = transport.watch('/api/v1/secrets', {}, () => undefined, abort.signal);
    setTimeout(() => { abort.abort(); }, 50);
    await watching;
    await close();
    const failed = await transport.request('GET', '/version').then(() => 'answered', (error: unknown) => (error as Error).name);
    expect(failed).to.equal('Error');
    const refused = await transport.watch('/api/v1/secrets', {}, () => undefined, new AbortController().signal).then(() => 'ended', () => 'rejected');
    expect(refused).to.equal('rejected');
  });

});
