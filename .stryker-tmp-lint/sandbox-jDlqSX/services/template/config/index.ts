/**
 * Configuration loading (DESIGN "Configuration"): one convict schema per service; sources, later
 * wins: defaults → each YAML file in order → `CRYPTOUTIL_*` environment → overrides from
 * `cryptoutil up`. Every problem is a UsageError (exit code 2) naming the key and its source.
 */
// @ts-nocheck

import convict from 'convict';
import type { Schema } from 'convict';
import type { TemplateConfig } from './schema.ts';
import type { SchemaOptions } from './keys.ts';
import { ConfigKeys, configSchema } from './keys.ts';
import { NO_AMBIENT_SOURCES, formatReason } from './formats.ts';
import { DEFAULT_SOURCE, Problems, describeProblem } from './problems.ts';
import { join } from 'node:path';
import type { Setting } from './sources.ts';
import { defaultSettings, envSettings, fileSettings, layerSettings, overrideSettings, type ConfigLayer } from './sources.ts';
import { UNUSABLE, settle } from './values.ts';
import { TEMPLATE_RULES } from './rules.ts';
import { describeConfig } from './describe.ts';

export type { TemplateConfig } from './schema.ts';
export type { SchemaOptions, ConfigKey } from './keys.ts';
export { configSchema, envName } from './keys.ts';
export { describeConfig, configMarkdown } from './describe.ts';
export { readConfigDocument, type ConfigLayer } from './sources.ts';
export { Problems, fileSource } from './problems.ts';

/** Everything loading reads is passed in, so tests and `cryptoutil up` decide every source. */
export interface LoadConfigOptions<C extends object> extends SchemaOptions<C> {
  /** `--config` files, applied in order. */
  readonly files: readonly string[];
  /** Usually `process.env`; passed in so tests and `cryptoutil up` control it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Applied after the files, before the environment: what `cryptoutil up` read from its own `--config` files. */
  readonly layers?: readonly ConfigLayer[];
  /** Applied last: what `cryptoutil up` decides per service (ports, data paths). A plain nested object. */
  readonly overrides?: object;
}

/** `database.url` when none is configured: the service's SQLite file in `dataDir`. */
export function defaultDatabaseUrl(dataDir: string, serviceName: string): string {
  return `sqlite:${join(dataDir, `${serviceName}.sqlite`)}`;
}

/** Text for `cryptoutil <service> start --help`: every key, its type, default, variable and doc. */
export function configHelp<C extends object>(options: SchemaOptions<C>): string {
  return describeConfig(configSchema(options));
}

/**
 * Validates one key's effective value and hands it to convict; records a problem instead when it
 * does not fit. True when the value was taken.
 */
function apply(setting: Setting, config: convict.Config<Record<string, unknown>>, problems: Problems): boolean {
  const { key, source } = setting;
  const value = settle(setting, problems);
  if (value === UNUSABLE) {
    return false;
  }
  const reason = formatReason(key, value);
  if (reason === undefined) {
    config.set(key.path, value);
    return true;
  }
  problems.add(value === null ? describeProblem.rule(key.path, source, 'is required') : describeProblem.invalid(key.path, source, reason));
  return false;
}

/**
 * The validated configuration of one service. Throws UsageError listing every problem found; throws a
 * plain Error only for programming errors in the schema (a service key clashing with a template key).
 */
export function loadConfig<C extends object>(options: LoadConfigOptions<C>): TemplateConfig & C {
  const schema = configSchema(options);
  // Built first: convict rejects a malformed schema (unknown format, reserved name) before any input is read.
  const config = convict(schema as Schema<Record<string, unknown>>, NO_AMBIENT_SOURCES);
  const keys = new ConfigKeys(schema);
  const problems = new Problems();
  const settings = [
    ...defaultSettings(keys),
    ...options.files.flatMap((file) => fileSettings(file, keys, problems)),
    ...(options.layers ?? []).flatMap((layer) => layerSettings(layer, keys, problems)),
    ...envSettings(options.env, keys, problems),
    ...overrideSettings(options.overrides ?? {}, keys, problems),
  ];
  // Later settings replace earlier ones for the same key; lists are replaced, never merged.
  const effective = new Map(settings.map((setting) => [setting.key.path, setting]));
  const taken = [...effective.values()].filter((setting) => apply(setting, config, problems));
  const loaded = config.getProperties() as TemplateConfig & C;
  // The default database lives in dataDir: moving dataDir moves it too, so a second service
  // started with another dataDir never opens the database of one already running.
  if (effective.get('database.url')?.source === DEFAULT_SOURCE) {
    loaded.database.url = defaultDatabaseUrl(loaded.dataDir, options.serviceName);
  }
  // The rules look at the keys whose values were taken, so that one start reports every problem.
  for (const { key, source } of taken) {
    for (const rule of TEMPLATE_RULES.filter((candidate) => candidate.path === key.path)) {
      const reason = rule.check(loaded);
      if (reason !== undefined) {
        problems.add(describeProblem.rule(key.path, source, reason));
      }
    }
  }
  problems.throwIfAny();
  config.validate({ allowed: 'strict' });
  return loaded;
}
