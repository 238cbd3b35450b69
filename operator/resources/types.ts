/**
 * The few Kubernetes shapes the operator reads and writes, kept as plain data so the desired-state
 * builders stay pure and the tests can compare objects structurally.
 */
import type { KmsInstanceSpec, PetStoreSpec } from '../api/index.ts';
import type { KindRow } from '../kinds.ts';

/**
 * Marks a resource as seen by one of its services (children/names.ts `forService`): a symbol, so it
 * is never serialized into what the operator writes.
 */
export const SERVICE_ROW: unique symbol = Symbol('cryptoutil.io/service-row');

/** Metadata the operator sets or reads; everything else the API server owns. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly deletionTimestamp?: string;
  readonly finalizers?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly OwnerReference[];
}

/** metav1.OwnerReference: `controller: true` makes the garbage collector delete the child with its owner. */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller: boolean;
  readonly blockOwnerDeletion: boolean;
}

/** Any object the API server stores: typed enough to route, loose enough to hold every kind's body. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

/** Which object, without its body: the key of reads, deletes and the work queue. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** metav1.Condition (KEP-1623). */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
}

/**
 * The spec fields the operator reads: the CRD schema types themselves (operator/api), so the
 * operator and the CRDs cannot drift. The kinds with a barrier add its split (barrierSpec) to the common fields.
 */
// The API server applies the schema's defaults, so `replicas` is always present when the operator reads it.
export type ServiceSpec = PetStoreSpec & Partial<Pick<KmsInstanceSpec, 'barrier'>> & { readonly replicas: number };
export type DeletionPolicy = NonNullable<ServiceSpec['deletionPolicy']>;
export type TlsMode = NonNullable<NonNullable<ServiceSpec['tls']>['mode']>;

/** A cryptoutil custom resource as the operator sees it. */
export interface ServiceResource extends KubeObject {
  readonly metadata: ObjectMeta & { readonly namespace: string; readonly uid: string; readonly generation: number };
  readonly spec: ServiceSpec;
  readonly status?: { readonly conditions?: readonly Condition[]; readonly observedGeneration?: number; readonly readyReplicas?: number; readonly endpoint?: string; readonly barrier?: BarrierStatus };
  /** Set on the view of one of several services of the resource (IdentityRealm); absent, the kind's own. */
  readonly [SERVICE_ROW]?: KindRow;
}

/** `status.barrier`: the unseal Secret was in use, and the key check value of the key it holds. */
export interface BarrierStatus {
  readonly initialized: boolean;
  readonly keyCheck?: string;
}

/** The reference of an object; namespace '' for cluster-scoped objects. */
export function refOf(object: KubeObject): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}
