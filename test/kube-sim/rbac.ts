/**
 * RBAC as the chart renders it: the ClusterRoles bound to the operator's ServiceAccount by a
 * ClusterRoleBinding in `helm template` output. Admins bypass; discovery is open to every
 * authenticated user (the system:discovery role).
 */
import { parseAllDocuments } from 'yaml';
import { join } from 'node:path';
import { helmPath, run } from './tools.ts';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** A request as the authorizer sees it. */
export interface Attributes {
  readonly verb: string;
  readonly group: string;
  /** `petstores` or `petstores/status`. */
  readonly resource: string;
  readonly name?: string;
}

export interface ServiceAccountPolicy {
  readonly username: string;
  readonly rules: readonly PolicyRule[];
}

interface Manifest {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
  rules?: PolicyRule[];
}

/** The operator's identity and rules from rendered manifests. */
export function policyFromManifests(text: string): ServiceAccountPolicy {
  const manifests = parseAllDocuments(text).map((document) => document.toJS() as Manifest | null).filter((item) => item !== null);
  const account = manifests.find((item) => item.kind === 'ServiceAccount');
  const namespace = account?.metadata?.namespace ?? 'default';
  const name = account?.metadata?.name ?? 'default';
  const bound = manifests
    .filter((item) => item.kind === 'ClusterRoleBinding')
    .filter((item) => item.subjects?.some((subject) => subject.kind === 'ServiceAccount' && subject.name === name && subject.namespace === namespace) === true)
    .map((item) => item.roleRef?.name);
  const rules = manifests.filter((item) => item.kind === 'ClusterRole' && bound.includes(item.metadata?.name)).flatMap((item) => item.rules ?? []);
  return { username: `system:serviceaccount:${namespace}:${name}`, rules };
}

/** Renders the chart with the real helm binary (release `cryptoutil-operator` in `cryptoutil-system`). */
export async function policyFromChart(): Promise<ServiceAccountPolicy> {
  const chart = join(import.meta.dirname, '..', '..', 'charts', 'cryptoutil-operator');
  const rendered = await run(await helmPath(), ['template', 'cryptoutil-operator', chart, '--namespace', 'cryptoutil-system']);
  if (rendered.code !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
  return policyFromManifests(rendered.stdout);
}

function covers(list: readonly string[], value: string): boolean {
  return list.includes(value) || list.includes('*');
}

/** RBAC is a union of allow rules: one matching rule allows. */
export function allowed(rules: readonly PolicyRule[], request: Attributes): boolean {
  return rules.some(
    (rule) =>
      covers(rule.verbs, request.verb) &&
      covers(rule.apiGroups, request.group) &&
      covers(rule.resources, request.resource) &&
      (rule.resourceNames === undefined || rule.resourceNames.length === 0 || (request.name !== undefined && rule.resourceNames.includes(request.name))),
  );
}
