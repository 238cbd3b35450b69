/**
 * A small typed builder for OpenAPI v3 structural schemas. Each builder returns the JSON schema a
 * CRD carries and, through a phantom type, the TypeScript type of the values it accepts: the CRD
 * YAML and the operator's types come from one source and cannot drift.
 */

/** A CEL rule as Kubernetes writes it in `x-kubernetes-validations`. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
}

/** The subset of OpenAPI v3 that structural CRD schemas use here. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema;
  items?: JsonSchema;
  enum?: readonly string[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  default?: unknown;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'map' | 'set' | 'atomic';
  'x-kubernetes-list-map-keys'?: string[];
}

/** A schema with the type of its values attached (`T` exists only at compile time). */
export interface Schema<T> {
  readonly json: JsonSchema;
  readonly __type?: T;
}

/** The TypeScript type a schema describes. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

interface Common {
  readonly description?: string;
  readonly validations?: readonly CelRule[];
}

type Shape = Record<string, Schema<unknown>>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Required keys are plain, every other key is optional. */
export type ObjectOf<P extends Shape, R extends keyof P> = Simplify<
  { [K in R]: Infer<P[K]> } & { [K in Exclude<keyof P, R>]?: Infer<P[K]> }
>;

function common(options: Common | undefined): JsonSchema {
  const json: JsonSchema = {};
  if (options?.description !== undefined) json.description = options.description;
  if (options?.validations !== undefined) json['x-kubernetes-validations'] = [...options.validations];
  return json;
}

/** Copies the keys whose value is defined, so the YAML holds only what was said. */
function defined(json: JsonSchema, extra: Record<string, unknown>): JsonSchema {
  const out: Record<string, unknown> = { ...json };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) out[key] = value;
  return out;
}

/** A string, optionally constrained by pattern, format or length. */
export function string(
  options?: Common & { pattern?: string; format?: string; minLength?: number; maxLength?: number; default?: string },
): Schema<string> {
  const { pattern, format, minLength, maxLength } = options ?? {};
  return {
    json: defined(
      { type: 'string', ...common(options) },
      { pattern, format, minLength, maxLength, default: options?.default },
    ),
  };
}

/** One of a fixed set of strings; the TypeScript type is the union of them. */
export function oneOf<const V extends readonly string[]>(
  values: V,
  options?: Common & { default?: V[number]; maxLength?: number },
): Schema<V[number]> {
  // maxLength bounds what CEL rules reading the value may cost (the API server estimates it from the schema).
  return { json: defined({ type: 'string', ...common(options), enum: values }, { maxLength: options?.maxLength, default: options?.default }) };
}

/** An integer with optional bounds. */
export function integer(options?: Common & { minimum?: number; maximum?: number; default?: number }): Schema<number> {
  const { minimum, maximum } = options ?? {};
  return { json: defined({ type: 'integer', ...common(options) }, { minimum, maximum, default: options?.default }) };
}

/** A boolean. */
export function boolean(options?: Common & { default?: boolean }): Schema<boolean> {
  return { json: defined({ type: 'boolean', ...common(options) }, { default: options?.default }) };
}

/** An object with known properties; keys listed in `required` are required. */
export function object<P extends Shape, R extends keyof P & string = never>(
  properties: P,
  options?: Common & { required?: readonly R[]; default?: Record<string, unknown> },
): Schema<ObjectOf<P, R>> {
  const json: JsonSchema = { type: 'object', ...common(options), properties: {} };
  for (const [key, schema] of Object.entries(properties)) (json.properties ??= {})[key] = schema.json;
  if (options?.required !== undefined && options.required.length > 0) json.required = [...options.required];
  return { json: defined(json, { default: options?.default }) };
}

/** A list; `listType: 'map'` with `mapKeys` makes it mergeable by key under server-side apply. */
export function array<T>(
  items: Schema<T>,
  options?: Common & { minItems?: number; maxItems?: number; listType?: 'map' | 'set' | 'atomic'; mapKeys?: readonly string[] },
): Schema<T[]> {
  return {
    json: defined(
      { type: 'array', ...common(options), items: items.json },
      {
        minItems: options?.minItems,
        maxItems: options?.maxItems,
        'x-kubernetes-list-type': options?.listType,
        'x-kubernetes-list-map-keys': options?.mapKeys === undefined ? undefined : [...options.mapKeys],
      },
    ),
  };
}

/** A string-keyed map of one value type. */
export function record<T>(values: Schema<T>, options?: Common): Schema<Record<string, T>> {
  return { json: { type: 'object', ...common(options), additionalProperties: values.json } };
}
