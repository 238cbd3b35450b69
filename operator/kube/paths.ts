/**
 * REST paths of the kinds the operator touches, from one table (kind → plural): built-in kinds
 * listed here, cryptoutil kinds taken from the kind table.
 */
import { KIND_ROWS } from '../kinds.ts';
import type { ObjectRef } from '../resources/types.ts';

const BUILT_IN_PLURALS: Readonly<Record<string, string>> = {
  Secret: 'secrets',
  ConfigMap: 'configmaps',
  Service: 'services',
  Event: 'events',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  PodDisruptionBudget: 'poddisruptionbudgets',
  NetworkPolicy: 'networkpolicies',
  Lease: 'leases',
  Certificate: 'certificates',
};

const PLURALS: Readonly<Record<string, string | undefined>> = Object.assign(
  Object.create(null) as Record<string, string>,
  BUILT_IN_PLURALS,
  Object.fromEntries(KIND_ROWS.map((row) => [row.kind, row.plural])),
);

/** `/api/v1` for the core group, `/apis/<group>/<version>` for the rest. */
function groupPrefix(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The collection path of a kind in a namespace (the watch and list path). */
export function collectionPath(apiVersion: string, kind: string, namespace = ''): string {
  const plural = PLURALS[kind];
  if (plural === undefined) {
    throw new Error(`no REST path known for kind ${kind}`);
  }
  // '' is cluster scope: the path of cluster-scoped kinds and of lists and watches across namespaces.
  const scope = namespace === '' ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${groupPrefix(apiVersion)}${scope}/${plural}`;
}

/** The path of one object. */
export function objectPath(ref: ObjectRef): string {
  return `${collectionPath(ref.apiVersion, ref.kind, ref.namespace)}/${encodeURIComponent(ref.name)}`;
}
