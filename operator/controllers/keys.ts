/**
 * Work-queue keys: one string per custom resource, `<kind>/<namespace>/<name>`, so events about a
 * resource and about its Deployment or StatefulSet collapse into one reconcile.
 */
import { API_VERSION, KIND_TABLE, SERVICE_ROWS, isWatchedKind } from '../kinds.ts';
import { FIELD_MANAGER } from '../resources/ownership.ts';
import type { KubeObject, ObjectRef } from '../resources/types.ts';
import type { Reconciler } from './reconciler.ts';

/** The key of a cryptoutil resource. */
export function resourceKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** The reference a key stands for; undefined for anything that is not a watched kind's key. */
export function refOfKey(key: string): ObjectRef | undefined {
  const [kind = '', namespace, name, ...rest] = key.split('/');
  if (!isWatchedKind(kind) || namespace === undefined || name === undefined || rest.length > 0) {
    return undefined;
  }
  return { apiVersion: API_VERSION, kind, namespace, name };
}

/** A custom resource's own key. */
export function keyOfResource(object: KubeObject): string {
  return resourceKey(object.kind, object.metadata.namespace ?? '', object.metadata.name);
}

/** A child's key is its controlling owner's, when that owner is one of our kinds. */
export function keyOfOwner(object: KubeObject): string | undefined {
  const owner = object.metadata.ownerReferences?.find((reference) => reference.controller && reference.apiVersion === API_VERSION);
  return owner === undefined || KIND_TABLE[owner.kind] === undefined ? undefined : resourceKey(owner.kind, object.metadata.namespace ?? '', owner.name);
}

/**
 * The key of anything the operator made: its controlling owner's, or, for a child kept without an
 * owner reference (a Secret retained past its resource), the resource its labels name.
 */
export function keyOfChild(object: KubeObject): string | undefined {
  const owned = keyOfOwner(object);
  if (owned !== undefined) {
    return owned;
  }
  const labels = object.metadata.labels ?? {};
  const row = SERVICE_ROWS.find((candidate) => candidate.service === labels['app.kubernetes.io/name']);
  const instance = labels['app.kubernetes.io/instance'];
  return row === undefined || instance === undefined || labels['app.kubernetes.io/managed-by'] !== FIELD_MANAGER
    ? undefined
    : resourceKey(row.kind, object.metadata.namespace ?? '', instance);
}

/** Runs the reconciler of the key's kind; keys of other kinds are ignored. */
export async function reconcileKey(key: string, reconcilers: ReadonlyMap<string, Reconciler>): Promise<void> {
  const ref = refOfKey(key);
  const reconciler = ref === undefined ? undefined : reconcilers.get(ref.kind);
  if (ref !== undefined && reconciler !== undefined) {
    await reconciler.reconcile(ref);
  }
}

/** The kind part of a key, the label of the reconcile metrics. */
export function kindOfKey(key: string): string {
  return key.slice(0, Math.max(0, key.indexOf('/')));
}
