/**
 * Availability and network policy: a PodDisruptionBudget so voluntary evictions take one pod at a
 * time, and NetworkPolicies that admit only the public port to the service and only the service to
 * its database.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { ownedMeta, selectorLabels } from '../resources/ownership.ts';
import { childNames } from './names.ts';

/** maxUnavailable 1 rather than minAvailable: a single replica can still be drained. */
export function podDisruptionBudget(resource: ServiceResource, row: KindRow): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: ownedMeta(resource, row, 'server', childNames(resource).workload),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(resource, row, 'server') } },
  };
}

/** Ingress to the service pods on the public port only; the admin listener is loopback anyway. */
export function serviceNetworkPolicy(resource: ServiceResource, row: KindRow): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: ownedMeta(resource, row, 'server', childNames(resource).workload),
    spec: {
      podSelector: { matchLabels: selectorLabels(resource, row, 'server') },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: row.port }] }],
    },
  };
}

/** Only this resource's service pods reach its PostgreSQL. */
export function databaseNetworkPolicy(resource: ServiceResource, row: KindRow): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: ownedMeta(resource, row, 'database', childNames(resource).postgres),
    spec: {
      podSelector: { matchLabels: selectorLabels(resource, row, 'database') },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: selectorLabels(resource, row, 'server') } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
    },
  };
}
