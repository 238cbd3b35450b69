/**
 * sm-kms, the Key Management System: elastic keys holding versioned material keys, JOSE outputs,
 * and every private key at rest under the template's barrier. Like every service it is a definition
 * (document, entities, migrations, handlers); the template runs the listeners, auth and the barrier.
 */
import type { OperationHandler, OperationHandlers, ServiceDefinition, ServiceRuntime } from '../template/service.ts';
import { KeyCache } from './cache.ts';
import { checkKmsConfig, kmsSchema, type KmsConfig } from './config.ts';
import type { KmsContext } from './context.ts';
import { DeletionSweep } from './deletion.ts';
import { entities } from './entities.ts';
import { migrations } from './migrations.ts';
import { cryptoHandlers } from './routes/crypto.ts';
import { elasticKeyHandlers } from './routes/elastic-keys.ts';
import { materialKeyHandlers } from './routes/material-keys.ts';

/** How often the sweep finishes deletions that nobody touched; access finishes them at once anyway. */
export const SWEEP_INTERVAL_MS = 60_000;

/**
 * The context, caches and sweep of one running sm-kms, wired to its barrier. `now` (milliseconds
 * since the epoch) is the clock of the caches and of scheduled deletions: tests move it.
 */
export function createKms(runtime: ServiceRuntime<KmsConfig>, sweepIntervalMs = SWEEP_INTERVAL_MS, now: () => number = Date.now): { readonly kms: KmsContext; readonly sweep: DeletionSweep } {
  const { barrier } = runtime;
  if (barrier === undefined) throw new Error('sm-kms keeps its keys under the barrier: its definition must set barrier: true');
  checkKmsConfig(runtime.config);
  const cache = new KeyCache({ now });
  // Nothing decrypted outlives a seal (and closing the service seals).
  barrier.onSeal(() => { cache.wipe(); });
  const kms: KmsContext = { barrier, cache, reads: runtime.reads, encryptionLimit: runtime.config.kms.encryptionLimit, now: () => new Date(now()) };
  const sweep = new DeletionSweep({ fork: () => runtime.orm.em.fork(), kms, log: runtime.log, intervalMs: sweepIntervalMs });
  return { kms, sweep };
}

/** Every handler, each first making sure the deletion sweep runs (it stops on seal, see DeletionSweep). */
export function kmsHandlers(kms: KmsContext, sweep: DeletionSweep): OperationHandlers {
  const handlers: OperationHandlers = { ...elasticKeyHandlers(kms), ...materialKeyHandlers(kms), ...cryptoHandlers(kms) };
  return Object.fromEntries(Object.entries(handlers).map(([operationId, handler]): [string, OperationHandler] => [operationId, (ctx) => {
    sweep.ensureRunning();
    return handler(ctx);
  }]));
}

/** The setup of a process on the clock `now`. */
function setupOn(now: () => number): ServiceDefinition<KmsConfig>['setup'] {
  return (runtime) => {
    const { kms, sweep } = createKms(runtime, SWEEP_INTERVAL_MS, now);
    return { operations: kmsHandlers(kms, sweep) };
  };
}

/** The service definition `cryptoutil sm-kms` runs (DESIGN "Service APIs": sm-kms, port 8080). */
export const smKms: ServiceDefinition<KmsConfig> = {
  name: 'sm-kms',
  summary: 'Key Management System: elastic keys with versioned material keys, JOSE outputs, keys at rest under a sealed barrier',
  publicPort: 8080,
  upAdminPort: 9090,
  openapi: new URL('./openapi.yaml', import.meta.url),
  configSchema: kmsSchema,
  entities,
  migrations,
  barrier: true,
  setup: setupOn(Date.now),
};

/** The definition on another clock: tests run a process whose caches age only when they say so. */
export function smKmsOn(now: () => number): ServiceDefinition<KmsConfig> {
  return { ...smKms, setup: setupOn(now) };
}
