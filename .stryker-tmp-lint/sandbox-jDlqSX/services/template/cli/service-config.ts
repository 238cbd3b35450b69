/**
 * A service definition's view of the configuration loader: the same schema options for `start`,
 * `--help`, the probes and `cryptoutil up`, built in one place.
 */
// @ts-nocheck

import type { ServiceDefinition } from '../service.ts';
import type { TemplateConfig } from '../config/schema.ts';
import { loadConfig, type ConfigLayer, type SchemaOptions } from '../config/index.ts';

/** The schema a definition configures: the shared keys plus its own. */
export function schemaOptionsOf(service: ServiceDefinition): SchemaOptions<object> {
  return {
    serviceName: service.name,
    publicPort: service.publicPort,
    ...(service.configSchema === undefined ? {} : { serviceSchema: service.configSchema }),
  };
}

/** Loads a definition's configuration from files, environment and (for `up`) its layers and overrides. */
export function loadServiceConfig(
  service: ServiceDefinition,
  files: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  overrides?: object,
  layers: readonly ConfigLayer[] = [],
): TemplateConfig {
  return loadConfig({ ...schemaOptionsOf(service), files, env, layers, ...(overrides === undefined ? {} : { overrides }) });
}
