/**
 * The signing algorithms a ring can hold, one row each (jose's habit: a null-prototype table and a
 * resolver that refuses anything else). A row makes a fresh key with node:crypto and exports it as
 * JWK (RFC 7517); adding an algorithm adds a row.
 */
// @ts-nocheck

import { generateKey as generateKeyCallback, generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';

/** HS256 is a 32-byte `oct` secret (RFC 7518 §3.2: the key is at least the hash size), for cookie signing. */
export type SigningAlgorithm = 'ES256' | 'RS256' | 'EdDSA' | 'HS256';

export interface AlgorithmRow {
  /** Asymmetric keys publish their public half; an `oct` secret publishes nothing. */
  readonly asymmetric: boolean;
  /** A new private (or secret) JWK, without kid, alg or use. */
  generate(): Promise<JWK>;
}

const generateKeyPair = promisify(generateKeyPairCallback);
const generateKey = promisify(generateKeyCallback);

/** The members of a private JWK that are secret (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2). */
const PRIVATE_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function privateJwkOf(keys: { privateKey: KeyObject }): JWK {
  return keys.privateKey.export({ format: 'jwk' });
}

/** The bytes of an HS256 secret: RFC 7518 §3.2 asks for at least 256 bits for HMAC-SHA-256. */
export const HS256_SECRET_BYTES = 32;

const ALGORITHMS: Readonly<Record<SigningAlgorithm, AlgorithmRow>> = Object.assign(Object.create(null) as object, {
  ES256: { asymmetric: true, generate: async () => privateJwkOf(await generateKeyPair('ec', { namedCurve: 'P-256' })) },
  // 2048 bits: NIST SP 800-57 Part 1 gives it 112-bit strength through 2030, and it is what every
  // relying party library accepts; RS256 exists here for those relying parties, not for strength.
  RS256: { asymmetric: true, generate: async () => privateJwkOf(await generateKeyPair('rsa', { modulusLength: 2048 })) },
  EdDSA: { asymmetric: true, generate: async () => privateJwkOf(await generateKeyPair('ed25519')) },
  // Made as a KeyObject like the other rows' keys, so no Buffer of the secret is left for this code
  // to wipe; the exported `k` string, like every JWK, cannot be wiped (docs/signing-keys.md).
  HS256: { asymmetric: false, generate: async () => (await generateKey('hmac', { length: HS256_SECRET_BYTES * 8 })).export({ format: 'jwk' }) },
} satisfies Record<SigningAlgorithm, AlgorithmRow>);

/** The row of an algorithm; a TypeError for a name outside the table (a configuration bug). */
export function resolveAlgorithm(algorithm: string): AlgorithmRow {
  const row = (ALGORITHMS as Partial<Record<string, AlgorithmRow>>)[algorithm];
  if (row === undefined) throw new TypeError(`signing keys support ES256, RS256, EdDSA and HS256, not "${algorithm}"`);
  return row;
}

/** The public half of a private JWK: every secret member dropped. */
export function publicHalf(privateJwk: JWK): JWK {
  return Object.fromEntries(Object.entries(privateJwk).filter(([name]) => !PRIVATE_MEMBERS.includes(name)));
}
