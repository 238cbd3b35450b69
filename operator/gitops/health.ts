/**
 * Argo CD health checks for every cryptoutil kind, generated from one table (STYLE "Tables, not
 * switches"). Argo CD runs a resource customization's Lua with the object in the global `obj` and
 * reads back `{ status, message }`; the script here maps the conditions the operator writes
 * (Ready, Progressing, Degraded: operator/controllers/conditions.ts) onto Argo CD's health states.
 * `docs/gitops/argocd-cm-health.yaml` is this module's output (regenerate with
 * `UPDATE_GITOPS=1 npx mocha operator/gitops/health.test.ts`); the test runs the Lua with lua5.4.
 */
import { stringify } from 'yaml';
import { KINDS } from '../api/kinds.ts';
import { API_GROUP } from '../kinds.ts';

/** Argo CD's health states a script may return. */
export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Missing';

/**
 * Reasons the operator gives when something it must not invent is absent: a Secret only a backup
 * can restore, or an object the resource refers to. Argo CD shows these as Missing, not Degraded,
 * so the fix (create or restore that object) is what the health view points at.
 */
export const MISSING_REASONS: readonly string[] = [
  'DatabaseCredentialsMissing',
  'DatabaseSecretMissing',
  'TlsSecretMissing',
  'UnsealMaterialMissing',
  'PepperMissing',
  'IdentityRealmNotFound',
];

/** One rule: when condition `type` has `status`, the resource's health is `health`. */
export interface HealthRule {
  readonly type: 'Ready' | 'Progressing' | 'Degraded';
  readonly status: 'True' | 'False';
  readonly health: HealthStatus;
  /** Whether the message leads with the condition's reason (failures) or is its message alone. */
  readonly withReason: boolean;
  /** Whether a reason in MISSING_REASONS makes the health Missing instead. */
  readonly missingByReason?: boolean;
}

/**
 * The rules, first match wins, after two checks that come before any condition: no conditions yet,
 * or conditions from an older generation than the spec, is Progressing (the operator has not seen
 * the change).
 */
export const HEALTH_RULES: readonly HealthRule[] = [
  { type: 'Degraded', status: 'True', health: 'Degraded', withReason: true, missingByReason: true },
  { type: 'Ready', status: 'True', health: 'Healthy', withReason: false },
  { type: 'Progressing', status: 'True', health: 'Progressing', withReason: false },
  { type: 'Ready', status: 'False', health: 'Degraded', withReason: true },
];

const INDENT = '  ';

function luaString(text: string): string {
  return `"${text.replace(/["\\]/gu, (character) => `\\${character}`)}"`;
}

function ruleLua(rule: HealthRule): string[] {
  const condition = `conditions[${luaString(rule.type)}]`;
  const message = rule.withReason ? `describe(${condition})` : `(${condition}.message or "")`;
  const health = rule.missingByReason === true
    ? `missing[${condition}.reason or ""] and "Missing" or ${luaString(rule.health)}`
    : luaString(rule.health);
  return [
    `if ${condition} ~= nil and ${condition}.status == ${luaString(rule.status)} then`,
    `${INDENT}return { status = ${health}, message = ${message} }`,
    'end',
  ];
}

/** The health script of every kind (Lua 5.1, as Argo CD's gopher-lua runs it). */
export function healthLua(): string {
  const missing = MISSING_REASONS.map((reason) => `${reason} = true`).join(', ');
  return [
    `local missing = { ${missing} }`,
    'local function describe(condition)',
    `${INDENT}return (condition.reason or "") .. ": " .. (condition.message or "")`,
    'end',
    'if obj.status == nil or obj.status.conditions == nil then',
    `${INDENT}return { status = "Progressing", message = "waiting for the operator to report status" }`,
    'end',
    'local generation = obj.metadata.generation',
    'local observed = obj.status.observedGeneration',
    'if generation ~= nil and (observed == nil or observed < generation) then',
    `${INDENT}return { status = "Progressing", message = "waiting for the operator to observe generation " .. tostring(generation) }`,
    'end',
    'local conditions = {}',
    'for _, condition in ipairs(obj.status.conditions) do',
    `${INDENT}conditions[condition.type] = condition`,
    'end',
    ...HEALTH_RULES.flatMap(ruleLua),
    'return { status = "Progressing", message = "waiting for the operator to report Ready" }',
    '',
  ].join('\n');
}

/** The `argocd-cm` data key of a kind's health check. */
export function healthKey(kind: string): string {
  return `resource.customizations.health.${API_GROUP}_${kind}`;
}

/** The argocd-cm ConfigMap (to merge into Argo CD's own) with a health check for every kind. */
export function argocdHealthConfigMap(): string {
  const script = healthLua();
  const data = Object.fromEntries(KINDS.map((definition) => [healthKey(definition.kind), script]));
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'argocd-cm', namespace: 'argocd', labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' } },
    data,
  };
  const header = '# Generated from operator/gitops/health.ts by `UPDATE_GITOPS=1 npx mocha operator/gitops/health.test.ts`. Do not edit.\n';
  return `${header}${stringify(configMap, { lineWidth: 0, blockQuote: 'literal' })}`;
}
