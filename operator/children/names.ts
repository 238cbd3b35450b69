/**
 * Child names derived from the resource name and its service, in one place so the builders, the
 * reconciler and the docs agree (PetStore `demo` → Deployment `demo-learn-ps`, Secret
 * `demo-learn-ps-tls`, StatefulSet `demo-learn-ps-postgres`, …). The service is part of the name
 * because resources of different kinds may share a name in one namespace (the samples are all `demo`).
 */
import type { ServiceResource } from '../resources/types.ts';
import { kindRow } from '../kinds.ts';

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
  const row = kindRow(resource.kind);
  const name = `${resource.metadata.name}-${row.service}`;
  return {
    workload: name,
    config: `${name}-config`,
    // The CRD allows tls.secretName only in mode Secret.
    tls: resource.spec.tls?.secretName ?? `${name}-tls`,
    postgres: `${name}-postgres`,
    databaseSecret: resource.spec.database?.external?.secretRef.name ?? `${name}-postgres`,
    // Users pre-create it by this name; KmsInstance keeps the name it had when it was the only kind with one.
    unseal: row.children.unsealNamedByResource === true ? `${resource.metadata.name}-unseal` : `${name}-unseal`,
  };
}

/** True when the database is the operator's own StatefulSet rather than an external one. */
export function managesDatabase(resource: ServiceResource): boolean {
  return resource.spec.database?.external === undefined;
}
