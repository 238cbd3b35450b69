import { expect } from 'chai';
import { UsageError } from '../template/errors/index.ts';
import { checkAuthzConfig, type AuthzConfig } from './config.ts';

function config(authz: Partial<AuthzConfig['authz']>): AuthzConfig {
  return {
    authz: {
      issuer: '', idpUrl: '', signingAlgorithm: 'ES256', keyRotationDays: 30, accessTokenTtlSeconds: 3600,
      refreshTokenTtlSeconds: 86_400, sweepIntervalSeconds: 60, corsOrigins: [], bootstrapClient: { id: '', secret: '' }, signInClients: [], ...authz,
    },
  };
}

describe('identity-authz configuration rules', () => {
  it('takes https origins for authz.corsOrigins', () => {
    expect(() => { checkAuthzConfig(config({ corsOrigins: ['https://127.0.0.1:8480', 'https://kms.example'] })); }).not.to.throw();
  });

  const refused: [string, string][] = [
    ['a plain-HTTP origin', 'http://127.0.0.1:8480'],
    ['an origin with a path', 'https://127.0.0.1:8480/ui/swagger/'],
    ['an origin with a trailing slash', 'https://127.0.0.1:8480/'],
    ['something that is not a URL', 'learn-ps'],
  ];
  for (const [what, origin] of refused) {
    it(`refuses ${what} in authz.corsOrigins, naming the key and the value (exit 2)`, () => {
      expect(() => { checkAuthzConfig(config({ corsOrigins: [origin] })); }).to.throw(UsageError, `authz.corsOrigins: ${JSON.stringify(origin)} is not an https origin`);
    });
  }

  const secret = 'a-secret-of-at-least-thirty-two-characters';
  const client = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: 'identity-rp', secret, redirectUris: ['https://127.0.0.1:8183/bff/callback'], postLogoutRedirectUris: ['https://127.0.0.1:8183/'],
    openidScopes: ['openid', 'profile', 'email'], resourceScopes: { 'urn:cryptoutil:identity-rs': ['rs:read'] }, ...extra,
  });
  const withClients = (clients: unknown[], bootstrapId = ''): AuthzConfig => config({
    signInClients: clients as AuthzConfig['authz']['signInClients'], bootstrapClient: { id: bootstrapId, secret: bootstrapId === '' ? '' : secret },
  });

  it('takes sign-in clients with https redirect URIs and OpenID scopes including openid', () => {
    expect(() => { checkAuthzConfig(withClients([client(), client({ id: 'console', postLogoutRedirectUris: [], resourceScopes: {}, backchannelLogoutUri: 'https://127.0.0.1:8184/logout' })], 'cryptoutil-demo')); }).not.to.throw();
  });

  const badClients: [string, unknown, string][] = [
    ['a client that is not an object', 'identity-rp', 'authz.signInClients[0] must be an object'],
    ['an unknown key', client({ grantTypes: ['client_credentials'] }), 'authz.signInClients[0] has unknown keys: grantTypes'],
    ['a bad id', client({ id: 'a b' }), 'authz.signInClients[0].id'],
    ['a short secret', client({ secret: 'short' }), 'authz.signInClients[0].secret must be at least 32 characters'],
    ['no redirect URI', client({ redirectUris: [] }), 'authz.signInClients[0].redirectUris'],
    ['a plain-HTTP redirect URI', client({ redirectUris: ['http://127.0.0.1:8183/bff/callback'] }), 'authz.signInClients[0].redirectUris'],
    ['a missing post-logout list', client({ postLogoutRedirectUris: undefined }), 'authz.signInClients[0].postLogoutRedirectUris'],
    ['no openid scope', client({ openidScopes: ['profile'] }), 'authz.signInClients[0].openidScopes must include openid'],
    ['an unknown OpenID scope', client({ openidScopes: ['openid', 'phone'] }), 'authz.signInClients[0].openidScopes'],
    ['resource scopes that are not lists', client({ resourceScopes: { 'urn:cryptoutil:identity-rs': 'rs:read' } }), 'authz.signInClients[0].resourceScopes'],
    ['resource scopes as a list', client({ resourceScopes: [] }), 'authz.signInClients[0].resourceScopes'],
    ['a plain-HTTP back-channel logout URI', client({ backchannelLogoutUri: 'http://127.0.0.1:8183/bff/backchannel-logout' }), 'authz.signInClients[0].backchannelLogoutUri must be an https URL'],
    ['a back-channel logout URI that is not text', client({ backchannelLogoutUri: 42 }), 'authz.signInClients[0].backchannelLogoutUri must be an https URL'],
  ];
  for (const [what, bad, message] of badClients) {
    it(`refuses a sign-in client with ${what}, naming the key and never the secret (exit 2)`, () => {
      let failure: unknown;
      try { checkAuthzConfig(withClients([bad])); } catch (error) { failure = error; }
      expect(failure).to.be.instanceOf(UsageError);
      expect(String(failure)).to.include(message).and.not.include(secret);
    });
  }

  it('refuses two sign-in clients with one id, or one with the bootstrap client\'s id', () => {
    expect(() => { checkAuthzConfig(withClients([client(), client()])); }).to.throw(UsageError, 'every client id must be distinct');
    expect(() => { checkAuthzConfig(withClients([client({ id: 'cryptoutil-demo' })], 'cryptoutil-demo')); }).to.throw(UsageError, 'every client id must be distinct');
  });
});
