import { expect } from 'chai';
import { upstreamOf } from './proxy.ts';

const upstreamUrl = (apis: Parameters<typeof upstreamOf>[0], path: string, query: string): URL => upstreamOf(apis, path, query).url;

describe('the proxy\'s upstream URL', () => {
  const apis = { 'identity-rs': { url: 'https://rs.example/browser/api/v1/', resource: 'urn:cryptoutil:identity-rs' } };

  it('appends the path and query to the allowlisted base', () => {
    expect(upstreamUrl(apis, '/bff/api/identity-rs/documents/1', 'page=2').href).to.equal('https://rs.example/browser/api/v1/documents/1?page=2');
    expect(upstreamUrl(apis, '/bff/api/identity-rs', '').href).to.equal('https://rs.example/browser/api/v1');
  });

  it('names the API\'s resource with the URL', () => {
    expect(upstreamOf(apis, '/bff/api/identity-rs/x', '').target.resource).to.equal('urn:cryptoutil:identity-rs');
  });

  it('refuses names outside the allowlist, inherited ones included (404)', () => {
    for (const path of ['/bff/api/learn-ps/pets', '/bff/api/constructor/x', '/bff/api/__proto__/x', '/bff/api/']) {
      expect(() => upstreamUrl(apis, path, ''), path).to.throw().with.property('status', 404);
    }
  });

  it('refuses dot segments, plain or percent-encoded, that would climb out of the base (400)', () => {
    for (const path of ['/bff/api/identity-rs/../../service/api/v1/x', '/bff/api/identity-rs/%2e%2e/x', '/bff/api/identity-rs/.%2E/x', '/bff/api/identity-rs/a/..', '/bff/api/identity-rs/./x']) {
      expect(() => upstreamUrl(apis, path, ''), path).to.throw().with.property('status', 400);
    }
  });
});
