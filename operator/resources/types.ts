/**
 * The few Kubernetes shapes the operator reads and writes, kept as plain data so the desired-state
 * builders stay pure and the tests can compare objects structurally.
 */

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

/** `spec.deletionPolicy`: Retain keeps the unseal material after the resource is gone. */
export type DeletionPolicy = 'Retain' | 'Delete';

/** Where the serving certificate comes from (operator/api common.ts `tls`). */
export type TlsMode = 'Generated' | 'CertManager' | 'Secret';

/** The spec fields the operator reads, mirroring the CRD schemas in operator/api (defaults applied by the API server). */
export interface ServiceSpec {
  readonly replicas: number;
  readonly image?: string;
  readonly database?: {
    readonly external?: { readonly secretRef: { readonly name: string; readonly key?: string } };
    readonly generated?: { readonly storage?: string; readonly version?: string };
  };
  readonly tls?: {
    readonly mode?: TlsMode;
    readonly certManager?: { readonly issuerRef: { readonly name: string; readonly kind?: string; readonly group?: string } };
    readonly secretName?: string;
  };
  readonly resources?: { readonly requests?: Readonly<Record<string, string>>; readonly limits?: Readonly<Record<string, string>> };
  /** KmsInstance only: how the unseal key is split. */
  readonly barrier?: { readonly shares?: number; readonly threshold?: number };
  readonly deletionPolicy?: DeletionPolicy;
}

/** A cryptoutil custom resource as the operator sees it. */
export interface ServiceResource extends KubeObject {
  readonly metadata: ObjectMeta & { readonly namespace: string; readonly uid: string; readonly generation: number };
  readonly spec: ServiceSpec;
  readonly status?: { readonly conditions?: readonly Condition[]; readonly observedGeneration?: number; readonly readyReplicas?: number; readonly endpoint?: string };
}

/** The reference of an object; namespace '' for cluster-scoped objects. */
export function refOf(object: KubeObject): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}
