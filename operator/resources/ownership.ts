/**
 * Labels and owner references every child carries (DESIGN "Contract for checks"): the labels let
 * `kubectl get -l` find a resource's children, the owner reference lets the garbage collector delete them.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ObjectMeta, OwnerReference, ServiceResource } from './types.ts';

/**
 * Secret `data` from plain strings. Written as base64 `data` rather than `stringData`: the API server
 * converts one into the other on write, but reads only ever return `data`, so this keeps what we
 * write and what we read in one shape.
 */
export function secretData(values: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]));
}

/** The one field manager and `managed-by` value of everything the operator writes. */
export const FIELD_MANAGER = 'cryptoutil-operator';

/** app.kubernetes.io/* recommended labels for one child of `resource`. */
export function childLabels(resource: ServiceResource, row: KindRow, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': row.service,
    'app.kubernetes.io/instance': resource.metadata.name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'cryptoutil',
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
  };
}

/** The labels a selector matches: stable for the life of the resource (selectors are immutable). */
export function selectorLabels(resource: ServiceResource, row: KindRow, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': row.service,
    'app.kubernetes.io/instance': resource.metadata.name,
    'app.kubernetes.io/component': component,
  };
}

/** `controller: true` so exactly one owner reconciles the child; blockOwnerDeletion for foreground deletion. */
export function controllerReference(resource: ServiceResource): OwnerReference {
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    name: resource.metadata.name,
    uid: resource.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Metadata of an owned child named `name`. */
export function ownedMeta(resource: ServiceResource, row: KindRow, component: string, name: string): ObjectMeta {
  return {
    name,
    namespace: resource.metadata.namespace,
    labels: childLabels(resource, row, component),
    ownerReferences: [controllerReference(resource)],
  };
}

/** An Opaque Secret of `resource` (owned by it, labelled as its `component`) holding `values`. */
export function ownedSecret(resource: ServiceResource, row: KindRow, component: string, name: string, values: Readonly<Record<string, string>>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: ownedMeta(resource, row, component, name), type: 'Opaque', data: secretData(values) };
}
