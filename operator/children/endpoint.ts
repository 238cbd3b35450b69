/**
 * Where a service of a resource is reached inside the cluster. Kept apart from names.ts, which reads
 * the kind table, so that the table's own rows (the realm's configuration) can use it too.
 */
import type { ServiceResource } from '../resources/types.ts';

/** The Deployment and Service name of `service` for `resource` (PetStore `demo` → `demo-learn-ps`). */
export function workloadName(resource: ServiceResource, service: string): string {
  return `${resource.metadata.name}-${service}`;
}

/** `https://<workload>.<namespace>.svc:<port>`: the in-cluster base URL of the service. */
export function serviceUrl(resource: ServiceResource, service: { readonly service: string; readonly port: number }): string {
  return `https://${workloadName(resource, service.service)}.${resource.metadata.namespace}.svc:${String(service.port)}`;
}
