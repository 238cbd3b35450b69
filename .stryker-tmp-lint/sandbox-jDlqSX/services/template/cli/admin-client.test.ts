// @ts-nocheck
import { expect } from 'chai';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { callAdmin } from './admin-client.ts';
import { testTlsMaterial } from '../testing/tls.ts';

describe('admin client', () => {
  it('verifies the chain when a CA is given and skips it for an empty CA', async () => {
    const material = await testTlsMaterial();
    const server = https.createServer({ cert: material.cert, key: material.key, minVersion: 'TLSv1.3' }, (request, response) => {
      response.statusCode = request.method === 'POST' ? 202 : 200;
      response.end(`{"path":"${String(request.url)}"}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await callAdmin({ address: '127.0.0.1', port, ca: material.ca }, 'GET', '/admin/v1/livez')).to.deep.equal({ status: 200, body: '{"path":"/admin/v1/livez"}' });
      expect((await callAdmin({ address: '127.0.0.1', port, ca: '' }, 'POST', '/admin/v1/shutdown')).status).to.equal(202);
      const other = await testTlsMaterial();
      // A certificate from another CA fails the TLS trust check itself, not anything after it.
      const refused = await callAdmin({ address: '127.0.0.1', port, ca: other.ca }, 'GET', '/').then(() => 'accepted', (error: unknown) => (error as NodeJS.ErrnoException).code);
      expect(refused).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      server.close();
    }
  });

  it('gives up on an endpoint that never answers', async () => {
    const material = await testTlsMaterial();
    const server = https.createServer({ cert: material.cert, key: material.key }, () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      let failure: unknown;
      try { await callAdmin({ address: '127.0.0.1', port, ca: material.ca }, 'GET', '/', { timeoutMs: 100 }); } catch (error) { failure = error; }
      expect((failure as Error).message).to.equal('no answer within 100 ms');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
