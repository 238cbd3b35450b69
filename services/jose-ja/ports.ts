/**
 * What the JOSE operations of jose-ja (JWT issue and verify, sign, verify, encrypt, decrypt) need
 * from the key sets that hold the keys, and how they report to the audit trail. The key-set side
 * implements these; the operations know nothing of storage, rotation or the barrier.
 */
import type { PreparedKey } from '../template/jose/index.ts';

/** `sig` key sets sign and verify; `enc` key sets encrypt and decrypt. */
export type KeySetUse = 'sig' | 'enc';

/** The settings of a key set an operation reads. */
export interface KeySetSettings {
  readonly name: string;
  readonly use: KeySetUse;
  /** The algorithm table row name every key of the set has (`ES256`, `A256GCM/ECDH-ES+A256KW`, …). */
  readonly alg: string;
  /** `iss` of every JWT the set issues, and the only `iss` its verification accepts. */
  readonly issuer: string;
  /** JWS `typ` header of the JWTs it issues (`JWT` unless the set says otherwise, e.g. `at+jwt`). */
  readonly tokenType: string;
}

/** The keys of one set an operation may use, already unsealed and prepared. */
export interface KeyChoice {
  readonly settings: KeySetSettings;
  /** The one key that signs or encrypts now. */
  readonly active: PreparedKey;
  /**
   * The keys that verify or decrypt: the active key and the retired keys still within retention;
   * for an `enc` set also the `next` key, which its JWKS publishes so senders may encrypt to it. A
   * `sig` set's `next` key never verifies: it has signed nothing yet.
   */
  readonly usable: readonly PreparedKey[];
  /** For an `enc` set paired with a `sig` set: that set's keys (nested JWTs are signed by it, then encrypted). */
  readonly paired?: KeyChoice;
}

/** Where the operations find keys. */
export interface KeySource {
  /** The keys of the named set; throws NotFoundError (404) when there is no such set. */
  keys(name: string): Promise<KeyChoice>;
}

/** One audited operation: who asked is the principal of the request. */
export interface OperationRecord {
  readonly keySet: string;
  /** `jwt.issue`, `jwt.verify`, `sign`, `verify`, `encrypt`, `decrypt`. */
  readonly action: string;
  /** The key that signed, verified, encrypted or decrypted, when one was found. */
  readonly kid?: string;
  readonly outcome: 'success' | 'failure';
  /** For failures: which check failed (never a secret, never the payload). */
  readonly detail?: string;
}

/** The audit trail as the operations see it; the key-set side stores each record as an append-only row. */
export interface OperationAudit {
  record(actor: { readonly subject: string; readonly clientId: string }, entry: OperationRecord): Promise<void>;
}
