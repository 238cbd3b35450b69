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
const STATEFULSET_MUTABLE = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);

function canonical(value: Json | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  return JSON.stringify(value ?? null);
}

function specOf(object: KObject): Record<string, Json> {
  return isObject(object.spec) ? object.spec : {};
}

function without(spec: Record<string, Json>, keys: ReadonlySet<string>): Record<string, Json> {
  return Object.fromEntries(Object.entries(spec).filter(([key]) => !keys.has(key)));
}

function storageOf(spec: Record<string, Json>): string | undefined {
  const resources = spec.resources;
  const requests = isObject(resources) ? resources.requests : undefined;
  const storage = isObject(requests) ? requests.storage : undefined;
  return typeof storage === 'string' ? storage : undefined;
}

function checkStatefulSet(old: KObject, next: KObject): void {
  if (canonical(without(specOf(old), STATEFULSET_MUTABLE)) === canonical(without(specOf(next), STATEFULSET_MUTABLE))) return;
  throw errors.invalid('StatefulSet', 'apps', next.metadata.name, [{
    reason: 'FieldValueForbidden',
    field: 'spec',
    message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  }]);
}

function checkDeployment(old: KObject, next: KObject): void {
  const selector = specOf(next).selector;
  if (canonical(specOf(old).selector) === canonical(selector)) return;
  throw errors.invalid('Deployment', 'apps', next.metadata.name, [{ reason: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${JSON.stringify(selector ?? null)}: field is immutable` }]);
}

function checkClaim(old: KObject, next: KObject): void {
  const before = specOf(old);
  const after = specOf(next);
  const field = 'spec.resources.requests.storage';
  const oldSize = parseQuantity(storageOf(before) ?? '0') ?? 0;
  const newSize = parseQuantity(storageOf(after) ?? '0') ?? 0;
  if (newSize < oldSize) {
    throw errors.invalid('PersistentVolumeClaim', '', next.metadata.name, [{ reason: 'FieldValueForbidden', field, message: 'Forbidden: field can not be less than previous value' }]);
  }
  const rest = (spec: Record<string, Json>): string => canonical({ ...spec, resources: { ...(isObject(spec.resources) ? spec.resources : {}), requests: {} } });
  if (rest(before) !== rest(after)) {
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
