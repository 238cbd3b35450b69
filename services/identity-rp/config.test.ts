import { expect } from 'chai';
import { apiTargets, checkRpConfig, resourcesOf, type RpConfig } from './config.ts';

function config(rp: Partial<RpConfig['rp']> = {}): RpConfig {
  return {
    rp: {
      issuer: '', clientId: 'rp', clientSecret: 's3cret', redirectUri: '', postLogoutRedirectUri: '', scope: 'openid', resource: '',
      apis: {}, consoleOrigins: [], sessionTtlSeconds: 60, refreshBeforeSeconds: 30, ...rp,
    },
  };
}

describe('identity-rp configuration', () => {
  it('accepts a client, https URLs and named https API targets', () => {
    expect(() => {
      checkRpConfig(config({ issuer: 'https://authz.example', redirectUri: 'https://rp.example/bff/callback', postLogoutRedirectUri: 'https://rp.example/', apis: { 'identity-rs': 'https://rs.example/browser/api/v1' } }));
    }).not.to.throw();
  });

  it('writes each API out with its resource: a string takes rp.resource, an object its own', () => {
    const rp = config({
      resource: 'urn:cryptoutil:identity-rs',
      apis: {
        'identity-rs': 'https://rs.example/browser/api/v1',
        'learn-ps': { url: 'https://ps.example/browser/api/v1', resource: 'urn:cryptoutil:learn-ps' },
        'sm-kms': { url: 'https://kms.example/browser/api/v1', resource: 'urn:cryptoutil:sm-kms' },
        'also-rs': { url: 'https://rs2.example/browser/api/v1' },
      },
      consoleOrigins: ['https://localhost:8184', 'https://console.example'],
    });
    expect(() => { checkRpConfig(rp); }).not.to.throw();
    expect(apiTargets(rp.rp)).to.deep.equal({
      'identity-rs': { url: 'https://rs.example/browser/api/v1', resource: 'urn:cryptoutil:identity-rs' },
      'learn-ps': { url: 'https://ps.example/browser/api/v1', resource: 'urn:cryptoutil:learn-ps' },
      'sm-kms': { url: 'https://kms.example/browser/api/v1', resource: 'urn:cryptoutil:sm-kms' },
      'also-rs': { url: 'https://rs2.example/browser/api/v1', resource: 'urn:cryptoutil:identity-rs' },
    });
    expect(resourcesOf(rp.rp)).to.deep.equal({
      primary: 'urn:cryptoutil:identity-rs',
      all: ['urn:cryptoutil:identity-rs', 'urn:cryptoutil:learn-ps', 'urn:cryptoutil:sm-kms'],
    });
  });

  it('redeems the code for the first API\'s resource when rp.resource is empty, and for none without any', () => {
    const apis = { a: 'https://a.example', b: { url: 'https://b.example', resource: 'urn:cryptoutil:sm-kms' }, c: { url: 'https://c.example', resource: 'urn:cryptoutil:learn-ps' } };
    expect(resourcesOf({ resource: '', apis })).to.deep.equal({ primary: 'urn:cryptoutil:sm-kms', all: ['urn:cryptoutil:sm-kms', 'urn:cryptoutil:learn-ps'] });
    expect(resourcesOf({ resource: '', apis: { a: 'https://a.example' } })).to.deep.equal({ primary: '', all: [] });
    // Built in code without consoleOrigins: none.
    const without: RpConfig['rp'] = { ...config().rp };
    delete without.consoleOrigins;
    expect(() => { checkRpConfig({ rp: without }); }).not.to.throw();
  });

  const refused: readonly [string, Partial<RpConfig['rp']>, RegExp][] = [
    ['no client id', { clientId: '' }, /rp\.clientId/],
    ['no client secret', { clientSecret: '' }, /rp\.clientSecret/],
    ['a scope without openid', { scope: 'profile' }, /rp\.scope/],
    ['a zero session lifetime', { sessionTtlSeconds: 0 }, /rp\.sessionTtlSeconds/],
    ['a plain-http issuer', { issuer: 'http://authz.example' }, /rp\.issuer/],
    ['a redirect URI that is no URL', { redirectUri: 'callback' }, /rp\.redirectUri/],
    ['an API name that is no service name', { apis: { '../x': 'https://x.example' } }, /rp\.apis/],
    ['a plain-http API', { apis: { 'learn-ps': 'http://x.example' } }, /rp\.apis\.learn-ps/],
    ['an API that is no string', { apis: { 'learn-ps': 42 as unknown as string } }, /rp\.apis\.learn-ps/],
    ['an API that is a list', { apis: { 'learn-ps': ['https://x.example'] as unknown as string } }, /rp\.apis\.learn-ps must be/],
    ['an API object with a plain-http url', { apis: { 'learn-ps': { url: 'http://x.example', resource: 'urn:cryptoutil:learn-ps' } } }, /rp\.apis\.learn-ps\.url/],
    ['an API object without url', { apis: { 'learn-ps': { resource: 'urn:cryptoutil:learn-ps' } as unknown as string } }, /rp\.apis\.learn-ps\.url/],
    ['an API resource that is no URI', { apis: { 'learn-ps': { url: 'https://x.example', resource: 'learn-ps' } } }, /rp\.apis\.learn-ps\.resource/],
    ['an API resource with a fragment', { apis: { 'learn-ps': { url: 'https://x.example', resource: 'https://x.example/#a' } } }, /rp\.apis\.learn-ps\.resource/],
    ['an API object with an unknown key', { apis: { 'learn-ps': { url: 'https://x.example', resource: 'urn:a:b', scope: 'x' } as unknown as string } }, /unknown key "scope"/],
    ['an rp.resource that is no URI', { resource: 'learn-ps' }, /rp\.resource/],
    ['a console origin with a path', { consoleOrigins: ['https://localhost:8184/console'] }, /rp\.consoleOrigins entry 0 \("https:\/\/localhost:8184\/console"\)/],
    ['a plain-http console origin', { consoleOrigins: ['https://ok.example', 'http://localhost:8184'] }, /rp\.consoleOrigins entry 1 .*http:\/\/localhost:8184/],
    ['a wildcard console origin', { consoleOrigins: ['*'] }, /rp\.consoleOrigins entry 0/],
    ['a console origin that is no string', { consoleOrigins: [8184 as unknown as string] }, /rp\.consoleOrigins entry 0 \(8184\)/],
  ];
  for (const [what, rp, message] of refused) {
    it(`refuses ${what} with a usage error (exit 2)`, () => {
      expect(() => { checkRpConfig(config(rp)); }).to.throw(message).with.property('exitCode', 2);
    });
  }
});
