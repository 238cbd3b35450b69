/**
 * Local `$ref` handling for OpenAPI documents. Parameters and request bodies are followed to their
 * target; schemas are bundled (every referenced component copied under `$defs`) so that each one
 * compiles on its own, recursive schemas included.
 */
// @ts-nocheck


/** A JSON Schema 2020-12 as OpenAPI 3.1 embeds it: an object or a boolean. */
export type JsonSchema = boolean | Readonly<Record<string, unknown>>;

/** Narrows a parsed YAML/JSON value to a plain object. */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// RFC 6901 §4: `~1` is `/`, `~0` is `~`, decoded in that order.
function unescapeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The JSON pointer of a local `$ref` (RFC 3986 fragment, percent-decoded), without the `#`. */
function localPointer(ref: string): string {
  const pointer = ref.startsWith('#') ? decodeURIComponent(ref.slice(1)) : '';
  if (!pointer.startsWith('/')) {
    throw new Error(`$ref "${ref}" is not supported: only local references like #/components/... are`);
  }
  return pointer;
}

function resolvePointer(document: unknown, ref: string): unknown {
  let node = document;
  for (const token of localPointer(ref).slice(1).split('/')) {
    const key = unescapeToken(token);
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) {
      throw new Error(`$ref "${ref}" points at nothing`);
    }
    node = Reflect.get(node, key);
  }
  return node;
}

/** Follows a chain of `$ref`s (Reference Objects) to the object it names. */
export function dereference(document: unknown, value: unknown): unknown {
  const seen = new Set<string>();
  let node = value;
  while (isRecord(node) && typeof node.$ref === 'string') {
    if (seen.has(node.$ref)) {
      throw new Error(`$ref "${node.$ref}" refers to itself`);
    }
    seen.add(node.$ref);
    node = resolvePointer(document, node.$ref);
  }
  return node;
}

// Keywords whose values are instance data, not subschemas: a `$ref` inside them is left alone.
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'example', 'examples']);
// Keywords whose values map names to subschemas (a property may be called `default`).
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);

/**
 * Copies `schema` with every local `$ref` rewritten to `#/$defs/<pointer>` and the referenced
 * schemas (transitively) added under `$defs`. `where` names the schema in load errors.
 */
export function bundleSchema(document: unknown, schema: unknown, where: string): JsonSchema {
  if (typeof schema === 'boolean') {
    return schema;
  }
  if (!isRecord(schema)) {
    throw new Error(`${where}: a schema must be an object or a boolean`);
  }
  const defs: Record<string, unknown> = {};

  const rewriteRef = (ref: string): string => {
    const key = localPointer(ref).slice(1);
    if (!Object.hasOwn(defs, key)) {
      defs[key] = true; // placeholder first, so a recursive schema stops here
      const target = resolvePointer(document, ref);
      if (typeof target !== 'boolean' && !isRecord(target)) {
        throw new Error(`${where}: $ref "${ref}" does not point at a schema`);
      }
      defs[key] = rewrite(target);
    }
    return `#/$defs/${encodeURIComponent(escapeToken(key))}`;
  };

  const rewriteMap = (map: Readonly<Record<string, unknown>>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(map).map(([name, subschema]) => [name, rewrite(subschema)]));

  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      return node.map(rewrite);
    }
    return isRecord(node) ? rewriteObject(node) : node;
  };

  const rewriteObject = (node: Readonly<Record<string, unknown>>): Record<string, unknown> => {
    const copy: Record<string, unknown> = {};
    for (const [keyword, value] of Object.entries(node)) {
      if (keyword === '$ref' && typeof value === 'string') {
        copy[keyword] = rewriteRef(value);
      } else if (DATA_KEYWORDS.has(keyword)) {
        copy[keyword] = value;
      } else if (SCHEMA_MAP_KEYWORDS.has(keyword) && isRecord(value)) {
        copy[keyword] = rewriteMap(value);
      } else {
        copy[keyword] = rewrite(value);
      }
    }
    return copy;
  };

  const root = rewriteObject(schema);
  if (Object.keys(defs).length === 0) {
    return root;
  }
  const ownDefs = isRecord(root.$defs) ? root.$defs : {};
  return { ...root, $defs: { ...ownDefs, ...defs } };
}
