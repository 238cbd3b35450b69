import { expect } from 'chai';
import type { UpSuite } from '../template/service.ts';
import { identityRp } from './index.ts';
import { checkRpConfig, type RpConfig } from './config.ts';
import { UP_RP_CLIENT_ID, UP_RP_CLIENT_SECRET } from './up.ts';

const PORTS: Readonly<Record<string, number>> = { 'sm-kms': 9080, 'identity-authz': 9180, 'identity-idp': 9181, 'identity-rs': 9182, 'identity-rp': 9183, 'identity-spa': 9184, 'learn-ps': 9188 };

/** A suite at port offset 1000 running the named services, with one kept secret per name. */
function suite(names: readonly string[]): UpSuite {
  const secrets = new Map<string, string>();
  const self: UpSuite = {
    dataDir: '/tmp/unused',
    demoClientId: 'cryptoutil-demo',
    publicUrl: (name) => {
      const port = PORTS[name];
      if (port === undefined || !names.includes(name)) throw new Error(`${name} is not part of this suite`);
      return `https://127.0.0.1:${String(port)}`;
    },
    secret: (name) => {
      if (!secrets.has(name)) secrets.set(name, `secret-${String(secrets.size)}-of-${name}`);
      return Promise.resolve(String(secrets.get(name)));
    },
    signInClients: () => Promise.resolve([]),
  };
  return self;
}

describe('identity-rp under cryptoutil up', () => {
  it('asks for a confidential client with its callback, its root, the console and the scopes of every API, and uses that client', async () => {
    const full = suite(['sm-kms', 'identity-authz', 'identity-idp', 'identity-rs', 'identity-rp', 'identity-spa', 'learn-ps']);
    const client = await identityRp.upSignInClient?.(full);
    const secret = await full.secret(UP_RP_CLIENT_SECRET);
    expect(client).to.deep.equal({
      id: UP_RP_CLIENT_ID, secret, redirectUris: ['https://127.0.0.1:9183/bff/callback'],
      postLogoutRedirectUris: ['https://127.0.0.1:9183/', 'https://127.0.0.1:9184/'],
      backchannelLogoutUri: 'https://127.0.0.1:9183/bff/backchannel-logout',
      openidScopes: ['openid', 'profile', 'email'],
      resourceScopes: {
        'urn:cryptoutil:identity-authz': ['authz:admin'],
        'urn:cryptoutil:identity-idp': ['idp:admin'],
        'urn:cryptoutil:identity-rs': ['rs:read', 'rs:write'],
        'urn:cryptoutil:learn-ps': ['pets:read', 'pets:write', 'orders:read', 'orders:write'],
        'urn:cryptoutil:sm-kms': ['kms:admin', 'kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:verify'],
      },
    });
    const config = await identityRp.upConfig?.(full) as Pick<RpConfig, 'rp'>;
    expect(config).to.deep.equal({
      rp: {
        clientId: 'identity-rp', clientSecret: secret,
        scope: 'openid profile email authz:admin idp:admin rs:read rs:write pets:read pets:write orders:read orders:write kms:admin kms:read kms:encrypt kms:decrypt kms:sign kms:verify',
        apis: {
          'identity-authz': { url: 'https://127.0.0.1:9180/browser/api/v1', resource: 'urn:cryptoutil:identity-authz' },
          'identity-idp': { url: 'https://127.0.0.1:9181/browser/api/v1', resource: 'urn:cryptoutil:identity-idp' },
          'identity-rs': { url: 'https://127.0.0.1:9182/browser/api/v1', resource: 'urn:cryptoutil:identity-rs' },
          'learn-ps': { url: 'https://127.0.0.1:9188/browser/api/v1', resource: 'urn:cryptoutil:learn-ps' },
          'sm-kms': { url: 'https://127.0.0.1:9080/browser/api/v1', resource: 'urn:cryptoutil:sm-kms' },
        },
        consoleOrigins: ['https://127.0.0.1:9184'],
      },
    });
    // What up gives the rp passes its own start-up rules.
    expect(() => { checkRpConfig({ rp: { ...DEFAULTS, ...config.rp } }); }).not.to.throw();
  });

  it('signs in with OpenID scopes only, and lets no console in, when the suite has no API and no identity-spa', async () => {
    const bare = suite(['identity-rp']);
    expect((await identityRp.upSignInClient?.(bare))?.resourceScopes).to.deep.equal({});
    expect((await identityRp.upSignInClient?.(bare))?.postLogoutRedirectUris).to.deep.equal(['https://127.0.0.1:9183/']);
    expect((await identityRp.upSignInClient?.(bare))?.redirectUris).to.deep.equal(['https://127.0.0.1:9183/bff/callback']);
    expect(await identityRp.upConfig?.(bare)).to.deep.equal({ rp: { clientId: 'identity-rp', clientSecret: await bare.secret(UP_RP_CLIENT_SECRET), scope: 'openid profile email' } });
  });

  it('writes its /bff/login to credentials.json as sign_in_url', async () => {
    expect(await identityRp.upCredentials?.(suite(['identity-rp']))).to.deep.equal({ sign_in_url: 'https://127.0.0.1:9183/bff/login' });
  });
});

const DEFAULTS: RpConfig['rp'] = {
  issuer: '', clientId: '', clientSecret: '', redirectUri: '', postLogoutRedirectUri: '', scope: 'openid', resource: '', apis: {},
  sessionTtlSeconds: 28_800, refreshBeforeSeconds: 30,
};
