/**
 * What every jose-ja key-set operation shares in one process: the barrier the private keys are
 * sealed under, the JWKS max-age (which also paces rotations), the base URL issuers and JWKS URLs
 * name, the clock, and who to tell when a set's keys change.
 */
import type { Barrier } from '../template/barrier/contract.ts';

/** Who asked for a change: the principal of a request, or jose-ja itself. */
export interface Actor {
  readonly subject: string;
  readonly clientId: string;
}

/** The actor of scheduled rotations, key deletions and declared sets. */
export const SERVICE_ACTOR: Actor = Object.freeze({ subject: 'jose-ja', clientId: 'jose-ja' });

export interface JaContext {
  readonly barrier: Barrier;
  readonly jwksMaxAgeSeconds: number;
  /** Base of default issuers and JWKS URLs, without a trailing slash. */
  readonly publicUrl: () => string;
  now(): Date;
  /** Called once a change of the named set's keys or settings has committed (caches drop the set). */
  changed(name: string): void;
}

/** `jose.publicUrl` when set, else the public listener's; no trailing slash. */
export function publicBaseUrl(configured: string, listener: () => string): () => string {
  return () => (configured === '' ? listener() : configured).replace(/\/+$/, '');
}
