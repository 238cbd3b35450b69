/**
 * jose-ja, the JWK Authority: key sets whose keys rotate on schedule and on demand, a JWKS per set
 * that verifiers can cache, and JOSE operations with keys that never leave the service (sealed by
 * the template's barrier). Like every service it is a definition; the template runs the listeners,
 * auth and the barrier.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Middleware } from 'koa';
import type { OperationHandler, OperationHandlers, RequestState, ServiceDefinition, ServiceRuntime } from '../template/service.ts';
import { operationAudit } from './audit.ts';
import type { VersionedCache } from './cache.ts';
import { joseSchema, type JoseConfig } from './config.ts';
import { publicBaseUrl, type JaContext } from './context.ts';
import { DeclaredKeySets } from './declared.ts';
import { entities } from './entities.ts';
import { CachedKeySource } from './key-source.ts';
import { jwksCache, jwksRoute, type JwksDocument } from './jwks.ts';
import { migrations } from './migrations.ts';
import type { OperationAudit } from './ports.ts';
import { keySetHandlers } from './routes/key-sets.ts';
import { operationHandlers } from './operations/index.ts';
import { LifecycleSweep } from './sweep.ts';

/** One running jose-ja: its context, caches, declared sets and sweep, wired to the runtime. */
export interface JaProcess {
  readonly ja: JaContext;
  /** The keys the JOSE operations use (ports.ts). */
  readonly keys: CachedKeySource;
  /** Where the JOSE operations write their audit records (ports.ts). */
  readonly audit: OperationAudit;
  readonly jwks: VersionedCache<JwksDocument>;
  readonly declared: DeclaredKeySets;
  readonly sweep: LifecycleSweep;
  readonly fork: () => EntityManager;
}

/** Builds the process once per runtime (by setup: operations, routes and readiness share it); `now` is ms since the epoch. */
export function createJa(runtime: ServiceRuntime<JoseConfig>, now: () => number = Date.now): JaProcess {
  const { barrier } = runtime;
  if (barrier === undefined) throw new Error('jose-ja keeps its private keys under the barrier: its definition must set barrier: true');
  const config = runtime.config.jose;
  const fork = (): EntityManager => runtime.orm.em.fork();
  const listeners: ((name: string) => void)[] = [];
  const ja: JaContext = {
    barrier,
    jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
    publicUrl: publicBaseUrl(config.publicUrl, runtime.publicUrl),
    now: () => new Date(now()),
    changed: (name) => { for (const listener of listeners) listener(name); },
  };
  const keys = new CachedKeySource(fork, ja, barrier);
  const jwks = jwksCache(fork, now);
  listeners.push((name) => { keys.drop(name); }, (name) => { jwks.drop(name); });
  const declared = new DeclaredKeySets({ fork, ja, declared: config.keySets, log: runtime.log });
  declared.start();
  const sweep = new LifecycleSweep({ fork, ja, log: runtime.log, intervalMs: config.sweepIntervalSeconds * 1000 });
  sweep.start();
  runtime.onStop(async () => {
    declared.stop();
    await sweep.stop();
  });
  return { ja, keys, audit: operationAudit(fork, () => ja.now()), jwks, declared, sweep, fork };
}

/**
 * The key-set handlers and `operations` (the JOSE operations, built on `keys` and `audit`), each
 * first trying to make sure the declared sets exist since the last unseal.
 */
export function joseJaHandlers({ ja, declared }: Pick<JaProcess, 'ja' | 'declared'>, operations: OperationHandlers): OperationHandlers {
  return Object.fromEntries(Object.entries({ ...keySetHandlers(ja), ...operations }).map(([operationId, handler]): [string, OperationHandler] => [operationId, async (ctx) => {
    await declared.settle();
    await handler(ctx);
  }]));
}

/** The unauthenticated JWKS route, after the declared sets like the API (an operator waits on it). */
export function joseJaRoutes({ ja, jwks, declared }: JaProcess): Middleware<RequestState> {
  const serve = jwksRoute(jwks, ja.jwksMaxAgeSeconds);
  return async (ctx, next) => {
    await declared.settle();
    await serve(ctx, next);
  };
}

/** The definition on the clock `now` (ms since the epoch); tests move it. */
export function joseJaOn(now: () => number): ServiceDefinition<JoseConfig> {
  return {
    name: 'jose-ja',
    summary: 'JWK Authority: key sets that rotate themselves, cacheable JWKS, JWT and JOSE operations with keys under a sealed barrier',
    publicPort: 8280,
    upAdminPort: 9096,
    openapi: new URL('./openapi.yaml', import.meta.url),
    configSchema: joseSchema,
    entities,
    migrations,
    barrier: true,
    setup: (runtime) => {
      const process = createJa(runtime, now);
      return { operations: joseJaHandlers(process, operationHandlers({ keys: process.keys, audit: process.audit, now: () => process.ja.now() })), routes: joseJaRoutes(process), checks: [process.declared.readiness()] };
    },
  };
}

/** The service definition `cryptoutil jose-ja` runs (DESIGN "Service APIs": jose-ja, port 8280). */
export const joseJa: ServiceDefinition<JoseConfig> = joseJaOn(Date.now);
