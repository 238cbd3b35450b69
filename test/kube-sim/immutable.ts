/**
 * The update validation of the built-in kinds the operator writes, as the API server's
 * (pkg/apis/apps/validation, pkg/apis/core/validation): StatefulSet spec fields other than the
 * mutable few, a Deployment's selector, and a PersistentVolumeClaim's spec except a larger storage
 * request. A controller that rewrites them gets the 422 it would get from a cluster.
 */
import { parseQuantity } from '../../operator/children/quantity.ts';
import { errors, isObject, type Json, type KObject } from './objects.ts';
import type { ResourceType } from './resources.ts';

/** What a StatefulSet update may change (ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function canonical(value: Json | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** The value at `path` under `value`, undefined where the path leaves the objects. */
function at(value: unknown, ...path: string[]): Json | undefined {
  let node = value as Json | undefined;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return node;
}

/** The spec without `keys`, in a form that compares by value. */
function specWithout(object: KObject, keys: readonly string[]): string {
  const copy: Record<string, Json> = { ...(at(object.spec) as Record<string, Json> | undefined) };
  for (const key of keys) Reflect.deleteProperty(copy, key);
  return canonical(copy);
}

/** Bytes of a claim's storage request; none or an unreadable one counts as 0. */
function requested(claim: KObject): number {
  const storage = at(claim.spec, 'resources', 'requests', 'storage');
  return parseQuantity(typeof storage === 'string' ? storage : '') ?? 0;
}

function checkStatefulSet(old: KObject, next: KObject): void {
  if (specWithout(old, STATEFULSET_MUTABLE) === specWithout(next, STATEFULSET_MUTABLE)) return;
  throw errors.invalid('StatefulSet', 'apps', next.metadata.name, [{
    reason: 'FieldValueForbidden',
    field: 'spec',
    message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  }]);
}

function checkDeployment(old: KObject, next: KObject): void {
  const selector = at(next.spec, 'selector');
  if (canonical(at(old.spec, 'selector')) === canonical(selector)) return;
  throw errors.invalid('Deployment', 'apps', next.metadata.name, [{ reason: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${canonical(selector)}: field is immutable` }]);
}

/** A claim's spec with its storage requests left out: what must not change. */
function claimRest(claim: KObject): string {
  const spec: Record<string, Json> = { ...(at(claim.spec) as Record<string, Json> | undefined) };
  spec.resources = { ...(at(claim.spec, 'resources') as Record<string, Json> | undefined), requests: null };
  return canonical(spec);
}

function checkClaim(old: KObject, next: KObject): void {
  if (requested(next) < requested(old)) {
    throw errors.invalid('PersistentVolumeClaim', '', next.metadata.name, [{ reason: 'FieldValueForbidden', field: 'spec.resources.requests.storage', message: 'Forbidden: field can not be less than previous value' }]);
  }
  if (claimRest(old) !== claimRest(next)) {
    throw errors.invalid('PersistentVolumeClaim', '', next.metadata.name, [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims' }]);
  }
}

const CHECKS: Readonly<Record<string, (old: KObject, next: KObject) => void>> = {
  'apps/statefulsets': checkStatefulSet,
  'apps/deployments': checkDeployment,
  '/persistentvolumeclaims': checkClaim,
};

/** Refuses an update of a built-in kind's immutable fields with the API server's 422. */
export function checkImmutable(type: ResourceType, old: KObject, next: KObject): void {
  CHECKS[`${type.group}/${type.plural}`]?.(old, next);
}
