/**
 * The one place every service hashes secrets: four registries (low/high entropy × random/
 * deterministic salt), three SHA-2 versions each, FIPS 140-3 approved primitives only.
 */
// @ts-nocheck

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
    const entries = REGISTRIES.map((spec) => {
      const latestVersion = resolveVersion(latest[spec.name] ?? DEFAULT_LATEST_VERSION).version;
      return [spec.name, new HashRegistry({ spec, latestVersion, iterations, peppers })] as const;
    });
    return Object.freeze(Object.fromEntries(entries) as Record<RegistryName, HashRegistry>);
  });
}
