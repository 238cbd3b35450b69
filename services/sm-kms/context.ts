/**
 * What every sm-kms operation shares in one process: the barrier that seals material, the caches
 * of the fast path, and the clock (tests move it to make scheduled deletions fall due).
 */
import type { Barrier } from '../template/barrier/contract.ts';
import type { Reads } from '../template/database/index.ts';
import type { KeyCache } from './cache.ts';

export interface KmsContext {
  readonly barrier: Barrier;
  readonly cache: KeyCache;
  /** The database's prepared reads: what refreshes the caches' snapshots (keyring.ts). */
  readonly reads: Reads;
  /** `kms.encryptionLimit`: random-IV AES-GCM encryptions one material key may make. */
  readonly encryptionLimit: number;
  now(): Date;
}

/** Who caused a state change, as the audit table records it. */
export interface Actor {
  /** The token's `sub`: the client for client-credentials tokens (RFC 9068 §2.2), else the user. */
  readonly subject: string;
  readonly clientId: string;
}

/** The actor of changes nobody asked for in that moment: a scheduled deletion falling due. */
export const SYSTEM_ACTOR: Actor = { subject: 'sm-kms', clientId: 'sm-kms' };
