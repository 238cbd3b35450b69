import { expect } from 'chai';
import pino from 'pino';
import { createBarrierWithStore, MemoryBarrierStore } from '../template/barrier/index.ts';
import { createHashService } from '../template/hash/index.ts';
import type { ServiceRuntime } from '../template/service.ts';
import type { RpConfig } from './config.ts';
import { partsOf } from './index.ts';

describe('identity-rp\'s parts from its runtime', () => {
  async function runtime(rp: Partial<RpConfig['rp']>, withBarrier = true): Promise<ServiceRuntime<RpConfig>> {
    return {
      config: {
        auth: { issuer: 'https://authz.example' },
        rp: { issuer: '', clientId: 'rp', clientSecret: 's', redirectUri: '', postLogoutRedirectUri: '', scope: 'openid', resource: '', apis: {}, sessionTtlSeconds: 60, refreshBeforeSeconds: 30, ...rp },
      },
      ...(withBarrier ? { barrier: createBarrierWithStore(new MemoryBarrierStore(), 2) } : {}),
      hash: await createHashService({ pepper: 'a-test-pepper-of-at-least-32-bytes!!' }),
      ca: '',
      publicUrl: () => 'https://127.0.0.1:8183',
      log: pino({ level: 'silent' }),
    } as unknown as ServiceRuntime<RpConfig>;
  }

  it('derives the redirect URI, the post-logout URI and the origin from the listener when none is configured', async () => {
    const parts = partsOf(await runtime({}));
    expect(parts.redirectUri()).to.equal('https://127.0.0.1:8183/bff/callback');
    expect(parts.postLogoutRedirectUri()).to.equal('https://127.0.0.1:8183/');
    expect(parts.ownOrigin()).to.equal('https://127.0.0.1:8183');
  });

  it('uses the configured URLs behind an ingress', async () => {
    const parts = partsOf(await runtime({ issuer: 'https://login.example', redirectUri: 'https://app.example/bff/callback', postLogoutRedirectUri: 'https://app.example/bye' }));
    expect(parts.redirectUri()).to.equal('https://app.example/bff/callback');
    expect(parts.postLogoutRedirectUri()).to.equal('https://app.example/bye');
    expect(parts.ownOrigin()).to.equal('https://app.example');
  });

  it('refuses a runtime without the barrier it seals sessions with', async () => {
    expect(partsOf.bind(undefined, await runtime({}, false))).to.throw(/barrier/);
  });
});
