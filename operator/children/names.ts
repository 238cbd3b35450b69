/**
 * Child names derived from the resource name, in one place so the builders, the reconciler and the
 * docs agree (`demo` → Deployment `demo`, Secret `demo-tls`, StatefulSet `demo-postgres`, …).
 */
import type { ServiceResource } from '../resources/types.ts';

/** Every child name of one resource. */
export interface ChildNames {
  readonly workload: string;
  readonly config: string;
  readonly tls: string;
  readonly postgres: string;
  readonly databaseSecret: string;
  readonly unseal: string;
}

/** The names of `resource`'s children; Secrets named in the spec win over generated ones. */
export function childNames(resource: ServiceResource): ChildNames {
  const { name } = resource.metadata;
  return {
    workload: name,
    config: `${name}-config`,
    // The CRD allows tls.secretName only in mode Secret.
    tls: resource.spec.tls?.secretName ?? `${name}-tls`,
    postgres: `${name}-postgres`,
    databaseSecret: resource.spec.database?.external?.secretRef.name ?? `${name}-postgres`,
    unseal: `${name}-unseal`,
  };
}

/** True when the database is the operator's own StatefulSet rather than an external one. */
export function managesDatabase(resource: ServiceResource): boolean {
  return resource.spec.database?.external === undefined;
}
