import { expect } from 'chai';
import type { UpSuite } from '../template/service.ts';
import { identitySpa } from './index.ts';
import { checkSpaConfig, type SpaConfig } from './config.ts';

const PORTS: Readonly<Record<string, number>> = { 'identity-idp': 9181, 'identity-rp': 9183, 'identity-spa': 9184 };

/** A suite at port offset 1000 running the named services. */
function suite(names: readonly string[]): UpSuite {
  return {
    dataDir: '/tmp/unused',
    demoClientId: 'cryptoutil-demo',
    publicUrl: (name) => {
      const port = PORTS[name];
      if (port === undefined || !names.includes(name)) throw new Error(`${name} is not part of this suite`);
      return `https://127.0.0.1:${String(port)}`;
    },
    secret: () => Promise.resolve('unused'),
    signInClients: () => Promise.resolve([]),
  };
}

describe('identity-spa under cryptoutil up', () => {
  it('talks to the suite\'s identity-rp and links to identity-idp\'s account pages', async () => {
    const config = await identitySpa.upConfig?.(suite(['identity-idp', 'identity-rp', 'identity-spa'])) as SpaConfig;
    expect(config).to.deep.equal({ spa: { rpUrl: 'https://127.0.0.1:9183', accountUrl: 'https://127.0.0.1:9181/account' } });
    expect(() => { checkSpaConfig(config); }).not.to.throw();
  });

  it('links to no account page when the suite has no identity-idp', async () => {
    expect(await identitySpa.upConfig?.(suite(['identity-rp', 'identity-spa']))).to.deep.equal({ spa: { rpUrl: 'https://127.0.0.1:9183', accountUrl: '' } });
  });

  it('writes its own URL to credentials.json as console_url', async () => {
    expect(await identitySpa.upCredentials?.(suite(['identity-rp', 'identity-spa']))).to.deep.equal({ console_url: 'https://127.0.0.1:9184/' });
  });
});
