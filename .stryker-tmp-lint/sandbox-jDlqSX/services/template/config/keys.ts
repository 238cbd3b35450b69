/**
 * The flat view of a convict schema: one entry per configurable key with its dotted path, its
 * environment variable and the kind of value it takes. Loading, `--help` and the docs all read it.
 */
// @ts-nocheck

import type { Schema, SchemaObj } from 'convict';
import type { TemplateConfig } from './schema.ts';
import { templateSchema } from './schema.ts';

/** How a string from the environment (or any source) becomes the key's value. */
export type ValueKind = 'integer' | 'number' | 'boolean' | 'list' | 'text';

/** One configurable key; what loading, validation and the docs need to know about it. */
export interface ConfigKey {
  /** Dotted path, e.g. `rateLimit.perSecond`. */
  readonly path: string;
  /** `CRYPTOUTIL_RATELIMIT_PERSECOND`. */
  readonly envName: string;
  /** The convict property exactly as the schema declares it. */
  readonly spec: SchemaObj;
  readonly kind: ValueKind;
  /** Values of sensitive keys never appear in messages, help text or docs. */
  readonly sensitive: boolean;
}

/** What builds one service's schema: the template keys with its defaults, plus its own keys. */
export interface SchemaOptions<C extends object> {
  readonly serviceName: string;
  readonly publicPort: number;
  readonly serviceSchema?: Schema<C>;
}

/** DESIGN "Configuration": dots become `_`, upper case, `CRYPTOUTIL_` prefix. */
export function envName(path: string): string {
  return `CRYPTOUTIL_${path.replaceAll('.', '_').toUpperCase()}`;
}

/**
 * The template's shared keys merged with the service's own. The service owns new top-level keys
 * only; redefining a template key is a programming error, so it throws a plain Error.
 */
export function configSchema<C extends object>(options: SchemaOptions<C>): Schema<TemplateConfig & C> {
  const template = templateSchema({ serviceName: options.serviceName, publicPort: options.publicPort });
  const own = options.serviceSchema ?? {};
  for (const key of Object.keys(own)) {
    if (Object.hasOwn(template, key)) {
      throw new Error(`service ${options.serviceName} redefines the template config key "${key}"`);
    }
  }
  return { ...template, ...own } as Schema<TemplateConfig & C>;
}

// Convict treats a non-empty object without `default` as a group of keys; anything else is a key.
function isGroupNode(node: unknown): node is Readonly<Record<string, unknown>> {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && Object.keys(node).length > 0 && !('default' in node);
}

function isSpec(node: unknown): node is SchemaObj {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && 'default' in node;
}

const BUILT_IN_FORMATS = new Map<unknown, string>([
  [String, 'String'],
  [Number, 'Number'],
  [Boolean, 'Boolean'],
  [Array, 'Array'],
  [Object, 'Object'],
  [RegExp, 'RegExp'],
]);

const DEFAULT_FORMATS: readonly (readonly [(value: unknown) => boolean, string])[] = [
  [(value) => typeof value === 'number', 'Number'],
  [(value) => typeof value === 'boolean', 'Boolean'],
  [Array.isArray, 'Array'],
  [(value) => typeof value === 'string', 'String'],
];

/**
 * The name convict coerces by: a predefined format string, a built-in constructor, or (without a
 * format) the type of the default. Custom functions and enum arrays have none.
 */
export function formatName(spec: SchemaObj): string | undefined {
  const format: unknown = spec.format;
  if (typeof format === 'string') {
    return format;
  }
  if (format !== undefined) {
    return BUILT_IN_FORMATS.get(format);
  }
  return DEFAULT_FORMATS.find(([matches]) => matches(spec.default))?.[1];
}

const KIND_BY_FORMAT: Readonly<Record<string, ValueKind | undefined>> = {
  int: 'integer',
  integer: 'integer',
  nat: 'integer',
  port: 'integer',
  Number: 'number',
  Boolean: 'boolean',
  Array: 'list',
};

function kindOf(spec: SchemaObj): ValueKind {
  const name = formatName(spec);
  return (name === undefined ? undefined : KIND_BY_FORMAT[name]) ?? 'text';
}

/** Every key of a schema, looked up by path or by environment variable name. */
export class ConfigKeys {
  readonly list: readonly ConfigKey[];
  #byPath = new Map<string, ConfigKey>();
  #byEnv = new Map<string, ConfigKey>();
  #groups = new Set<string>();

  constructor(schema: Schema<object>) {
    const list: ConfigKey[] = [];
    this.#collect(schema as Readonly<Record<string, unknown>>, '', list);
    this.list = list;
  }

  #collect(group: Readonly<Record<string, unknown>>, prefix: string, list: ConfigKey[]): void {
    for (const [name, node] of Object.entries(group)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      if (isGroupNode(node)) {
        this.#groups.add(path);
        this.#collect(node, path, list);
        continue;
      }
      const spec: SchemaObj = isSpec(node) ? node : { default: node };
      const key: ConfigKey = { path, envName: envName(path), spec, kind: kindOf(spec), sensitive: spec.sensitive === true };
      const clash = this.#byEnv.get(key.envName);
      if (clash !== undefined) {
        throw new Error(`config keys "${clash.path}" and "${path}" share the environment variable ${key.envName}`);
      }
      this.#byPath.set(path, key);
      this.#byEnv.set(key.envName, key);
      list.push(key);
    }
  }

  byPath(path: string): ConfigKey | undefined {
    return this.#byPath.get(path);
  }

  byEnv(name: string): ConfigKey | undefined {
    return this.#byEnv.get(name);
  }

  /** True for paths such as `tls` that hold keys rather than a value. */
  isGroup(path: string): boolean {
    return this.#groups.has(path);
  }
}
