/**
 * CRD structural schemas as the API server applies them: prune unknown fields, apply defaults,
 * then validate types, required fields, enums, bounds, lengths and patterns.
 */
import type { JsonSchema } from '../../operator/api/schema.ts';
import { clone, isObject, type Cause, type Json } from './objects.ts';

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Drops fields the schema does not know, as the server does for structural schemas. */
export function prune(value: Json, schema: JsonSchema): Json {
  if (Array.isArray(value)) return schema.items === undefined ? value : value.map((item) => prune(item, schema.items ?? {}));
  if (!isObject(value) || schema.type !== 'object') return value;
  if (schema.properties === undefined && schema.additionalProperties === undefined) return value;
  const out: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
    if (childSchema !== undefined) out[key] = prune(child, childSchema);
  }
  return out;
}

/** Fills in defaults of absent properties, then defaults inside them. */
export function applyDefaults(value: Json, schema: JsonSchema): Json {
  if (Array.isArray(value)) return schema.items === undefined ? value : value.map((item) => applyDefaults(item, schema.items ?? {}));
  if (!isObject(value)) return value;
  const out: Record<string, Json> = { ...value };
  for (const [key, childSchema] of Object.entries(schema.properties ?? {})) {
    if (out[key] === undefined && childSchema.default !== undefined) out[key] = clone(childSchema.default) as Json;
    const child = out[key];
    if (child !== undefined) out[key] = applyDefaults(child, childSchema);
  }
  if (schema.additionalProperties !== undefined) {
    const additional = schema.additionalProperties;
    for (const [key, child] of Object.entries(out)) if (schema.properties?.[key] === undefined) out[key] = applyDefaults(child, additional);
  }
  return out;
}

function typeOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function show(value: Json): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

type Check = (value: Json, schema: JsonSchema, path: string) => Cause | undefined;

/** One row per keyword, in the order the server reports them. */
const checks: readonly Check[] = [
  (value, schema, path) =>
    schema.enum !== undefined && typeof value === 'string' && !schema.enum.includes(value)
      ? { reason: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${show(value)}: supported values: ${schema.enum.map((item) => `"${item}"`).join(', ')}` }
      : undefined,
  (value, schema, path) =>
    schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum
      ? { reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${show(value)}: ${path} in body should be greater than or equal to ${schema.minimum}` }
      : undefined,
  (value, schema, path) =>
    schema.maximum !== undefined && typeof value === 'number' && value > schema.maximum
      ? { reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${show(value)}: ${path} in body should be less than or equal to ${schema.maximum}` }
      : undefined,
  (value, schema, path) =>
    schema.minLength !== undefined && typeof value === 'string' && value.length < schema.minLength
      ? { reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${show(value)}: ${path} in body should be at least ${schema.minLength} chars long` }
      : undefined,
  (value, schema, path) =>
    schema.maxLength !== undefined && typeof value === 'string' && value.length > schema.maxLength
      ? { reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${schema.maxLength} bytes` }
      : undefined,
  (value, schema, path) =>
    schema.pattern !== undefined && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value)
      ? { reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${show(value)}: ${path} in body should match '${schema.pattern}'` }
      : undefined,
  (value, schema, path) =>
    schema.format === 'date-time' && typeof value === 'string' && Number.isNaN(Date.parse(value))
      ? { reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${show(value)}: ${path} in body must be of type date-time` }
      : undefined,
  (value, schema, path) =>
    schema.maxItems !== undefined && Array.isArray(value) && value.length > schema.maxItems
      ? { reason: 'FieldValueTooMany', field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` }
      : undefined,
];

/** Go's `%#v` of a map-list key as the API server prints it in a Duplicate cause. */
function goMap(keys: Record<string, Json>): string {
  return `map[string]interface {}{${Object.entries(keys).map(([key, value]) => `"${key}":${JSON.stringify(value)}`).join(', ')}}`;
}

/**
 * `x-kubernetes-list-type` as the API server validates it: `set` items are unique, `map` items are
 * unique by their `x-kubernetes-list-map-keys`; every later repeat is a Duplicate at its index.
 */
function listDuplicates(value: Json[], schema: JsonSchema, path: string): Cause[] {
  const type = schema['x-kubernetes-list-type'];
  if (type !== 'set' && type !== 'map') return [];
  const seen = new Set<string>();
  const causes: Cause[] = [];
  value.forEach((item, index) => {
    const keys = type === 'map' && isObject(item) ? Object.fromEntries((schema['x-kubernetes-list-map-keys'] ?? []).map((key) => [key, item[key] ?? null])) : undefined;
    const identity = JSON.stringify(keys ?? item);
    if (seen.has(identity)) causes.push({ reason: 'FieldValueDuplicate', field: `${path}[${index}]`, message: `Duplicate value: ${keys === undefined ? show(item) : goMap(keys)}` });
    seen.add(identity);
  });
  return causes;
}

/** Validates a value against its schema; returns every failure with its field path. */
export function validate(value: Json, schema: JsonSchema, path = ''): Cause[] {
  if (schema.type !== undefined) {
    const actual = typeOf(value);
    const fits = actual === schema.type || (schema.type === 'integer' && actual === 'integer');
    if (!fits) return [{ reason: 'FieldValueInvalid', field: path, message: `Invalid value: "${actual}": ${path} in body must be of type ${schema.type}: "${actual}"` }];
  }
  const causes: Cause[] = [];
  for (const check of checks) {
    const cause = check(value, schema, path);
    if (cause !== undefined) causes.push(cause);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    const items = schema.items;
    value.forEach((item, index) => causes.push(...validate(item, items, `${path}[${index}]`)));
  }
  if (Array.isArray(value)) causes.push(...listDuplicates(value, schema, path));
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (value[key] === undefined) causes.push({ reason: 'FieldValueRequired', field: join(path, key), message: 'Required value' });
    }
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
      if (childSchema !== undefined) causes.push(...validate(child, childSchema, join(path, key)));
    }
  }
  return causes;
}

/** Fields the schema does not declare: what `fieldValidation=Strict` refuses instead of pruning. */
export function unknownFields(value: Json, schema: JsonSchema, path = ''): string[] {
  if (Array.isArray(value)) return schema.items === undefined ? [] : value.flatMap((item, index) => unknownFields(item, schema.items ?? {}, `${path}[${index}]`));
  if (!isObject(value) || (schema.properties === undefined && schema.additionalProperties === undefined)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
    return childSchema === undefined ? [join(path, key)] : unknownFields(child, childSchema, join(path, key));
  });
}
