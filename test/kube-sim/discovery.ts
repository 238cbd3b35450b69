/**
 * Discovery documents kubectl and client libraries read before any request: /version, /api,
 * /apis, the per-group-version resource lists, and a minimal OpenAPI so kubectl can look up
 * schemas (kube-sim publishes none: it validates on the server, like `--validate=strict` would).
 */
import type { JsonObject } from './objects.ts';
import { apiVersionOf, type ResourceType, type TypeRegistry } from './resources.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** What `kubectl version` shows; the gitVersion says what it is. */
export const VERSION: JsonObject = {
  major: '1',
  minor: '34',
  gitVersion: 'v1.34.0-kube-sim',
  gitCommit: 'kube-sim',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'none',
  compiler: 'none',
  platform: 'linux/amd64',
};

function groupVersions(registry: TypeRegistry): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const type of registry.all()) {
    if (type.group === '') continue;
    const versions = groups.get(type.group) ?? new Set<string>();
    versions.add(type.version);
    groups.set(type.group, versions);
  }
  return groups;
}

export function coreVersions(): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
}

export function groupList(registry: TypeRegistry): JsonObject {
  const groups = [...groupVersions(registry)].map(([name, versions]) => {
    const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return { name, versions: list, preferredVersion: list[0] ?? null };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

function resourceEntries(type: ResourceType): JsonObject[] {
  const main: JsonObject = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: VERBS,
    shortNames: [...type.shortNames],
    storageVersionHash: '',
  };
  if (type.categories !== undefined) main.categories = [...type.categories];
  const entries = [main];
  if (type.statusSubresource) entries.push({ name: `${type.plural}/status`, singularName: '', namespaced: type.namespaced, kind: type.kind, verbs: ['get', 'patch', 'update'] });
  // kubectl scale finds the Scale kind of a resource here (client-go's discovery scale-kind resolver).
  if (type.scale !== undefined) entries.push({ name: `${type.plural}/scale`, singularName: '', namespaced: type.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  return entries;
}

/** The APIResourceList of one group version, or undefined when it is not served. */
export function resourceList(registry: TypeRegistry, group: string, version: string): JsonObject | undefined {
  const types = registry.all().filter((type) => type.group === group && type.version === version);
  const [first] = types;
  if (first === undefined) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(first), resources: types.flatMap(resourceEntries) };
}

/** OpenAPI v3 discovery: one entry per group version, each document without schemas. */
export function openApiV3Index(registry: TypeRegistry): JsonObject {
  const paths: JsonObject = { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1' } };
  for (const [group, versions] of groupVersions(registry)) {
    for (const version of versions) paths[`apis/${group}/${version}`] = { serverRelativeURL: `/openapi/v3/apis/${group}/${version}` };
  }
  return { paths };
}

/**
 * The OpenAPI v3 document of one group version: each kind's schema tagged with its
 * group-version-kind, which kubectl's client-side validation looks up. Built-in kinds are
 * published without structure (kube-sim does not know their schemas).
 */
export function openApiV3Document(registry: TypeRegistry, group: string, version: string): JsonObject | undefined {
  const types = registry.all().filter((type) => type.group === group && type.version === version);
  if (types.length === 0) return undefined;
  const schemas: JsonObject = {};
  const paths: JsonObject = {};
  const prefix = group === '' ? '/api/v1' : `/apis/${group}/${version}`;
  for (const type of types) {
    const gvk = [{ group, version, kind: type.kind }];
    // kubectl sends fieldValidation (server-side validation) only where a PATCH declares it.
    const scope = type.namespaced ? '/namespaces/{namespace}' : '';
    paths[`${prefix}${scope}/${type.plural}/{name}`] = {
      patch: { 'x-kubernetes-group-version-kind': { group, version, kind: type.kind }, parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }], responses: {} },
    };
    const schema = type.schema === undefined ? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } : (type.schema as unknown as JsonObject);
    schemas[`${group === '' ? 'io.k8s.api.core' : group.split('.').reverse().join('.')}.${version}.${type.kind}`] = { ...schema, 'x-kubernetes-group-version-kind': gvk };
  }
  return { openapi: '3.0.0', info: { title: 'kube-sim', version: 'v1.34.0-kube-sim' }, paths, components: { schemas } };
}
