import { expect } from 'chai';
import { customFetchOf, type RawRequest } from './https-fetch.ts';

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
