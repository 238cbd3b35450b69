import { expect } from 'chai';
import { UsageError } from '../template/errors/index.ts';
import { checkAuthzConfig, type AuthzConfig } from './config.ts';

function config(authz: Partial<AuthzConfig['authz']>): AuthzConfig {
  return {
    authz: {
      issuer: '', idpUrl: '', signingAlgorithm: 'ES256', keyRotationDays: 30, accessTokenTtlSeconds: 3600,
      refreshTokenTtlSeconds: 86_400, sweepIntervalSeconds: 60, corsOrigins: [], bootstrapClient: { id: '', secret: '' }, ...authz,
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
});
