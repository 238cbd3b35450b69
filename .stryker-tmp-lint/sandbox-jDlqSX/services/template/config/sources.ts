/**
 * Reads each configuration source into settings (key, raw value, source). Sources are read
 * completely before anything is merged, so an unknown key is reported even when a later source
 * would have overridden it.
 */
// @ts-nocheck

import { closest } from './suggest.ts';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ConfigKey, ConfigKeys } from './keys.ts';
import type { Problems, SourceName } from './problems.ts';
import { DEFAULT_SOURCE, OVERRIDES_SOURCE, describeProblem, envSource, fileSource, fsReason } from './problems.ts';

/** One value for one key, as a source gave it (before list splitting, file:// and coercion). */
export interface Setting {
  readonly key: ConfigKey;
  readonly raw: unknown;
  readonly source: SourceName;
}

const ENV_PREFIX = 'CRYPTOUTIL_';

function isMapping(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `publik: {port: 1}` is reported as `publik.port`: the path the user would search the docs for. */
function leafPaths(value: unknown, path: string): string[] {
  if (!isMapping(value) || Object.keys(value).length === 0) {
    return [path];
  }
  return Object.entries(value).flatMap(([name, child]) => leafPaths(child, `${path}.${name}`));
}

/** The first layer: every key with its schema default, so every key has a source to name. */
export function defaultSettings(keys: ConfigKeys): Setting[] {
  return keys.list.map((key) => ({ key, raw: key.spec.default as unknown, source: DEFAULT_SOURCE }));
}

function mappingSettings(
  mapping: Readonly<Record<string, unknown>>,
  prefix: string,
  keys: ConfigKeys,
  source: SourceName,
  problems: Problems,
): Setting[] {
  return Object.entries(mapping).flatMap(([name, raw]): Setting[] => {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    const key = keys.byPath(path);
    if (key !== undefined) {
      return [{ key, raw, source }];
    }
    if (!keys.isGroup(path)) {
      for (const unknown of leafPaths(raw, path)) {
        problems.add(describeProblem.unknownKey(unknown, source, closest(unknown, keys.list.map((candidate) => candidate.path))));
      }
      return [];
    }
    // `tls:` with every child commented out parses as null: treat it as setting nothing.
    if (raw === null) {
      return [];
    }
    if (!isMapping(raw)) {
      problems.add(describeProblem.notMapping(path, source));
      return [];
    }
    return mappingSettings(raw, path, keys, source, problems);
  });
}

function parseYaml(text: string, source: SourceName, problems: Problems): unknown {
  try {
    return parse(text);
  } catch (error) {
    // Only the first line: the rest of yaml's message quotes the offending source line, which may hold a secret.
    const [summary = ''] = (error as Error).message.split('\n');
    problems.add(`invalid YAML in ${source}: ${summary.replace(/:$/, '')}`);
    return null;
  }
}

/**
 * The top-level mapping of one YAML file; an empty (or comments-only) file is an empty mapping.
 * A file that cannot be read or parsed, or holds no mapping, is a problem and reads as empty.
 */
export function readConfigDocument(file: string, problems: Problems): Readonly<Record<string, unknown>> {
  const source = fileSource(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.add(`cannot read ${source}: ${fsReason(error)}`);
    return {};
  }
  const document = parseYaml(text, source, problems);
  if (document === null) {
    return {};
  }
  if (!isMapping(document)) {
    problems.add(`${source} must hold a mapping of keys at its top level`);
    return {};
  }
  return document;
}

/** One `--config` YAML file. An empty (or comments-only) file sets nothing. */
export function fileSettings(file: string, keys: ConfigKeys, problems: Problems): Setting[] {
  return mappingSettings(readConfigDocument(file, problems), '', keys, fileSource(file), problems);
}

/** Keys already read from a file and named by that source, e.g. one service's section of an `up` file. */
export function layerSettings(layer: ConfigLayer, keys: ConfigKeys, problems: Problems): Setting[] {
  return mappingSettings(layer.values, '', keys, layer.source, problems);
}

/** A mapping of keys with the name of where it came from, applied after the files and before the environment. */
export interface ConfigLayer {
  readonly source: SourceName;
  readonly values: Readonly<Record<string, unknown>>;
}

/** `CRYPTOUTIL_*` variables; every other variable belongs to someone else and is ignored. */
export function envSettings(env: Readonly<Record<string, string | undefined>>, keys: ConfigKeys, problems: Problems): Setting[] {
  return Object.entries(env).flatMap(([variable, raw]): Setting[] => {
    if (!variable.startsWith(ENV_PREFIX) || raw === undefined) {
      return [];
    }
    const key = keys.byEnv(variable);
    if (key === undefined) {
      problems.add(describeProblem.unknownVariable(variable, closest(variable, keys.list.map((candidate) => candidate.envName))));
      return [];
    }
    return [{ key, raw, source: envSource(variable) }];
  });
}

/** The nested object `cryptoutil up` passes; checked like a config file. */
export function overrideSettings(overrides: object, keys: ConfigKeys, problems: Problems): Setting[] {
  return mappingSettings(overrides as Readonly<Record<string, unknown>>, '', keys, OVERRIDES_SOURCE, problems);
}
