/**
 * The children a reconcile applies with server-side apply, as one pure function of the resource.
 * Secrets written once (credentials, TLS, unseal) are not here: they carry generated material and
 * are created only when absent (see controllers/material.ts).
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { managesDatabase } from './names.ts';
import { postgresImage, postgresService, postgresStatefulSet } from './postgres.ts';
import { certManagerCertificate } from './tls.ts';
import { configMap } from './config.ts';
import { deployment, service } from './workload.ts';
import { databaseNetworkPolicy, podDisruptionBudget, serviceNetworkPolicy } from './policies.ts';

/** Images the operator deploys; `spec.image` overrides the service image per resource. */
export interface Images {
  readonly service: string;
  readonly postgres: string;
}

/** Every applied child of `resource`, in apply order (dependencies before dependents); `issuer` goes into the config. */
export function desiredChildren(resource: ServiceResource, row: KindRow, images: Images, issuer: string): KubeObject[] {
  const database = managesDatabase(resource)
    ? [postgresService(resource, row), postgresStatefulSet(resource, row, postgresImage(resource, images.postgres)), databaseNetworkPolicy(resource, row)]
    : [];
  const certificate = certManagerCertificate(resource, row);
  return [
    ...database,
    ...(certificate === undefined ? [] : [certificate]),
    configMap(resource, row, issuer),
    deployment(resource, row, resource.spec.image ?? images.service, issuer),
    service(resource, row),
    podDisruptionBudget(resource, row),
    serviceNetworkPolicy(resource, row),
  ];
}
