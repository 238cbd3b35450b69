/**
 * `x-kubernetes-validations` with @bufbuild/cel: `self` is the value at the rule's node, `oldSelf`
 * the stored one. As in Kubernetes, rules that mention `oldSelf` are transition rules and run only
 * on updates where an old value exists.
 */
import { isCelError, run, type CelInput } from '@bufbuild/cel';
import type { JsonSchema } from '../../operator/api/schema.ts';
import { isObject, type Cause, type Json } from './objects.ts';


/** JSON to CEL values: integers of `integer` fields become CEL ints, objects become maps. */
function toCel(value: Json, schema: JsonSchema | undefined): CelInput {
  if (Array.isArray(value)) return value.map((item) => toCel(item, schema?.items));
  if (isObject(value)) {
    const map = new Map<string, CelInput>();
    for (const [key, child] of Object.entries(value)) map.set(key, toCel(child, schema?.properties?.[key] ?? schema?.additionalProperties));
    return map;
  }
  if (typeof value === 'number' && schema?.type === 'integer') return BigInt(value);
  return value;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Runs every rule under `schema`; a rule that fails or errors becomes an Invalid cause. */
export function checkRules(value: Json | undefined, old: Json | undefined, schema: JsonSchema, path = ''): Cause[] {
  if (value === undefined) return [];
  const causes: Cause[] = [];
  for (const { rule, message } of schema['x-kubernetes-validations'] ?? []) {
    const transition = /\boldSelf\b/u.test(rule);
    if (transition && old === undefined) continue;
    const bindings: Record<string, CelInput> = { self: toCel(value, schema) };
    if (transition && old !== undefined) bindings.oldSelf = toCel(old, schema);
    const result = run(rule, bindings);
    if (result !== true) {
      const detail = isCelError(result) ? `${message} (rule error: ${result.message})` : message;
      causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: "object": ${detail}` });
    }
  }
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
      if (childSchema !== undefined) causes.push(...checkRules(child, isObject(old) ? old[key] : undefined, childSchema, join(path, key)));
    }
  }
  const items = schema.items;
  if (Array.isArray(value) && items !== undefined) {
    value.forEach((item, index) => causes.push(...checkRules(item, correlated(item, old, schema), items, `${path}[${index}]`)));
  }
  return causes;
}

/**
 * The old value of a list item, for transition rules: as in Kubernetes, only items of a
 * `x-kubernetes-list-type: map` list correlate (the old item with the same keys); others have none.
 */
function correlated(item: Json, old: Json | undefined, schema: JsonSchema): Json | undefined {
  const keys = schema['x-kubernetes-list-map-keys'];
  if (schema['x-kubernetes-list-type'] !== 'map' || keys === undefined || !Array.isArray(old) || !isObject(item)) return undefined;
  return old.find((candidate) => isObject(candidate) && keys.every((key) => JSON.stringify(candidate[key]) === JSON.stringify(item[key])));
}
