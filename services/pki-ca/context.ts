/**
 * What every pki-ca operation shares in one process: the barrier the CA keys are sealed under,
 * the cache of open CA signers, the rules (profiles and lint), the base URL issued certificates
 * name, and the clock.
 */
import type { Barrier } from '../template/barrier/contract.ts';
import type { PkiConfig } from './config.ts';
import type { SignerCache } from './keys.ts';
import type { PkiRules } from './rules.ts';

export interface PkiContext {
  readonly barrier: Barrier;
  readonly signers: SignerCache;
  readonly rules: () => Promise<PkiRules>;
  readonly config: PkiConfig['pki'];
  /** Base of the CRL, OCSP and CA certificate URLs, without a trailing slash. */
  readonly publicUrl: () => string;
  now(): Date;
}

/** The base URL issued certificates name: `pki.publicUrl` when set, else the public listener's; no trailing slash. */
export function publicBaseUrl(configured: string, listener: () => string): () => string {
  return () => (configured === '' ? listener() : configured).replace(/\/+$/, '');
}
