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

  it('refuses backslashes, which an https URL reads as slashes, when they make dot segments (400)', () => {
    for (const path of ['/bff/api/identity-rs/..\\..\\..\\admin\\x', '/bff/api/identity-rs/.%2E\\x', '/bff/api/identity-rs/a\\..', '/bff/api/identity-rs/x/..\\..\\..\\..\\service/api/v1/x']) {
      expect(() => upstreamUrl(apis, path, ''), path).to.throw().with.property('status', 400);
    }
  });

  it('keeps every upstream URL on the API\'s host and under its base path', () => {
    const nested = { api: { url: 'https://api.example/browser/api/v1', resource: 'urn:x' } };
    expect(upstreamUrl(nested, '/bff/api/api/a\\b', '').href).to.equal('https://api.example/browser/api/v1/a/b');
    for (const path of ['/bff/api/api/..%5C..%5Cadmin']) {
      const url = upstreamUrl(nested, path, '');
      expect(url.pathname.startsWith('/browser/api/v1/'), url.href).to.equal(true);
    }
    // The URL parser drops tabs and newlines: `.\t.` becomes `..` after the dot-segment check ran.
    expect(() => upstreamUrl(nested, '/bff/api/api/.\t./.\n./admin', ''), 'a segment the parser makes').to.throw().with.property('status', 400);
    const rooted = { api: { url: 'https://api.example/', resource: 'urn:x' } };
    expect(upstreamUrl(rooted, '/bff/api/api/pets', '').href).to.equal('https://api.example/pets');
    expect(upstreamUrl(rooted, '/bff/api/api', '').href).to.equal('https://api.example/');
  });
});
