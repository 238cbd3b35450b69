/**
 * Request validation against the OpenAPI operation, compiled once per operation with Ajv
 * (JSON Schema 2020-12, the dialect of OpenAPI 3.1). Parameters arrive as strings and are coerced
 * to their schema types and defaulted; a JSON body is checked as sent, without coercion.
 */
import { Ajv2020, type ErrorObject, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { UnsupportedMediaTypeError, ValidationError, type FieldError } from '../errors/index.ts';
import type { JsonSchema, MediaTypeSpec, OperationSpec, ParameterLocation, ParameterSpec } from './document.ts';
import { isRecord } from './refs.ts';

/** The parts of a request the validator reads, already taken off the Koa context. */
export interface RawRequest {
  /** Path parameters as the router decoded them. */
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** A request header, `undefined` when absent. */
  header(name: string): string | undefined;
  /** The raw `Content-Type` header, `undefined` when absent. */
  readonly contentType: string | undefined;
  /** Parsed JSON, raw bytes, or `undefined` when the request had no body. */
  readonly body: unknown;
}

/** Declared parameters only, coerced and defaulted. */
export interface ValidatedRequest {
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
}

/** Throws ValidationError (400) or UnsupportedMediaTypeError (415); otherwise returns the parameters. */
export type RequestValidator = (request: RawRequest) => ValidatedRequest;

// OpenAPI keywords Ajv does not know; they annotate and never validate.
const OPENAPI_ANNOTATIONS = ['discriminator', 'example', 'externalDocs', 'xml'];

function newAjv(options: Options): Ajv2020 {
  // strictTypes/strictTuples would only log; everything else unknown fails at compile time.
  const ajv = new Ajv2020({ strict: true, strictTypes: false, strictTuples: false, ...options });
  ajv.addVocabulary(OPENAPI_ANNOTATIONS);
  // ajv-formats is CommonJS: its default import is `module.exports`, whose `default` is the plugin.
  ajvFormats.default(ajv);
  return ajv;
}

// `coerceTypes: 'array'` also turns a single `?tag=a` into ["a"] and a lone ["5"] into 5.
// Parameter defaults come from ParameterSpec.default (Ajv would miss one behind a `$ref`).
const parameterAjv = newAjv({ coerceTypes: 'array', useDefaults: false });
const bodyAjv = newAjv({ coerceTypes: false, useDefaults: true });

/** Ajv keywords whose error names a property below the failing object, and how to word it. */
const PROPERTY_ERRORS: Readonly<Record<string, { readonly param: string; readonly message: string }>> = {
  required: { param: 'missingProperty', message: 'is required' },
  dependentRequired: { param: 'missingProperty', message: 'is required' },
  additionalProperties: { param: 'additionalProperty', message: 'is not allowed' },
  unevaluatedProperties: { param: 'unevaluatedProperty', message: 'is not allowed' },
};

// RFC 6901 §3.
function pointerToken(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function fieldErrors(prefix: string, validate: ValidateFunction): FieldError[] {
  // Ajv sets `errors` whenever validation fails, and only then is this called.
  return (validate.errors as readonly ErrorObject[]).map((error) => {
    const rule = Object.hasOwn(PROPERTY_ERRORS, error.keyword) ? PROPERTY_ERRORS[error.keyword] : undefined;
    const property: unknown = rule === undefined ? undefined : error.params[rule.param];
    if (rule !== undefined && typeof property === 'string') {
      return { pointer: `${prefix}${error.instancePath}/${pointerToken(property)}`, message: rule.message };
    }
    // Ajv words every error (its `messages` option defaults to true).
    return { pointer: `${prefix}${error.instancePath}`, message: String(error.message) };
  });
}

function isArraySchema(schema: JsonSchema): boolean {
  return isRecord(schema) && (schema.type === 'array' || (Array.isArray(schema.type) && schema.type.includes('array')));
}

/** One object schema per location, so Ajv coerces and defaults each parameter in place. */
function compileLocation(parameters: readonly ParameterSpec[]): ValidateFunction {
  const properties: Record<string, unknown> = {};
  let defs: Record<string, unknown> = {};
  for (const { name, schema } of parameters) {
    // Bundled schemas reference `#/$defs/...` from their own root: hoist those to the wrapper's root.
    if (isRecord(schema) && isRecord(schema.$defs)) {
      const { $defs, ...rest } = schema;
      defs = { ...defs, ...$defs };
      properties[name] = rest;
    } else {
      properties[name] = schema;
    }
  }
  const required = parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name);
  return parameterAjv.compile({ type: 'object', properties, required, $defs: defs });
}

/**
 * Ajv coerces `Infinity`, `-Infinity` and a number too large for a double (`1e309`) to a number
 * that passes `type: integer` and even `maximum`; no parameter means that. Any non-finite number
 * left after coercion (in an array too) is refused as the field it came from.
 */
function nonFiniteErrors(prefix: string, values: Readonly<Record<string, unknown>>): FieldError[] {
  const errors: FieldError[] = [];
  for (const name of Object.keys(values)) {
    const value = values[name];
    const numbers: readonly unknown[] = Array.isArray(value) ? value : [value];
    if (numbers.some((item) => typeof item === 'number' && !Number.isFinite(item))) {
      errors.push({ pointer: `${prefix}/${pointerToken(name)}`, message: 'must be a finite number' });
    }
  }
  return errors;
}

/** Whether nulErrors could find anything: a string holding U+0000, or an object or array to look into. */
function mayHoldNul(value: unknown): boolean {
  return typeof value === 'string' ? value.includes('\u0000') : typeof value === 'object' && value !== null;
}

type ValueSource = (request: RawRequest, name: string) => string | readonly string[] | undefined;

const SOURCES: Readonly<Record<ParameterLocation, ValueSource>> = {
  // The router only matches when every path parameter is there.
  path: (request, name) => request.pathParams[name],
  query: (request, name) => Object.hasOwn(request.query, name) ? request.query[name] : undefined,
  header: (request, name) => request.header(name),
};

interface LocationCheck {
  readonly location: ParameterLocation;
  readonly parameters: readonly ParameterSpec[];
  readonly validate: ValidateFunction;
}

function collect(check: LocationCheck, request: RawRequest): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const parameter of check.parameters) {
    const value = SOURCES[check.location](request, parameter.name);
    if (value === undefined) {
      if (parameter.default !== undefined) {
        // Ajv may fill defaults into an object or array in place; a number or a string needs no copy.
        values[parameter.name] = typeof parameter.default === 'object' && parameter.default !== null ? structuredClone(parameter.default) : parameter.default;
      }
      continue;
    }
    // OpenAPI 3.1 §4.8.12.4: unexploded arrays (and every array in path or header) are comma-separated.
    const joined = typeof value === 'string' && !parameter.explode && isArraySchema(parameter.schema);
    values[parameter.name] = joined ? value.split(',') : value;
  }
  return values;
}

// RFC 9110 §8.3.1: the media type is case-insensitive and parameters follow a semicolon.
function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').replace(/;.*$/s, '').trim().toLowerCase();
}

function accepts(declared: string, actual: string): boolean {
  if (declared === '*/*') {
    return actual !== '';
  }
  return declared.endsWith('/*') ? actual.startsWith(declared.slice(0, -1)) : declared === actual;
}

// RFC 6839 §3.1: `+json` structured syntax suffix.
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

interface BodyCheck {
  readonly required: boolean;
  readonly media: readonly MediaTypeSpec[];
  readonly schemas: ReadonlyMap<string, ValidateFunction>;
}

function compileBody(operation: OperationSpec): BodyCheck | undefined {
  const { requestBody } = operation;
  if (requestBody === undefined) {
    return undefined;
  }
  const schemas = new Map<string, ValidateFunction>();
  for (const { mediaType, schema } of requestBody.content) {
    if (schema !== undefined) {
      schemas.set(mediaType, bodyAjv.compile(schema));
    }
  }
  return { required: requestBody.required, media: requestBody.content, schemas };
}

function bodyErrors(check: BodyCheck, request: RawRequest): FieldError[] {
  if (request.body === undefined) {
    return check.required ? [{ pointer: '/body', message: 'is required' }] : [];
  }
  const actual = mediaTypeOf(request.contentType);
  const declared = check.media.find((media) => accepts(media.mediaType, actual));
  if (declared === undefined) {
    throw new UnsupportedMediaTypeError(`this operation accepts ${check.media.map((media) => media.mediaType).join(', ')}`);
  }
  // Binary bodies (application/octet-stream, application/jose) are only checked for presence and type.
  const json = JSON_MEDIA_TYPE.test(actual);
  const validate = json ? check.schemas.get(declared.mediaType) : undefined;
  const nul = json ? nulErrors('/body', request.body) : [];
  if (validate === undefined || validate(request.body)) {
    return nul;
  }
  return [...fieldErrors('/body', validate), ...nul];
}

/**
 * No text this template stores may hold U+0000: PostgreSQL refuses it in `text` and SQLite ends C
 * strings at it, so a NUL would be a 500 from the database (found by test/reliability/fuzz.test.ts).
 * Refused up front, in parameters and JSON bodies alike, naming each field that holds one.
 */
function nulErrors(pointer: string, value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  // A loop, not recursion: a body may be nested thousands deep (the fuzzer sends 5,000).
  const pending: [string, unknown][] = [[pointer, value]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [where, item] = next;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) errors.push({ pointer: where, message: 'must not contain U+0000' });
    } else if (Array.isArray(item)) {
      // An array is one field: its pointer is the array's, however many of its items hold a NUL.
      if (item.some((member) => typeof member === 'string' && member.includes('\u0000'))) errors.push({ pointer: where, message: 'must not contain U+0000' });
      for (const member of item) if (typeof member === 'object' && member !== null) pending.push([where, member]);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, member] of Object.entries(item).reverse()) pending.push([`${where}/${pointerToken(key)}`, member]);
    }
  }
  return errors;
}

/** Compiles the checks of one operation; call once at start, run per request. */
export function compileRequestValidator(operation: OperationSpec): RequestValidator {
  const locations: LocationCheck[] = (['path', 'query', 'header'] as const)
    .map((location) => ({ location, parameters: operation.parameters.filter((parameter) => parameter.in === location) }))
    .filter(({ parameters }) => parameters.length > 0)
    .map(({ location, parameters }) => ({ location, parameters, validate: compileLocation(parameters) }));
  const body = compileBody(operation);

  return (request) => {
    // An unacceptable content type (415) is answered before any field is looked at.
    const bodyFailures = body === undefined ? [] : bodyErrors(body, request);
    const errors: FieldError[] = [];
    const validated: Record<ParameterLocation, Record<string, unknown>> = { path: {}, query: {}, header: {} };
    for (const check of locations) {
      const values = collect(check, request);
      if (!check.validate(values)) {
        errors.push(...fieldErrors(`/${check.location}`, check.validate));
      }
      errors.push(...nonFiniteErrors(`/${check.location}`, values));
      // The pointer is spelled out only for a value that may hold a NUL: most are plain strings and numbers.
      for (const name of Object.keys(values)) {
        if (mayHoldNul(values[name])) errors.push(...nulErrors(`/${check.location}/${pointerToken(name)}`, values[name]));
      }
      validated[check.location] = values;
    }
    errors.push(...bodyFailures);
    if (errors.length > 0) {
      throw new ValidationError(errors);
    }
    return { params: validated.path, query: validated.query };
  };
}
