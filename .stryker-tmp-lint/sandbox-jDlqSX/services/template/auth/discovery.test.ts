// @ts-nocheck
import { expect } from 'chai';
import { discoveredJwksUri, discoverJwksUri, discoverMetadata, isHttpsUrl, metadataUrls } from './discovery.ts';

const ISSUER = 'https://issuer.example/realms/dev';

function serving(documents: Record<string, unknown>): { fetchJson: (url: string) => Promise<unknown>; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetchJson: (url) => {
      asked.push(url);
      return Object.hasOwn(documents, url) ? Promise.resolve(documents[url]) : Promise.reject(new Error(`GET ${url} answered 404`));
    },
  };
}

describe('issuer metadata discovery (OIDC Discovery 1.0 §4, RFC 8414 §3)', () => {
  it('appends the OIDC well-known path and inserts the RFC 8414 one before the issuer path', () => {
    expect(metadataUrls(`${ISSUER}/`)).to.deep.equal([
      'https://issuer.example/realms/dev/.well-known/openid-configuration',
      'https://issuer.example/.well-known/oauth-authorization-server/realms/dev',
    ]);
    expect(metadataUrls('https://issuer.example')[1]).to.equal('https://issuer.example/.well-known/oauth-authorization-server');
  });

  it('takes jwks_uri from the OpenID configuration', async () => {
    const { fetchJson, asked } = serving({ [metadataUrls(ISSUER)[0]]: { issuer: ISSUER, jwks_uri: 'https://issuer.example/jwks' } });
    expect(await discoverJwksUri(ISSUER, fetchJson)).to.equal('https://issuer.example/jwks');
    expect(asked).to.have.length(1);
  });

  it('reads the token and authorization endpoints when they are https URLs (OIDC Discovery §3)', async () => {
    const { fetchJson } = serving({ [metadataUrls(ISSUER)[0]]: {
      issuer: ISSUER, jwks_uri: 'https://issuer.example/jwks', token_endpoint: 'https://issuer.example/token', authorization_endpoint: 'http://issuer.example/auth',
    } });
    expect(await discoverMetadata(ISSUER, fetchJson)).to.deep.equal({ jwksUri: 'https://issuer.example/jwks', tokenEndpoint: 'https://issuer.example/token' });
  });

  it('discovers the JWKS URL once, and again only after a failure', async () => {
    const documents: Record<string, unknown> = {};
    const { fetchJson, asked } = serving(documents);
    const jwksUri = discoveredJwksUri(ISSUER, fetchJson);
    expect(String(await jwksUri().catch((error: unknown) => error))).to.match(/no metadata/);
    documents[metadataUrls(ISSUER)[0]] = { issuer: ISSUER, jwks_uri: 'https://issuer.example/jwks' };
    expect(await jwksUri()).to.equal('https://issuer.example/jwks');
    expect(await jwksUri()).to.equal('https://issuer.example/jwks');
    expect(asked).to.have.length(3);
  });

  it('falls back to the OAuth authorization server metadata', async () => {
    const { fetchJson, asked } = serving({ [metadataUrls(ISSUER)[1]]: { issuer: ISSUER, jwks_uri: 'https://issuer.example/keys' } });
    expect(await discoverJwksUri(ISSUER, fetchJson)).to.equal('https://issuer.example/keys');
    expect(asked).to.deep.equal(metadataUrls(ISSUER));
  });

  const refused: [string, unknown, RegExp][] = [
    ['metadata that is not an object', ['x'], /is not a metadata object/],
    ['metadata of another issuer', { issuer: 'https://evil.example', jwks_uri: 'https://evil.example/jwks' }, /describes issuer "https:\/\/evil\.example", not https:\/\/issuer\.example\/realms\/dev/],
    ['a plain-HTTP jwks_uri', { issuer: ISSUER, jwks_uri: 'http://issuer.example/jwks' }, /jwks_uri must be an https URL/],
    ['a missing jwks_uri', { issuer: ISSUER }, /jwks_uri must be an https URL/],
  ];
  for (const [what, metadata, message] of refused) {
    it(`refuses ${what}`, async () => {
      const { fetchJson } = serving({ [metadataUrls(ISSUER)[0]]: metadata });
      const error: unknown = await discoverJwksUri(ISSUER, fetchJson).catch((failure: unknown) => failure);
      expect(String(error)).to.match(message);
    });
  }

  it('names both failures when no metadata answers', async () => {
    const error: unknown = await discoverJwksUri(ISSUER, serving({}).fetchJson).catch((failure: unknown) => failure);
    expect(String(error)).to.match(/no metadata for issuer .*openid-configuration answered 404.*oauth-authorization-server\/realms\/dev answered 404/);
  });

  it('recognises https URLs only', () => {
    expect(isHttpsUrl('https://a.example/x')).to.equal(true);
    expect(isHttpsUrl('http://a.example/x')).to.equal(false);
    expect(isHttpsUrl('not a url')).to.equal(false);
  });
});
