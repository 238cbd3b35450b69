/**
 * Whose object is it: the operator writes (server-side apply with force, updates) only objects it
 * owns, never one that merely carries the name of a child. A forced apply would otherwise take over
 * any Deployment, Service or Secret of the namespace for whoever may create a custom resource.
 */
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { FIELD_MANAGER } from '../resources/ownership.ts';
import { servicesOfKind } from '../kinds.ts';

/**
 * Ours: owned by `resource` (an owner reference with its uid, which a recreated namesake does not
 * share), or controlled by nobody and labelled by the operator as this resource's child (the unseal
 * and database Secrets carry no owner reference on purpose, and an orphaned child loses its own).
 */
export function ownedBy(object: KubeObject, resource: ServiceResource): boolean {
  const owners = object.metadata.ownerReferences ?? [];
  if (owners.some((owner) => owner.uid === resource.metadata.uid)) {
    return true;
  }
  const labels = object.metadata.labels ?? {};
  return !owners.some((owner) => owner.controller)
    && labels['app.kubernetes.io/managed-by'] === FIELD_MANAGER
    // An IdentityRealm's services share its unseal Secrets: any service of the kind counts.
    && servicesOfKind(resource.kind).includes(labels['app.kubernetes.io/name'] ?? '')
    && labels['app.kubernetes.io/instance'] === resource.metadata.name;
}

/** `Kind name`, as conditions and Events name an object. */
export function describeObject(object: KubeObject): string {
  return `${object.kind} ${object.metadata.name}`;
}
