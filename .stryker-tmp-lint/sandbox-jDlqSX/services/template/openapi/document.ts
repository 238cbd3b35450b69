/**
 * A service's OpenAPI 3.1 document, loaded once at start and read as a list of operations: the
 * router, the validator and the docs all work from that list, so the document stays the one source.
 */
// @ts-nocheck

import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { templateParameterNames, toKoaPath } from './path-template.ts';
import { bundleSchema, dereference, isRecord, type JsonSchema } from './refs.ts';
import { operationSecurity } from './security.ts';

export type { JsonSchema } from './refs.ts';

/** A parsed OpenAPI 3.1 document; only the fields the template reads are typed. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: Readonly<Record<string, unknown>>;
  readonly paths: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS' | 'HEAD' | 'PATCH' | 'TRACE';
export type ParameterLocation = 'path' | 'query' | 'header';

/** One parameter of an operation, `$ref`s resolved and its schema bundled. */
export interface ParameterSpec {
  readonly name: string;
  readonly in: ParameterLocation;
  readonly required: boolean;
  /** Arrays: `true` repeats the name (`?tag=a&tag=b`), `false` joins with commas (`?tag=a,b`). */
  readonly explode: boolean;
  readonly schema: JsonSchema;
  /** The schema's `default`, looked up through `$ref`s; filled in when the parameter is absent. */
  readonly default?: unknown;
}

export interface MediaTypeSpec {
  /** Lower case, e.g. `application/json`; may be a range such as `application/*`. */
  readonly mediaType: string;
  readonly schema?: JsonSchema;
}

export interface RequestBodySpec {
  readonly required: boolean;
  readonly content: readonly MediaTypeSpec[];
}

/** Everything the template needs to route, authenticate and validate one operation. */
export interface OperationSpec {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** OpenAPI path template, e.g. `/pets/{id}`. */
  readonly path: string;
  /** The same path for @koa/router, e.g. `/pets/:id`. */
  readonly koaPath: string;
  /** `security: []`: no token is asked for. */
  readonly public: boolean;
  /** Scopes the bearer token must carry (all of them). */
  readonly scopes: readonly string[];
  readonly parameters: readonly ParameterSpec[];
  readonly requestBody?: RequestBodySpec;
}

// OpenAPI 3.1 §4.8.9: the operations a Path Item can hold.
const METHODS: readonly (readonly [string, HttpMethod])[] = [
  ['get', 'GET'], ['put', 'PUT'], ['post', 'POST'], ['delete', 'DELETE'],
  ['options', 'OPTIONS'], ['head', 'HEAD'], ['patch', 'PATCH'], ['trace', 'TRACE'],
];

// OpenAPI 3.1 §4.8.12.4: the default style of each location is the only one supported.
const LOCATIONS: ReadonlyMap<unknown, { readonly style: string; readonly explode: boolean }> = new Map([
  ['path', { style: 'simple', explode: false }],
  ['query', { style: 'form', explode: true }],
  ['header', { style: 'simple', explode: false }],
]);

function record(value: unknown, where: string): Readonly<Record<string, unknown>> {
  if (!isRecord(value)) {
    throw new Error(`${where} must be an object`);
  }
  return value;
}

function parameterSpec(document: OpenApiDocument, raw: unknown, where: string): ParameterSpec {
  const parameter = record(dereference(document, raw), `${where} parameter`);
  const { name, in: location, style, explode, required } = parameter;
  if (typeof name !== 'string' || name === '') {
    throw new Error(`${where}: a parameter has no name`);
  }
  const rules = LOCATIONS.get(location);
  if (rules === undefined) {
    throw new Error(`${where} parameter ${name}: "in: ${String(location)}" is not supported (path, query, header are)`);
  }
  if (style !== undefined && style !== rules.style) {
    throw new Error(`${where} parameter ${name}: only style "${rules.style}" is supported in ${String(location)}`);
  }
  if (location === 'path' && required !== true) {
    throw new Error(`${where} parameter ${name}: path parameters must be required`);
  }
  if (parameter.schema === undefined) {
    throw new Error(`${where} parameter ${name}: a schema is required ("content" is not supported)`);
  }
  const spec: ParameterSpec = {
    name,
    in: location as ParameterLocation,
    required: required === true,
    explode: typeof explode === 'boolean' ? explode : rules.explode,
    schema: bundleSchema(document, parameter.schema, `${where} parameter ${name}`),
  };
  const fallback = schemaDefault(document, parameter.schema);
  return fallback === undefined ? spec : { ...spec, default: fallback };
}

// A `default` beside a `$ref` wins (JSON Schema 2020-12 allows siblings), else the target's.
function schemaDefault(document: OpenApiDocument, schema: unknown): unknown {
  const own = isRecord(schema) && Object.hasOwn(schema, 'default') ? schema : dereference(document, schema);
  return isRecord(own) ? own.default : undefined;
}

// OpenAPI 3.1 §4.8.10.1: operation parameters override path-level ones with the same name and location.
function mergedParameters(document: OpenApiDocument, pathLevel: unknown, operationLevel: unknown, where: string): ParameterSpec[] {
  const merged = new Map<string, ParameterSpec>();
  for (const list of [pathLevel, operationLevel]) {
    if (list === undefined) {
      continue;
    }
    if (!Array.isArray(list)) {
      throw new Error(`${where}: parameters must be a list`);
    }
    for (const raw of list as readonly unknown[]) {
      const spec = parameterSpec(document, raw, where);
      const name = spec.in === 'header' ? spec.name.toLowerCase() : spec.name;
      merged.set(`${spec.in}:${name}`, spec);
    }
  }
  return [...merged.values()];
}

function checkPathParameters(path: string, parameters: readonly ParameterSpec[], where: string): void {
  const declared = parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name).sort();
  const templated = templateParameterNames(path).sort();
  if (declared.join('\n') !== templated.join('\n')) {
    throw new Error(`${where}: path parameters [${declared.join(', ')}] do not match the template ${path}`);
  }
}

function requestBodySpec(document: OpenApiDocument, raw: unknown, where: string): RequestBodySpec {
  const body = record(dereference(document, raw), `${where} requestBody`);
  const content = Object.entries(record(body.content, `${where} requestBody.content`));
  if (content.length === 0) {
    throw new Error(`${where}: requestBody.content names no media type`);
  }
  return {
    required: body.required === true,
    content: content.map(([mediaType, rawMedia]) => {
      const media = record(rawMedia, `${where} requestBody.content["${mediaType}"]`);
      const spec: MediaTypeSpec = { mediaType: mediaType.toLowerCase() };
      return media.schema === undefined
        ? spec
        : { ...spec, schema: bundleSchema(document, media.schema, `${where} requestBody "${mediaType}"`) };
    }),
  };
}

function operationSpec(
  document: OpenApiDocument, path: string, method: HttpMethod, pathItem: Readonly<Record<string, unknown>>, raw: unknown,
): OperationSpec {
  const where = `${method} ${path}`;
  const operation = record(raw, where);
  const { operationId } = operation;
  if (typeof operationId !== 'string' || operationId === '') {
    throw new Error(`${where} has no operationId`);
  }
  const parameters = mergedParameters(document, pathItem.parameters, operation.parameters, where);
  checkPathParameters(path, parameters, where);
  const security = operationSecurity(document, operation.security, where);
  const spec: OperationSpec = { operationId, method, path, koaPath: toKoaPath(path), ...security, parameters };
  return operation.requestBody === undefined
    ? spec
    : { ...spec, requestBody: requestBodySpec(document, operation.requestBody, where) };
}

/**
 * Every operation of the document, path by path (methods in OpenAPI field order). Throws on what
 * the template cannot serve: a missing or duplicate operationId, an unsupported parameter style or
 * security requirement.
 */
export function listOperations(document: OpenApiDocument): OperationSpec[] {
  const operations: OperationSpec[] = [];
  const seen = new Set<string>();
  for (const [path, rawItem] of Object.entries(document.paths)) {
    if (!path.startsWith('/')) {
      throw new Error(`path "${path}" must start with /`);
    }
    const pathItem = record(dereference(document, rawItem), `path ${path}`);
    for (const [field, method] of METHODS) {
      if (pathItem[field] === undefined) {
        continue;
      }
      const spec = operationSpec(document, path, method, pathItem, pathItem[field]);
      if (seen.has(spec.operationId)) {
        throw new Error(`operationId "${spec.operationId}" is used more than once (again at ${method} ${path})`);
      }
      seen.add(spec.operationId);
      operations.push(spec);
    }
  }
  return operations;
}

/** Parses a YAML or JSON OpenAPI 3.1.x document and checks that every operation can be served. */
export function parseOpenApiDocument(text: string, source: string): OpenApiDocument {
  const parsed: unknown = parse(text);
  if (!isRecord(parsed) || typeof parsed.openapi !== 'string' || !/^3\.1\.\d+$/.test(parsed.openapi)) {
    throw new Error(`${source} is not an OpenAPI 3.1.x document`);
  }
  record(parsed.info, `${source}: info`);
  record(parsed.paths, `${source}: paths`);
  const document = parsed as OpenApiDocument;
  try {
    listOperations(document);
  } catch (error) {
    throw new Error(`${source}: ${(error as Error).message}`, { cause: error });
  }
  return document;
}

/** Reads `openapi.yaml` (a file URL, as `ServiceDefinition.openapi` gives it) and checks it. */
export async function loadOpenApiDocument(url: URL): Promise<OpenApiDocument> {
  return parseOpenApiDocument(await readFile(url, 'utf8'), url.pathname);
}
