/**
 * A PkiContext for tests of the domain modules without the template: an unsealed in-memory
 * barrier, the fake rules, a fixed public URL and a clock the test moves.
 */
import { createBarrierWithStore, MemoryBarrierStore, newUnsealShares, type Barrier } from '../../template/barrier/index.ts';
import type { PkiConfig } from '../config.ts';
import type { PkiContext } from '../context.ts';
import { SignerCache } from '../keys.ts';
import type { PkiRules } from '../rules.ts';
import { fakeRules } from './fake-rules.ts';

export interface TestPki {
  readonly pki: PkiContext;
  readonly barrier: Barrier;
  /** Moves the clock forward. */
  advance(ms: number): void;
}

/** The `pki.*` defaults, small validity periods aside. */
export const TEST_PKI_CONFIG: PkiConfig['pki'] = {
  bootstrap: true,
  bootstrapKeyAlgorithm: 'ES256',
  bootstrapSubject: 'O=cryptoutil test',
  rootSubject: '',
  crlIntervalSeconds: 3600,
  deltaCrlIntervalSeconds: 300,
  ocspValiditySeconds: 3600,
  estProfile: 'tls-client',
  acmeProfile: 'tls-server',
  acmeEabRequired: false,
  acmeEabKeys: '',
  acmeHttpPort: 80,
  acmeTlsAlpnPort: 443,
  rootValidityDays: 3650,
  intermediateValidityDays: 1825,
  issuingValidityDays: 365,
  profilesDir: '',
  publicUrl: '',
};

/** An unsealed context (5 shares, threshold 3) with the fake rules unless `rules` are given. */
export async function unsealedPki(config: Partial<PkiConfig['pki']> = {}, rules: PkiRules = fakeRules()): Promise<TestPki> {
  const barrier = createBarrierWithStore(new MemoryBarrierStore(), 3);
  await barrier.unseal((await newUnsealShares(5, 3)).slice(0, 3));
  let now = Date.now();
  return {
    pki: {
      barrier,
      signers: new SignerCache(barrier),
      rules: () => Promise.resolve(rules),
      config: { ...TEST_PKI_CONFIG, ...config },
      publicUrl: () => 'https://pki.test:8380',
      now: () => new Date(now),
    },
    barrier,
    advance: (ms) => { now += ms; },
  };
}
