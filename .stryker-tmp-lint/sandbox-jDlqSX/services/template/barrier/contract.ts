/**
 * What a service sees of the barrier (DESIGN "Barrier"), modelled on Vault's SecurityBarrier: one
 * interface, sentinel errors, and the same conformance suite run against every implementation.
 * Records are sealed with `encrypt(plaintext, aad)`; `aad` names the record (table, id, column) so
 * a ciphertext copied onto another record never decrypts.
 */
// @ts-nocheck

import { ProblemError, ServiceUnavailableError } from '../errors/index.ts';

/** Which key `rotate` replaces. Rotating the root key also starts a new intermediate key under it. */
export type BarrierKeyKind = 'root' | 'intermediate';

/** What `POST /admin/v1/unseal` and `status()` report. */
export interface SealStatus {
  readonly sealed: boolean;
  /** Shares needed to rebuild the unseal key. */
  readonly threshold: number;
  /** Shares received so far towards the next unseal (0 once unsealed). */
  readonly progress: number;
}

/** The keys that encrypt from now on, after a rotation. */
export interface RotationResult {
  readonly rootKeyId: string;
  readonly intermediateKeyId: string;
}

export interface Barrier {
  status(): SealStatus;
  isSealed(): boolean;
  /**
   * Adds one base64url share. When `threshold` distinct shares are present the unseal key is
   * rebuilt and checked; wrong shares throw UnsealError, reset the progress and leave it sealed.
   */
  submitShare(share: string): Promise<SealStatus>;
  /** All shares at once (from `barrier.shares` at start). Same errors as `submitShare`. */
  unseal(shares: readonly string[]): Promise<void>;
  /** Wipes every key from memory; later calls throw BarrierSealedError until unsealed again. */
  seal(): void;
  encrypt(plaintext: Uint8Array, aad: string): Promise<Uint8Array>;
  /** Throws BarrierIntegrityError when the ciphertext or its AAD was tampered with. */
  decrypt(ciphertext: Uint8Array, aad: string): Promise<Uint8Array>;
  rotate(kind: BarrierKeyKind): Promise<RotationResult>;
  /** Called on every seal (and on close), so caches of decrypted material can wipe themselves. */
  onSeal(listener: () => void): () => void;
}

/** A business call while sealed: 503, as DESIGN requires for every business endpoint. */
export class BarrierSealedError extends ServiceUnavailableError {
  constructor() {
    super('the barrier is sealed; unseal it through POST /admin/v1/unseal', 5);
  }
}

/** The shares do not rebuild the unseal key of this barrier, or are malformed. */
export class UnsealError extends ProblemError {
  constructor(detail: string) {
    super(400, 'bad_request', 'Unseal failed', { detail });
  }
}

/** A sealed record failed authentication: tampered, truncated, or bound to another record. */
export class BarrierIntegrityError extends ProblemError {
  constructor(detail: string) {
    super(500, 'internal_error', 'Barrier integrity failure', { detail });
  }
}
