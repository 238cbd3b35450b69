import { expect } from 'chai';
import { checkRpConfig, type RpConfig } from './config.ts';

function config(rp: Partial<RpConfig['rp']> = {}): RpConfig {
  return {
    rp: {
      issuer: '', clientId: 'rp', clientSecret: 's3cret', redirectUri: '', postLogoutRedirectUri: '', scope: 'openid', resource: '',
      apis: {}, sessionTtlSeconds: 60, refreshBeforeSeconds: 30, ...rp,
    },
  };
}

describe('identity-rp configuration', () => {
  it('accepts a client, https URLs and named https API targets', () => {
    expect(() => {
      checkRpConfig(config({ issuer: 'https://authz.example', redirectUri: 'https://rp.example/bff/callback', postLogoutRedirectUri: 'https://rp.example/', apis: { 'identity-rs': 'https://rs.example/browser/api/v1' } }));
    }).not.to.throw();
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
  ];
  for (const [what, rp, message] of refused) {
    it(`refuses ${what} with a usage error (exit 2)`, () => {
      expect(() => { checkRpConfig(config(rp)); }).to.throw(message).with.property('exitCode', 2);
    });
  }
});
