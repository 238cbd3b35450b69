/**
 * The resource types kube-sim serves: the built-in kinds the operator touches, and every
 * CustomResourceDefinition loaded from crds/ or created through the API.
 */
import type { JsonSchema } from '../../operator/api/schema.ts';
import type { PrinterColumn } from '../../operator/api/kinds.ts';
import { isObject, type KObject } from './objects.ts';
import { CORE_EVENT_FIELDS, EVENTS_EVENT_FIELDS, toCoreEvent, toEventsEvent } from './events.ts';

/** A printer column: a CRD's (JSONPath), or a built-in kind's, computed as the API server's printers do. */
export type Column = PrinterColumn | (Omit<PrinterColumn, 'jsonPath'> & { readonly cell: (object: KObject) => string | number });

function field(object: unknown, ...path: string[]): unknown {
  let value = object;
  for (const key of path) value = isObject(value) ? value[key] : undefined;
  return value;
}

function count(object: KObject, ...path: string[]): number {
  const value = field(object, ...path);
  return typeof value === 'number' ? value : 0;
}

const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** `kubectl get deployments` columns (pkg/printers/internalversion): READY is ready/desired. */
const DEPLOYMENT_COLUMNS: readonly Column[] = [
  { name: 'Ready', type: 'string', cell: (object) => `${String(count(object, 'status', 'readyReplicas'))}/${String(count(object, 'spec', 'replicas'))}` },
  { name: 'Up-to-date', type: 'integer', cell: (object) => count(object, 'status', 'updatedReplicas') },
  { name: 'Available', type: 'integer', cell: (object) => count(object, 'status', 'availableReplicas') },
  AGE_COLUMN,
];

const STATEFULSET_COLUMNS: readonly Column[] = [
  { name: 'Ready', type: 'string', cell: (object) => `${String(count(object, 'status', 'readyReplicas'))}/${String(count(object, 'spec', 'replicas'))}` },
  AGE_COLUMN,
];

function ports(object: KObject): string {
  const list = field(object, 'spec', 'ports');
  if (!Array.isArray(list) || list.length === 0) return '<none>';
  return list.map((port) => `${String(field(port, 'port'))}/${typeof field(port, 'protocol') === 'string' ? String(field(port, 'protocol')) : 'TCP'}`).join(',');
}

/** kube-sim allocates no cluster IPs: a headless Service shows None, any other <none>. */
const SERVICE_COLUMNS: readonly Column[] = [
  { name: 'Type', type: 'string', cell: (object) => { const type = field(object, 'spec', 'type'); return typeof type === 'string' ? type : 'ClusterIP'; } },
  { name: 'Cluster-IP', type: 'string', cell: (object) => (field(object, 'spec', 'clusterIP') === 'None' ? 'None' : '<none>') },
  { name: 'External-IP', type: 'string', cell: () => '<none>' },
  { name: 'Port(s)', type: 'string', cell: ports },
  AGE_COLUMN,
];

/** `subresources.scale` of a CRD, or the built-in scale of Deployments and StatefulSets. */
export interface ScaleSubresource {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** A type stored as another one (events.k8s.io Events are core Events), with the conversions. */
export interface StoredAs {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly toStorage: (object: KObject) => KObject;
  readonly fromStorage: (object: KObject) => KObject;
}

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** Writes to the main endpoint keep status; status is written through /status only. */
  readonly statusSubresource: boolean;
  readonly schema?: JsonSchema;
  readonly columns?: readonly Column[];
  readonly categories?: readonly string[];
  readonly scale?: ScaleSubresource;
  /** Field selectors beyond metadata.name and metadata.namespace. */
  readonly fields?: Readonly<Record<string, (object: KObject) => string>>;
  readonly storedAs?: StoredAs;
}

function builtin(group: string, version: string, kind: string, plural: string, namespaced: boolean, shortNames: string[], statusSubresource: boolean, extra: Partial<ResourceType> = {}): ResourceType {
  return { group, version, kind, plural, singular: kind.toLowerCase(), namespaced, shortNames, statusSubresource, ...extra };
}

/** What `kubectl get all` lists: the API server puts these kinds in the `all` category. */
const ALL = { categories: ['all'] };
/** Deployments and StatefulSets scale through /scale; the selector is reported as a string. */
const WORKLOAD_SCALE = { ...ALL, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } };

/** Built-in kinds: only those the operator uses, honestly without their schemas. */
export const BUILTIN_TYPES: readonly ResourceType[] = [
  builtin('', 'v1', 'Namespace', 'namespaces', false, ['ns'], true),
  builtin('', 'v1', 'Secret', 'secrets', true, [], false),
  builtin('', 'v1', 'ConfigMap', 'configmaps', true, ['cm'], false),
  builtin('', 'v1', 'Service', 'services', true, ['svc'], true, { ...ALL, columns: SERVICE_COLUMNS }),
  builtin('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, ['pvc'], true),
  builtin('', 'v1', 'Event', 'events', true, ['ev'], false, { fields: CORE_EVENT_FIELDS }),
  builtin('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa'], false),
  builtin('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], true, { ...WORKLOAD_SCALE, columns: DEPLOYMENT_COLUMNS }),
  builtin('apps', 'v1', 'StatefulSet', 'statefulsets', true, ['sts'], true, { ...WORKLOAD_SCALE, columns: STATEFULSET_COLUMNS }),
  builtin('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, ['pdb'], true),
  builtin('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, ['netpol'], false),
  builtin('coordination.k8s.io', 'v1', 'Lease', 'leases', true, [], false),
  builtin('events.k8s.io', 'v1', 'Event', 'events', true, ['ev'], false, {
    fields: EVENTS_EVENT_FIELDS,
    storedAs: { group: '', version: 'v1', plural: 'events', toStorage: toCoreEvent, fromStorage: toEventsEvent },
  }),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false, [], false),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false, [], false),
  builtin('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, ['crd', 'crds'], true),
];

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function scaleOf(subresources: unknown): { scale?: ScaleSubresource } {
  if (!isObject(subresources) || !isObject(subresources.scale)) return {};
  const { specReplicasPath, statusReplicasPath, labelSelectorPath } = subresources.scale;
  const scale: ScaleSubresource = { specReplicasPath: text(specReplicasPath), statusReplicasPath: text(statusReplicasPath) };
  return { scale: typeof labelSelectorPath === 'string' ? { ...scale, labelSelectorPath } : scale };
}

/** The served version of a CRD as a resource type; throws on a CRD without a served version. */
export function typeFromCrd(crd: KObject): ResourceType {
  const spec = crd.spec;
  if (!isObject(spec) || !isObject(spec.names) || !Array.isArray(spec.versions)) throw new Error('not a CustomResourceDefinition');
  const names = spec.names;
  const version = spec.versions.find((entry) => isObject(entry) && entry.served === true && entry.storage === true);
  if (!isObject(version)) throw new Error('CRD has no served storage version');
  const schema = isObject(version.schema) ? (version.schema.openAPIV3Schema as JsonSchema | undefined) : undefined;
  const result: ResourceType = {
    group: text(spec.group),
    version: text(version.name),
    kind: text(names.kind),
    plural: text(names.plural),
    singular: typeof names.singular === 'string' ? names.singular : text(names.kind).toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
    categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
    statusSubresource: isObject(version.subresources) && isObject(version.subresources.status),
    ...scaleOf(version.subresources),
    columns: Array.isArray(version.additionalPrinterColumns) ? (version.additionalPrinterColumns as unknown as PrinterColumn[]) : [],
  };
  return schema === undefined ? result : { ...result, schema };
}

/** The registry of served types, keyed by group and plural. */
export class TypeRegistry {
  readonly #types = new Map<string, ResourceType>();

  constructor(types: readonly ResourceType[]) {
    for (const type of types) this.add(type);
  }

  add(type: ResourceType): void {
    this.#types.set(`${type.group}/${type.version}/${type.plural}`, type);
  }

  remove(type: ResourceType): void {
    this.#types.delete(`${type.group}/${type.version}/${type.plural}`);
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.#types.get(`${group}/${version}/${plural}`);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.all().find((type) => apiVersionOf(type) === apiVersion && type.kind === kind);
  }

  all(): ResourceType[] {
    return [...this.#types.values()];
  }
}

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}
