/**
 * Child names derived from the resource name and its service, in one place so the builders, the
 * reconciler and the docs agree (PetStore `demo` → Deployment `demo-learn-ps`, Secret
 * `demo-learn-ps-tls`, StatefulSet `demo-learn-ps-postgres`, …). The service is part of the name
 * because resources of different kinds may share a name in one namespace (the samples are all `demo`).
 */
import { SERVICE_ROW, type ServiceResource } from '../resources/types.ts';
import { kindRow, type KindRow } from '../kinds.ts';
import { workloadName } from './endpoint.ts';

/** Every child name of one resource. */
export interface ChildNames {
  readonly workload: string;
  readonly config: string;
  readonly tls: string;
  readonly postgres: string;
  readonly databaseSecret: string;
  readonly unseal: string;
  /** The hash pepper Secret of services that hash (KindChildren.pepper). */
  readonly pepper: string;
}

/** The service `resource` stands for: its view's (forService), else its kind's own. */
export function serviceRow(resource: ServiceResource): KindRow {
  return resource[SERVICE_ROW] ?? kindRow(resource.kind);
}

/** `resource` as seen by one of its services: child names, labels and config are that service's. */
export function forService(resource: ServiceResource, row: KindRow): ServiceResource {
  return { ...resource, [SERVICE_ROW]: row };
}

function unsealName(resource: ServiceResource, row: KindRow, name: string): string {
  if (row.children.unsealNamedByResource === true) return `${resource.metadata.name}-unseal`;
  return row.children.sharedUnseal === undefined ? `${name}-unseal` : `${resource.metadata.name}-${row.children.sharedUnseal}-unseal`;
}

/** The names of `resource`'s children; Secrets named in the spec win over generated ones. */
export function childNames(resource: ServiceResource): ChildNames {
  const row = serviceRow(resource);
  const name = workloadName(resource, row.service);
  return {
    workload: name,
    config: `${name}-config`,
    // The CRD allows tls.secretName only in mode Secret.
    tls: resource.spec.tls?.secretName ?? `${name}-tls`,
    postgres: `${name}-postgres`,
    databaseSecret: resource.spec.database?.external?.secretRef.name ?? `${name}-postgres`,
    // Users pre-create it by this name; KmsInstance keeps the name it had when it was the only kind with one.
    unseal: unsealName(resource, row, name),
    pepper: `${name}-pepper`,
  };
}

/** True when the database is the operator's own StatefulSet rather than an external one. */
export function managesDatabase(resource: ServiceResource): boolean {
  return resource.spec.database?.external === undefined;
}
