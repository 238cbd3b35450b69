/**
 * The one place every service hashes secrets: four registries (low/high entropy × random/
 * deterministic salt), three SHA-2 versions each, FIPS 140-3 approved primitives only.
 */
import { availableParallelism } from 'node:os';
import { HashError } from './errors.ts';
import { HashGate } from './gate.ts';
import type { GateLimits } from './gate.ts';
import { pooledPbkdf2 } from './pbkdf2-pool.ts';
import type { Pbkdf2Function } from './pbkdf2.ts';
import { PepperRing } from './pepper.ts';
import type { PepperOption } from './pepper.ts';
import { REGISTRIES } from './registries.ts';
import type { RegistryName } from './registries.ts';
import { HashRegistry } from './registry.ts';
import { iterationTable, resolveVersion } from './versions.ts';
import type { HashVersion } from './versions.ts';

export { HashError } from './errors.ts';
export type { HashErrorReason } from './errors.ts';
export type { PepperOption, VersionedPepper } from './pepper.ts';
export type { RegistryName } from './registries.ts';
export { HashRegistry } from './registry.ts';
export type { HashAdmission } from './registry.ts';
export type { GateLimits, GateState } from './gate.ts';
export type { Pbkdf2Function } from './pbkdf2.ts';
export { PRODUCTION_ITERATIONS } from './versions.ts';
export type { HashVersion } from './versions.ts';

/** How the service is built; only `pepper` is needed in production. */
export interface HashServiceOptions {
  /** `hash.pepper` from config (pepper version 1), or the versioned peppers of a rotation. */
  readonly pepper: PepperOption;
  /** Version new hashes use, per registry; 3 unless set (lower it only to roll back a rollout). */
  readonly latestVersions?: Partial<Record<RegistryName, number>>;
  /** PBKDF2 iterations per version: raise in production; tests lower them where speed matters. */
  readonly pbkdf2Iterations?: Partial<Record<HashVersion, number>>;
  /** `hash.maxConcurrent`: PBKDF2 calls at once; 0 or unset means `defaultMaxConcurrent()`. */
  readonly maxConcurrent?: number;
  /** `hash.maxQueued`: hashes that may wait beyond those; more are refused (ERR_HASH_OVERLOADED). */
  readonly maxQueued?: number;
  /** The PBKDF2 function; the low-priority worker pool unless set (tests wrap one to count calls in flight). */
  readonly pbkdf2?: Pbkdf2Function;
}

/** Hashes that may wait for a PBKDF2 slot before new ones are refused, unless configured. */
export const DEFAULT_MAX_QUEUED = 256;

/** One core left for the event loop and the rest of the machine: cores − 1, at least one. */
export function defaultMaxConcurrent(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** The gate's limits from the options, defaults filled in; rejects what is not a count. */
export function gateLimits(options: Pick<HashServiceOptions, 'maxConcurrent' | 'maxQueued'>): GateLimits {
  const maxConcurrent = options.maxConcurrent ?? 0;
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 0) throw new HashError('ERR_HASH_PARAMETERS_INVALID', 'maxConcurrent');
  if (!Number.isSafeInteger(maxQueued) || maxQueued < 0) throw new HashError('ERR_HASH_PARAMETERS_INVALID', 'maxQueued');
  return { maxConcurrent: maxConcurrent === 0 ? defaultMaxConcurrent() : maxConcurrent, maxQueued };
}

/** The four registries, by name. */
export type HashService = Readonly<Record<RegistryName, HashRegistry>>;

/** The newest version; `latestVersion` of every registry unless configured otherwise. */
export const DEFAULT_LATEST_VERSION: HashVersion = 3;

/** Builds the hash service once at start-up; rejects with a HashError on any bad option. */
export function createHashService(options: HashServiceOptions): Promise<HashService> {
  return Promise.resolve().then(() => {
    const peppers = new PepperRing(options.pepper);
    const iterations = iterationTable(options.pbkdf2Iterations);
    const latest = options.latestVersions ?? {};
    const limits = gateLimits(options);
    const gate = new HashGate(limits);
    const pbkdf2 = options.pbkdf2 ?? pooledPbkdf2(limits.maxConcurrent);
    const entries = REGISTRIES.map((spec) => {
      const latestVersion = resolveVersion(latest[spec.name] ?? DEFAULT_LATEST_VERSION).version;
      return [spec.name, new HashRegistry({ spec, latestVersion, iterations, peppers, gate, pbkdf2 })] as const;
    });
    return Object.freeze(Object.fromEntries(entries) as Record<RegistryName, HashRegistry>);
  });
}
