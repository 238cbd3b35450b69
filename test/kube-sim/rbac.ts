/**
 * RBAC as the chart renders it: the ClusterRoles bound to the operator's ServiceAccount by a
 * ClusterRoleBinding (everywhere) and the Roles or ClusterRoles bound by a RoleBinding (in the
 * binding's namespace only), from `helm template` output. Admins bypass; discovery is open to every
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
  /** Where the rule holds: absent for a ClusterRoleBinding (every namespace and the cluster scope). */
  readonly namespace?: string;
}

/** A request as the authorizer sees it. */
export interface Attributes {
  readonly verb: string;
  readonly group: string;
  /** `petstores` or `petstores/status`. */
  readonly resource: string;
  readonly name?: string;
  /** Absent for cluster-scoped requests and for lists and watches across namespaces. */
  readonly namespace?: string;
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
  const bindings = manifests
    .filter((item) => item.kind === 'ClusterRoleBinding' || item.kind === 'RoleBinding')
    .filter((item) => item.subjects?.some((subject) => subject.kind === 'ServiceAccount' && subject.name === name && subject.namespace === namespace) === true);
  const rules = bindings.flatMap((binding) => {
    // A RoleBinding grants its role's rules in its own namespace only, even a ClusterRole's.
    const scope = binding.kind === 'RoleBinding' ? binding.metadata?.namespace ?? 'default' : undefined;
    const role = manifests.find((item) => item.kind === binding.roleRef?.kind && item.metadata?.name === binding.roleRef?.name && (item.kind === 'ClusterRole' || item.metadata?.namespace === scope));
    return (role?.rules ?? []).map((rule) => (scope === undefined ? rule : { ...rule, namespace: scope }));
  });
  return { username: `system:serviceaccount:${namespace}:${name}`, rules };
}

/** Renders the chart with the real helm binary (release `cryptoutil-operator` in `cryptoutil-system`) and `args` such as `--set`. */
export async function policyFromChart(args: readonly string[] = []): Promise<ServiceAccountPolicy> {
  const chart = join(import.meta.dirname, '..', '..', 'charts', 'cryptoutil-operator');
  const rendered = await run(await helmPath(), ['template', 'cryptoutil-operator', chart, '--namespace', 'cryptoutil-system', ...args]);
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
      (rule.namespace === undefined || rule.namespace === request.namespace) &&
      covers(rule.verbs, request.verb) &&
      covers(rule.apiGroups, request.group) &&
      covers(rule.resources, request.resource) &&
      (rule.resourceNames === undefined || rule.resourceNames.length === 0 || (request.name !== undefined && rule.resourceNames.includes(request.name))),
  );
}

/** `verb group/resource` (the core group as ``): the unit in which granted and used access are compared. */
export function accessOf(verb: string, group: string, resource: string): string {
  return `${verb} ${group}/${resource}`;
}

/** Every `verb group/resource` the rules grant, wherever they hold, sorted. */
export function grantedAccess(rules: readonly PolicyRule[]): string[] {
  const granted = rules.flatMap((rule) => rule.verbs.flatMap((verb) => rule.apiGroups.flatMap((group) => rule.resources.map((resource) => accessOf(verb, group, resource)))));
  return [...new Set(granted)].sort();
}
