/**
 * Requests generated from an OpenAPI document (issue 20, point 1): for each operation, bodies and
 * parameters drawn from its schemas with fast-check, and the same made hostile: required members
 * dropped, wrong types, unknown members, boundary and huge values, deep nesting, injection and
 * traversal strings, the wrong content type, and bad or missing tokens. Each answer is checked
 * against the document: a declared status, never a 5xx but the declared 503, problem+json for
 * errors, and a JSON body valid against the response schema.
 */
import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

export interface FuzzRequest {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly token: 'valid' | 'invalid' | 'none';
}

export interface FuzzAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** Strings that break naive code: traversal, injection, control and odd Unicode. */
export const HOSTILE_STRINGS: readonly string[] = [
  '../../../../etc/passwd', '..%2f..%2fetc%2fpasswd', "' OR '1'='1' --", '"; drop table pets; --', '<script>alert(1)</script>',
  '${jndi:ldap://x}', '{{7*7}}', '\u0000', '%00', '\uFEFF', '\uD800', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'a'.repeat(10_000), '-1', '1e309', 'NaN', 'null', 'true', '[]', '{}',
];

/** Percent-encodes the UTF-8 of any string, a lone surrogate too (encodeURIComponent throws on one). */
function encode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/u.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows one local `$ref`. */
function resolve(document: Json, node: unknown): Json {
  let current = node;
  for (let hops = 0; isRecord(current) && typeof current.$ref === 'string' && hops < 20; hops += 1) {
    const path: readonly string[] = current.$ref.replace(/^#\//u, '').split('/');
    current = path.reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), document);
  }
  return isRecord(current) ? current : {};
}

/** A value the schema accepts (depth-limited): what a well-behaved client sends. */
export function valid(document: Json, node: unknown, depth = 0): fc.Arbitrary<unknown> {
  // Recursive schemas (a JSON value, a nested key) end somewhere.
  if (depth > 6) return fc.constant(null);
  const schema = resolve(document, node);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return fc.oneof(...options.map((option) => valid(document, option, depth + 1)));
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return valid(document, schema.allOf[0], depth + 1);
  const types: readonly unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((entry) => entry !== 'null');
  switch (type) {
    case 'string': {
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((date) => date.toISOString());
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uri') return fc.webUrl();
      const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const maxLength = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, minLength + 40);
      return typeof schema.pattern === 'string' ? fc.stringMatching(new RegExp(schema.pattern, 'u')).filter((text) => text.length >= minLength && text.length <= (typeof schema.maxLength === 'number' ? schema.maxLength : Infinity))
        : fc.string({ minLength, maxLength });
    }
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000_000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
      return fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) });
    }
    case 'number':
      return fc.double({ min: typeof schema.minimum === 'number' ? schema.minimum : -1e6, max: typeof schema.maximum === 'number' ? schema.maximum : 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return depth > 4 ? fc.constant([]) : fc.array(valid(document, schema.items, depth + 1), { minLength, maxLength: Math.max(minLength, Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3)) });
    }
    default: {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      if (type !== 'object' && Object.keys(properties).length === 0) return fc.jsonValue({ maxDepth: 2 });
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      const model = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, depth > 4 ? fc.constant(null) : valid(document, property, depth + 1)]));
      return fc.record(model, { requiredKeys: required.filter((name) => name in model) });
    }
  }
}

/** JSON text sent as it is: nesting too deep to build as an object and serialize again. */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

function serialize(value: unknown): string {
  return value instanceof RawJson ? value.text : JSON.stringify(value);
}

/** Something the schema should refuse, or that strains the parser: what an attacker sends. */
export function hostile(document: Json, node: unknown): fc.Arbitrary<unknown> {
  const schema = resolve(document, node);
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const properties = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
  const anyHostile = fc.oneof(
    fc.constantFrom<unknown>(...HOSTILE_STRINGS, -1, 0, 2 ** 53, -(2 ** 53), 1e308, -0, true, false, null, [], {}, [[[[]]]]),
    fc.jsonValue({ maxDepth: 4 }),
  );
  const base = valid(document, node).map((value) => (isRecord(value) ? value : {}));
  return fc.oneof(
    // A required member dropped.
    ...(required.length > 0 ? [fc.tuple(base, fc.constantFrom(...required)).map(([value, name]) => Object.fromEntries(Object.entries(value).filter(([key]) => key !== name)))] : []),
    // A member with a value of another type or out of range.
    ...(properties.length > 0 ? [fc.tuple(base, fc.constantFrom(...properties), anyHostile).map(([value, name, bad]) => ({ ...value, [name]: bad }))] : []),
    // A member the schema does not know.
    base.map((value) => ({ ...value, __proto__x: 1, constructor: { prototype: { polluted: true } } })),
    // Not an object at all, or nested far deeper than any parser should follow.
    anyHostile,
    fc.integer({ min: 500, max: 5_000 }).map((depth) => new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  );
}

/** One operation of the document, with what its requests are made from. */
export interface Operation {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Json[];
  readonly body?: { readonly contentType: string; readonly schema: unknown };
  readonly responses: Json;
}

export function operationsOf(document: Json): Operation[] {
  const paths = isRecord(document.paths) ? document.paths : {};
  return Object.entries(paths).flatMap(([path, item]) => {
    if (!isRecord(item)) return [];
    const shared = Array.isArray(item.parameters) ? item.parameters.map((parameter) => resolve(document, parameter)) : [];
    return ['get', 'put', 'post', 'delete', 'patch'].flatMap((method): Operation[] => {
      const operation = item[method];
      if (!isRecord(operation)) return [];
      const own = Array.isArray(operation.parameters) ? operation.parameters.map((parameter) => resolve(document, parameter)) : [];
      const content = isRecord(operation.requestBody) ? resolve(document, operation.requestBody).content : undefined;
      const [contentType, media] = isRecord(content) ? Object.entries(content)[0] ?? [] : [];
      return [{
        id: typeof operation.operationId === 'string' ? operation.operationId : `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: [...shared, ...own],
        ...(contentType === undefined ? {} : { body: { contentType, schema: isRecord(media) ? media.schema : undefined } }),
        responses: isRecord(operation.responses) ? operation.responses : {},
      }];
    });
  });
}

/** Requests for one operation: `count` drawn from its schemas, valid and hostile mixed. */
export function requestsFor(document: Json, operation: Operation, count: number, seed: number): FuzzRequest[] {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  // KNOWN_ID stands for an id the service handed out earlier in the run (`withKnownIds`).
  const pathValue = fc.oneof(
    { arbitrary: fc.constant(KNOWN_ID), weight: 4 },
    { arbitrary: fc.uuid(), weight: 2 },
    { arbitrary: fc.constantFrom(...HOSTILE_STRINGS.filter((text) => text.length < 200)), weight: 1 },
  );
  const queryValue = (parameter: Json): fc.Arbitrary<string> => fc.oneof(
    { arbitrary: valid(document, parameter.schema).map(String), weight: 3 },
    { arbitrary: fc.constantFrom(...HOSTILE_STRINGS.filter((text) => text.length < 200)), weight: 1 },
  );
  const query = fc.tuple(...queryParameters.map((parameter) => fc.option(queryValue(parameter), { nil: undefined })))
    .map((values) => values.flatMap((value, index) => (value === undefined ? [] : [`${encode(String(queryParameters[index]?.name))}=${encode(value)}`])).join('&'));
  const path = fc.tuple(...pathParameters.map(() => pathValue)).map((values) => values.reduce<string>((built, value, index) => built.replace(`{${String(pathParameters[index]?.name)}}`, encode(value)), operation.path));
  const json = operation.body?.contentType.includes('json') === true;
  const body: fc.Arbitrary<{ body?: string; contentType?: string }> = operation.body === undefined
    ? fc.constant({})
    : fc.oneof(
      { arbitrary: (json ? valid(document, operation.body.schema).map((value) => JSON.stringify(value)) : fc.string({ maxLength: 200 })).map((text) => ({ body: text, contentType: operation.body?.contentType ?? '' })), weight: 4 },
      { arbitrary: (json ? hostile(document, operation.body.schema).map(serialize) : fc.string({ maxLength: 2_000 })).map((text) => ({ body: text, contentType: operation.body?.contentType ?? '' })), weight: 4 },
      { arbitrary: fc.constantFrom('{"a":', '\u0000\u0001', '[1,2', 'not json at all').map((text) => ({ body: text, contentType: operation.body?.contentType ?? '' })), weight: 1 },
      { arbitrary: fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16').map((contentType) => ({ body: '{}', contentType })), weight: 1 },
      { arbitrary: fc.constant({ body: 'x'.repeat(2_000_000), contentType: operation.body.contentType }), weight: 1 },
    );
  const token = fc.oneof({ arbitrary: fc.constant<'valid'>('valid'), weight: 8 }, { arbitrary: fc.constantFrom<'invalid' | 'none'>('invalid', 'none'), weight: 1 });
  return fc.sample(fc.record({ path, query, body, token }), { numRuns: count, seed }).map((drawn) => ({
    operation: operation.id,
    method: operation.method,
    path: drawn.path,
    query: drawn.query,
    ...(drawn.body.body === undefined ? {} : { body: drawn.body.body }),
    ...(drawn.body.contentType === undefined ? {} : { contentType: drawn.body.contentType }),
    token: drawn.token,
  }));
}

/** A path parameter to be replaced, when the request is sent, by an id the service has answered with. */
export const KNOWN_ID = '__known_id__';

/** Every `id` member anywhere in a JSON answer. */
export function idsIn(text: string): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isRecord(value)) {
      for (const [key, member] of Object.entries(value)) {
        if (key === 'id' && typeof member === 'string') found.push(member);
        else walk(member);
      }
    }
  };
  try {
    walk(JSON.parse(text));
  } catch {
    // Not JSON: no ids.
  }
  return found;
}

/** The request with each KNOWN_ID replaced by one of `known` (a random uuid while none is known). */
export function withKnownIds(request: FuzzRequest, known: readonly string[], pick: (count: number) => number): FuzzRequest {
  return { ...request, path: request.path.replaceAll(KNOWN_ID, () => (known.length === 0 ? crypto.randomUUID() : known[pick(known.length)] ?? '')) };
}

/** What is wrong with an answer, by the document; empty when nothing is. */
export function checkAnswer(document: Json, operation: Operation, answer: FuzzAnswer, validators: Map<unknown, (value: unknown) => boolean>): string[] {
  const problems: string[] = [];
  // 503 is the template's declared "not now" (sealed, draining, a dependency down, e.g. identity-idp
  // refusing a change it cannot tell identity-authz about); anything else from 500 up is a defect.
  if (answer.status >= 500 && answer.status !== 503) problems.push(`answered ${String(answer.status)}`);
  const declared = operation.responses[String(answer.status)] ?? operation.responses.default;
  if (declared === undefined) {
    problems.push(`status ${String(answer.status)} is not declared`);
    return problems;
  }
  if (answer.status >= 400 && !answer.contentType.startsWith('application/problem+json')) problems.push(`error ${String(answer.status)} is ${answer.contentType || 'no content type'}, not problem+json`);
  const content = resolve(document, declared).content;
  const media = isRecord(content) ? content[answer.contentType.split(';')[0]?.trim() ?? ''] : undefined;
  if (answer.contentType.includes('json') && isRecord(media) && media.schema !== undefined) {
    let validate = validators.get(media.schema);
    if (validate === undefined) {
      const ajv = new Ajv2020({ strict: false, allErrors: false });
      addFormats.default(ajv);
      ajv.addSchema({ ...document, $id: 'doc' });
      // The schema's local references point into the document, which Ajv knows as `doc`.
      const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/', '"doc#/')) as object;
      const compiled = ajv.compile(schema);
      validate = (value) => compiled(value);
      validators.set(media.schema, validate);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      problems.push(`body is not JSON: ${answer.text.slice(0, 80)}`);
      return problems;
    }
    if (!validate(parsed)) problems.push(`body does not match the ${String(answer.status)} schema: ${answer.text.slice(0, 200)}`);
  }
  return problems;
}
