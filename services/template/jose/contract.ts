/**
 * What sm-kms and jose-ja see of their JOSE cryptography: one table of algorithms (jose's habit: adding a
 * row adds a feature) and the operations a material key can do. Handlers never branch on an
 * algorithm name; they resolve a row and call these functions.
 */
import type { JWK } from 'jose';

export type KeyUse = 'enc' | 'sig';
export type KeyType = 'oct' | 'RSA' | 'EC' | 'OKP';

/** One row of the algorithm table. `name` is what the API accepts: `A256GCM/A256KW`, `ES256`, … */
export interface AlgorithmRow {
  readonly name: string;
  readonly use: KeyUse;
  readonly kty: KeyType;
  /** JWS `alg`, or JWE key-management `alg` (`dir`, `A256KW`, `RSA-OAEP-256`, `ECDH-ES+A256KW`, …). */
  readonly alg: string;
  /** JWE content encryption (`A256GCM`, `A128CBC-HS256`, …); absent for JWS rows. */
  readonly enc?: string;
}

/** A material key as stored: the private (or secret) JWK goes under the barrier, the public one in clear. */
export interface KeyMaterial {
  /** The material key id; also the JWK `kid` and the `kid` of every JWE/JWS it makes. */
  readonly kid: string;
  /** Full JWK with private or secret members, `kid` and `alg` set. Never leaves the process in clear. */
  readonly privateJwk: JWK;
  /** Public JWK for asymmetric keys; absent for `oct`. */
  readonly publicJwk?: JWK;
}

/** The data-key shapes `generate?alg=` accepts. */
export type DataKeySpec = 'oct/128' | 'oct/192' | 'oct/256' | 'oct/512' | 'EC/P-256' | 'EC/P-384' | 'EC/P-521' | 'RSA/2048' | 'RSA/3072' | 'RSA/4096' | 'OKP/Ed25519';

/** A new data key: its full JWK only as a compact JWE made by the elastic key; the public part beside it. */
export interface GeneratedDataKey {
  /** Compact JWE whose plaintext is the data key's JWK (JSON). */
  readonly wrapped: string;
  readonly publicJwk?: JWK;
}

/** The protected header fields decrypt and verify need before choosing a key. */
export interface JoseHeader {
  readonly kid: string;
  readonly alg: string;
  readonly enc?: string;
  /** The `ctx` header (sm-kms): the caller's encryption context, integrity-protected as JWE AAD. */
  readonly ctx?: string;
}
