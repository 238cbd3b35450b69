/**
 * Assembles one service from its definition: logger, metrics, tracing, TLS, database and
 * migrations, authentication, the public pipeline and the admin listener. Everything a service
 * needs at run time is built here, so a service folder holds only its definition.
 */
import Koa from 'koa';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { RequestState, ServiceDefinition, ServiceRuntime, ReadinessCheck } from './service.ts';
import { ServiceApplication } from './request-state.ts';
import type { TemplateConfig } from './config/schema.ts';
import { createLogger } from './telemetry/logger.ts';
import { createMetrics, registerHashGateMetrics } from './telemetry/metrics.ts';
import { startTracing } from './telemetry/tracing.ts';
import { loadTls, serverOptions, type TlsMaterial } from './tls/index.ts';
import { openDatabase, type Database } from './database/index.ts';
import { createAuthenticator } from './auth/index.ts';
import { publicPipeline, adminPipeline } from './middleware/index.ts';
import { createRateLimitStore } from './middleware/rate-limit.ts';
import { loadOpenApiDocument } from './openapi/document.ts';
import { operationRouter } from './openapi/router.ts';
import { openApiRoutes } from './openapi/docs-routes.ts';
import { adminGuard, adminRouter, provisionAdminToken, standardAdminRoutes, type AdminRoutes, type AdminState, type Phase } from './admin/index.ts';
import { listenHttps, type HttpsListener } from './server/https-listener.ts';
import { reloadOnChangeOrHangup } from './tls/reload.ts';
import { explainBindFailure, type ListenerName } from './server/port-in-use.ts';
import { barrierGate } from './middleware/barrier-gate.ts';
import { barrierAdminRoutes } from './admin/index.ts';
import { barrierEntities, barrierMigrations, createBarrier, UnsealError, type Barrier } from './barrier/index.ts';
import { decodeShare } from './barrier/shares.ts';
import { UsageError } from './errors/index.ts';
import { createHashService, HashError, type HashService } from './hash/index.ts';
import { version } from './version.ts';

export interface StartOptions {
  /** Use this logger instead of creating one (tests capture log lines this way). */
  readonly logger?: Logger;
  /** Called once the service has fully stopped, e.g. to exit the process. */
  readonly onStopped?: () => void;
}

export interface RunningService {
  readonly name: string;
  readonly publicUrl: string;
  readonly adminUrl: string;
  /** PEM of the CA that issued the service's certificate (clients trust it). */
  readonly ca: string;
  /** The bearer token the state-changing admin endpoints require, for in-process callers. */
  readonly adminToken: string;
  readonly log: Logger;
  /** Resolves once the service has drained and closed everything. */
  readonly stopped: Promise<void>;
  /** Graceful drain: stop accepting, finish in-flight requests, close the database. Idempotent. */
  stop(reason?: string): Promise<void>;
}

/** Audience a service expects when none is configured: its resource indicator (RFC 8707). */
export function resourceOf(serviceName: string): string {
  return `urn:cryptoutil:${serviceName}`;
}

/**
 * A malformed share is a configuration mistake (a wrong file mounted, a truncated copy): refuse to
 * start, exit 2. The barrier's own decoder decides, and its messages name the share's position,
 * never its content.
 */
function checkShareFormat(shares: readonly string[]): void {
  shares.forEach((share, index) => {
    try {
      decodeShare(share, index + 1).fill(0);
    } catch (error) {
      throw new UsageError(`barrier.shares: ${(error as Error).message}`);
    }
  });
}

/**
 * DESIGN "Barrier": shares from configuration unseal at start. Too few leave it sealed with that
 * progress; wrong ones are logged once, without their content, and the service runs sealed so that
 * an operator can still unseal through the admin endpoint.
 */
async function applyConfiguredShares(barrier: Barrier, shares: readonly string[], threshold: number, log: Logger): Promise<void> {
  checkShareFormat(shares);
  try {
    // Fewer than the threshold are kept as progress, as if sent one by one.
    await barrier.unseal(shares);
  } catch (error) {
    if (!(error instanceof UnsealError)) throw error;
    // The barrier's reasons never quote a share, so the one line can say what went wrong.
    log.error({ shares: shares.length, threshold, reason: error.message }, 'barrier.shares did not unseal the barrier; it stays sealed until unsealed through POST /admin/v1/unseal');
  }
}

/** `barrier.keyCheck` when set; a malformed one is a configuration mistake (exit 2, from the barrier). */
function keyCheckOption(keyCheck: string): { readonly keyCheck?: string } {
  return keyCheck === '' ? {} : { keyCheck };
}

/** `hash: true` services need `hash.pepper`: a missing or short one is a configuration mistake (exit 2). */
async function hashServiceFor({ pepper, maxConcurrent, maxQueued }: TemplateConfig['hash']): Promise<HashService> {
  if (pepper === '') throw new UsageError('hash.pepper must be set for this service (use a file:// reference to a secret of at least 32 bytes)');
  try {
    return await createHashService({ pepper, maxConcurrent, maxQueued });
  } catch (error) {
    if (error instanceof HashError) throw new UsageError(`hash.pepper: ${error.message}`);
    throw error;
  }
}

/** A service's own admin rows may not shadow the template's (a probe must mean the same everywhere). */
function mergeAdminRoutes(template: AdminRoutes, own: AdminRoutes): AdminRoutes {
  const clash = Object.keys(own).find((path) => Object.hasOwn(template, path));
  if (clash !== undefined) throw new Error(`admin route ${clash} is served by the template`);
  return { ...template, ...own };
}

/** Ready only when unsealed; the detail tells an operator how far the unseal has come. */
function barrierCheck(barrier: Barrier): ReadinessCheck {
  return {
    name: 'barrier',
    check: () => {
      const { sealed, progress, threshold } = barrier.status();
      return Promise.resolve(sealed ? { ok: false, detail: `sealed (${progress} of ${threshold} shares)` } : { ok: true });
    },
  };
}

/** Starts a service and resolves when both listeners accept connections. */
export async function startService<C extends object>(
  definition: ServiceDefinition<C>,
  config: TemplateConfig & C,
  options: StartOptions = {},
): Promise<RunningService> {
  const log = options.logger ?? createLogger({ level: config.log.level, service: definition.name });
  const metrics = createMetrics(definition.name);
  const tracing = await startTracing({ service: definition.name, otlpEndpoint: config.telemetry.otlpEndpoint });
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const opened: (() => Promise<void>)[] = [
    () => { loopDelay.disable(); return Promise.resolve(); },
    () => tracing.shutdown(),
  ];
  const closeOpened = async (): Promise<void> => {
    for (const close of opened.reverse()) {
      await close();
    }
  };

  try {
    const material: TlsMaterial = await loadTls(config.tls, { dataDir: config.dataDir, serviceName: definition.name });
    // The barrier's tables come first: a service's own migrations may refer to its keys.
    const database: Database = await openDatabase({
      url: config.database.url,
      entities: definition.barrier === true ? [...barrierEntities, ...definition.entities] : definition.entities,
      migrations: definition.barrier === true ? [...barrierMigrations, ...definition.migrations] : definition.migrations,
      poolMin: config.database.poolMin,
      poolMax: config.database.poolMax,
      logger: log,
      dataDir: config.dataDir,
    });
    opened.push(() => database.close());
    await database.migrate();
    const barrier = definition.barrier === true ? createBarrier({ orm: database.orm, threshold: config.barrier.threshold, ...keyCheckOption(config.barrier.keyCheck ?? ''), logger: log }) : undefined;
    if (barrier !== undefined) {
      // Pushed after the database, so closing (reverse order) wipes the keys before the database closes.
      opened.push(() => { barrier.seal(); return Promise.resolve(); });
      await applyConfiguredShares(barrier, config.barrier.shares, config.barrier.threshold, log);
    }

    const audience = config.auth.audience === '' ? resourceOf(definition.name) : config.auth.audience;
    let boundUrl: string | undefined = undefined;
    const publicUrl = (): string => {
      if (boundUrl === undefined) throw new Error('the public listener is not bound yet');
      return boundUrl;
    };
    const authenticator = createAuthenticator({
      issuer: config.auth.issuer,
      audience,
      ...(config.auth.jwksUri === '' ? {} : { jwksUri: config.auth.jwksUri }),
      clockSkewSeconds: config.auth.clockSkewSeconds,
      ...(material.ca === '' ? {} : { ca: material.ca }),
      publicUrl: config.auth.publicUrl === '' ? publicUrl : () => config.auth.publicUrl,
    });

    const hash = definition.hash === true ? await hashServiceFor(config.hash) : undefined;
    if (hash !== undefined) registerHashGateMetrics(metrics.registry, () => hash.lowEntropyRandom.gateState);
    const runtime: ServiceRuntime<C> = {
      name: definition.name,
      config,
      orm: database.orm,
      reads: database.reads,
      log,
      metrics: metrics.registry,
      ...(barrier === undefined ? {} : { barrier }),
      ...(hash === undefined ? {} : { hash }),
      ca: material.ca,
      publicUrl,
      onStop: (close) => { opened.push(async () => { await close(); }); },
      authenticate: authenticator.authenticate,
    };
    const document = await loadOpenApiDocument(definition.openapi);
    // Once per runtime: everything below serves what this one call built.
    const setup = await definition.setup(runtime);
    const { onStop } = setup;
    if (onStop !== undefined) opened.push(async () => { await onStop(); });

    let phase: Phase = 'starting';
    const checks: ReadinessCheck[] = [
      { name: 'database', check: () => database.check() },
      ...(config.auth.issuer === '' ? [] : [{ name: 'issuer', check: () => authenticator.check() }]),
      ...(barrier === undefined ? [] : [barrierCheck(barrier)]),
      ...(setup.checks ?? []),
    ];

    const redis = config.rateLimit.redisUrl === '' ? undefined : createRateLimitStore(config.rateLimit.redisUrl, log);
    if (redis !== undefined) {
      opened.push(async () => { await redis.quit(); });
    }
    const publicApp = new ServiceApplication(database);
    for (const step of publicPipeline({ logger: log, serviceName: definition.name, config, metrics, ...(redis === undefined ? {} : { redis }) })) {
      publicApp.use(step);
    }
    publicApp.use(openApiRoutes(document, { resource: audience, endpoints: () => authenticator.endpoints() }));
    if (barrier !== undefined) publicApp.use(barrierGate(barrier));
    if (setup.routes !== undefined) publicApp.use(setup.routes);
    publicApp.use(operationRouter({
      document,
      handlers: setup.operations,
      authenticate: authenticator.authenticate,
      ...(definition.middleware === undefined ? {} : { middleware: definition.middleware }),
    }));

    let stopping: Promise<void> | undefined;
    const { promise: stopped, resolve: resolveStopped } = Promise.withResolvers<undefined>();
    const listeners: HttpsListener[] = [];

    const stop = (reason = 'requested'): Promise<void> => {
      stopping ??= (async () => {
        phase = 'draining';
        log.info({ reason }, 'draining');
        await Promise.all(listeners.map((listener) => listener.close(config.shutdown.timeoutMs)));
        await closeOpened();
        log.info('stopped');
        resolveStopped(undefined);
        options.onStopped?.();
      })();
      return stopping;
    };

    const adminState: AdminState = {
      service: definition.name,
      version,
      startedAt: Date.now(),
      phase: () => phase,
      checks,
      metrics: metrics.registry,
      requestShutdown: (reason) => { void stop(reason); },
      eventLoopDelayMs: () => Math.round(loopDelay.percentile(99) / 1e4) / 100,
    };
    const adminApp = new Koa<RequestState>({ proxy: false });
    for (const step of adminPipeline({ logger: log, serviceName: definition.name })) {
      adminApp.use(step);
    }
    const adminToken = await provisionAdminToken({ token: config.admin.token, dataDir: config.dataDir });
    adminApp.use(adminRouter(mergeAdminRoutes(
      { ...standardAdminRoutes(adminState), ...(barrier === undefined ? {} : barrierAdminRoutes(barrier)) },
      setup.adminRoutes ?? {},
    ), adminGuard(adminToken)));

    const tlsOptions = serverOptions(material);
    // Asked, never required, and never checked by TLS: the routes judge a presented certificate.
    const publicTlsOptions = definition.clientCertificates === true ? { ...tlsOptions, requestCert: true, rejectUnauthorized: false } : tlsOptions;
    const bind = (listener: ListenerName, app: Koa<RequestState>): Promise<HttpsListener> => {
      const { address, port } = config[listener];
      return listenHttps(app.callback(), listener === 'public' ? publicTlsOptions : tlsOptions, address, port).catch((error: unknown) => {
        throw explainBindFailure(error, { service: definition.name, listener, address, port });
      });
    };
    const publicListener = await bind('public', publicApp);
    const adminListener = await bind('admin', adminApp).catch(async (error: unknown) => {
      await publicListener.close(0);
      throw error;
    });
    listeners.push(publicListener, adminListener);
    if (config.tls.mode === 'files') {
      // setSecureContext serves new handshakes with the new certificate; open connections keep theirs.
      const stopReloading = reloadOnChangeOrHangup({ tls: config.tls, current: material, log, apply: (next) => { for (const listener of listeners) listener.server.setSecureContext(serverOptions(next)); } });
      opened.push(() => { stopReloading(); return Promise.resolve(); });
    }
    boundUrl = publicListener.url;
    phase = 'running';
    log.info({ public: publicListener.url, admin: adminListener.url, version }, 'started');

    return {
      name: definition.name,
      publicUrl: publicListener.url,
      adminUrl: adminListener.url,
      ca: material.ca,
      adminToken,
      log,
      stopped,
      stop,
    };
  } catch (error) {
    await closeOpened();
    throw error;
  }
}
