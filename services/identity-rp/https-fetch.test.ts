import { expect } from 'chai';
import { serverOptions } from '../template/tls/index.ts';
import { listenHttps } from '../template/server/https-listener.ts';
import { testTlsMaterial } from '../template/testing/tls.ts';
import { customFetchOf, rawFetchTrusting, UPSTREAM_TIMEOUT_MS, type RawRequest } from './https-fetch.ts';
import { REFRESH_LEASE_MS } from './tokens.ts';

describe('openid-client\'s fetch over the suite\'s https', () => {
  it('sends forms and strings as text, nothing for no body, and keeps repeated response headers', async () => {
    const seen: RawRequest[] = [];
    const fetch = customFetchOf((_url, request) => {
      seen.push(request);
      return Promise.resolve({ status: 200, headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], gone: undefined }, body: Buffer.from('{}') });
    });
    const options = { headers: { accept: 'application/json' }, method: 'POST', redirect: 'manual' as const };
    const answer = await fetch('https://authz.example/token', { ...options, body: new URLSearchParams({ grant_type: 'refresh_token' }) });
    await fetch('https://authz.example/par', { ...options, body: '{"a":1}' });
    await fetch('https://authz.example/.well-known/openid-configuration', { ...options, method: 'GET', body: undefined });
    expect(seen.map((request) => request.body)).to.deep.equal(['grant_type=refresh_token', '{"a":1}', undefined]);
    expect(answer.headers.getSetCookie()).to.deep.equal(['a=1', 'b=2']);
    expect(answer.headers.has('gone')).to.equal(false);
    expect(await answer.json()).to.deep.equal({});
  });

  it('gives a 204 answer a null body, as Fetch requires', async () => {
    const fetch = customFetchOf(() => Promise.resolve({ status: 204, headers: {}, body: Buffer.alloc(0) }));
    const answer = await fetch('https://authz.example/revoke', { headers: {}, method: 'POST', redirect: 'manual', body: undefined });
    expect(answer.status).to.equal(204);
    expect(answer.body).to.equal(null);
  });
});

describe('the upstream exchange\'s deadline', () => {
  it('gives up on an upstream that never finishes its answer, before a refresh claim lapses', async () => {
    expect(UPSTREAM_TIMEOUT_MS).to.be.below(REFRESH_LEASE_MS);
    const material = await testTlsMaterial();
    // One path answers the head and never the end, one never answers, one answers at once.
    const listener = await listenHttps((request, response) => {
      if (request.url === '/fine') response.end('ok');
      else if (request.url === '/half') response.writeHead(200).write('partial');
    }, serverOptions(material), '127.0.0.1', 0);
    try {
      const fetch = rawFetchTrusting(material.ca, 1024, 300);
      const started = Date.now();
      for (const path of ['/silent', '/half']) {
        const error = await fetch(`${listener.url}${path}`, { method: 'GET', headers: {} }).then(() => undefined, (failure: unknown) => failure as Error);
        expect(error?.message, path).to.equal('no answer within 300 ms');
      }
      expect(Date.now() - started).to.be.below(3_000);
      expect((await fetch(`${listener.url}/fine`, { method: 'GET', headers: {} })).body.toString()).to.equal('ok');
    } finally {
      await listener.close(100);
    }
  });
});
