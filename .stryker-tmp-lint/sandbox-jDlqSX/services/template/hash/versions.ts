// @ts-nocheck
import { HashError } from './errors.ts';

/** The versions every registry knows; a new row (never a changed row) raises the parameters. */
export type HashVersion = 1 | 2 | 3;

/** SHA-2 functions of FIPS 180-4, named as node:crypto names them. */
export type Sha2 = 'sha256' | 'sha384' | 'sha512';

/** One version: the SHA-2 function; the digest is as long as its output (no extra PBKDF2 blocks). */
export interface VersionRow {
  readonly version: HashVersion;
  readonly hash: Sha2;
  readonly digestBytes: number;
}

const ROWS: Readonly<Record<HashVersion, VersionRow>> = {
  1: { version: 1, hash: 'sha256', digestBytes: 32 },
  2: { version: 2, hash: 'sha384', digestBytes: 48 },
  3: { version: 3, hash: 'sha512', digestBytes: 64 },
};
const VERSIONS: Readonly<Record<number, VersionRow>> = Object.freeze(Object.assign(Object.create(null) as object, ROWS));

/**
 * PBKDF2 iterations per version. SHA-256 and SHA-512 follow the OWASP Password Storage Cheat
 * Sheet; SHA-384 runs the SHA-512 compression function (FIPS 180-4 §6.5), so an attacker pays
 * the same per iteration and the SHA-512 figure gives the same work.
 */
export const PRODUCTION_ITERATIONS: Readonly<Record<HashVersion, number>> = Object.freeze(
  Object.assign(Object.create(null) as object, { 1: 600_000, 2: 220_000, 3: 220_000 }),
);

/** Upper bound on any number in a hash string, so a forged string cannot stall a worker. */
export const MAX_PARAMETER = 10_000_000;

/** Resolves a version number to its row, throwing a typed error for any other value. */
export function resolveVersion(version: number): VersionRow {
  const row = VERSIONS[version];
  if (row === undefined) throw new HashError('ERR_HASH_UNKNOWN_VERSION', `v${String(version)}`);
  return row;
}

/** Production iterations with per-version overrides (raised in production, lowered in tests). */
export function iterationTable(overrides: Partial<Record<HashVersion, number>> = {}): Readonly<Record<HashVersion, number>> {
  const table: Record<HashVersion, number> = Object.assign(Object.create(null) as object, PRODUCTION_ITERATIONS);
  for (const [key, value] of Object.entries(overrides)) {
    const version = resolveVersion(Number(key)).version;
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_PARAMETER) {
      throw new HashError('ERR_HASH_PARAMETERS_INVALID', `iterations for v${String(version)}`);
    }
    table[version] = value;
  }
  return Object.freeze(table);
}
