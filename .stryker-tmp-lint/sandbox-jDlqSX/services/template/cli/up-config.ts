/**
 * `cryptoutil up --config F.yml`: one file configures the whole suite. Its top-level keys apply
 * to every service; its `services:` section holds keys for one service each. What `up` wires
 * itself (ports, addresses, TLS, database, data directory, issuer, unseal shares) stays `up`'s:
 * a file that sets one of those keys is refused, since it would be silently overridden.
 */
// @ts-nocheck

import type { ServiceDefinition } from '../service.ts';
import { Problems, fileSource, readConfigDocument, type ConfigLayer } from '../config/index.ts';

/** The key of the per-service section; no template key has this name. */
const SERVICES_KEY = 'services';

/** One `up` config file, read and split once for the whole suite. */
export interface UpConfigFile {
  readonly source: string;
  readonly shared: Readonly<Record<string, unknown>>;
  readonly services: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

function isMapping(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function splitFile(file: string, names: readonly string[], problems: Problems): UpConfigFile {
  const source = fileSource(file);
  const { [SERVICES_KEY]: sections = {}, ...shared } = readConfigDocument(file, problems);
  if (sections === null) return { source, shared, services: {} };
  if (!isMapping(sections)) {
    problems.add(`"${SERVICES_KEY}" in ${source} must be a mapping of service names`);
    return { source, shared, services: {} };
  }
  const services: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const [name, section] of Object.entries(sections)) {
    if (!names.includes(name)) {
      problems.add(`unknown service "${SERVICES_KEY}.${name}" in ${source}; services: ${names.join(', ')}`);
    } else if (section !== null && !isMapping(section)) {
      problems.add(`"${SERVICES_KEY}.${name}" in ${source} must be a mapping of keys`);
    } else {
      services[name] = section ?? {};
    }
  }
  return { source, shared, services };
}

/** Reads every `up` config file; throws one UsageError listing every problem. */
export function readUpConfig(files: readonly string[], services: readonly ServiceDefinition[]): readonly UpConfigFile[] {
  const problems = new Problems();
  const names = services.map((service) => service.name);
  const read = files.map((file) => splitFile(file, names, problems));
  problems.throwIfAny();
  return read;
}

/** One service's layers, file by file: the shared keys, then its own section. */
export function layersFor(files: readonly UpConfigFile[], service: string): ConfigLayer[] {
  return files.flatMap((file) => [
    { source: file.source, values: file.shared },
    { source: `${file.source} (${SERVICES_KEY}.${service})`, values: file.services[service] ?? {} },
  ]);
}

/** `a.b` for every leaf of a nested mapping; a list or a scalar is a leaf. */
function leafPaths(value: Readonly<Record<string, unknown>>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([name, child]) => {
    const path = `${prefix}${name}`;
    return isMapping(child) && Object.keys(child).length > 0 ? leafPaths(child, `${path}.`) : [path];
  });
}

/** Each key a layer sets that `up` also sets for the service, as one problem line. */
export function wiredKeyProblems(layers: readonly ConfigLayer[], overrides: Readonly<Record<string, unknown>>): string[] {
  const wired = new Set(leafPaths(overrides));
  return layers.flatMap((layer) => leafPaths(layer.values)
    .filter((path) => wired.has(path))
    .map((path) => `"${path}" in ${layer.source} is set by cryptoutil up itself (ports move with --port-offset, data with --data-dir)`));
}
