/**
 * The operator process: connects with in-cluster credentials or a kubeconfig, elects a leader on a
 * Lease, watches every reconciled kind (and the Deployments and StatefulSets it owns), reconciles
 * through one per-key work queue, and serves livez/readyz/metrics on its own loopback admin listener.
 */
import { hostname } from 'node:os';
import Koa from 'koa';
import type { DestinationStream } from 'pino';
import { adminPipeline } from '../services/template/middleware/admin-pipeline.ts';
import { adminGuard, adminRouter, provisionAdminToken, standardAdminRoutes } from '../services/template/admin/index.ts';
import type { AdminState, Phase } from '../services/template/admin/index.ts';
import { listenHttps } from '../services/template/server/https-listener.ts';
import { loadTls, serverOptions } from '../services/template/tls/index.ts';
import { createLogger } from '../services/template/telemetry/logger.ts';
import type { LogLevel } from '../services/template/config/schema.ts';
import { version } from '../services/template/version.ts';
import { API_VERSION, KIND_ROWS } from './kinds.ts';
import type { Images } from './children/desired.ts';
import { serviceReconciler } from './controllers/reconciler.ts';
import type { Reconciler } from './controllers/reconciler.ts';
import { caPublisher, jwksPublisher } from './controllers/publishers.ts';
import { serviceFetch, serviceRequest, type ResolveList, type ServiceFetch, type ServiceRequest } from './controllers/service-fetch.ts';
import { realmContentSync, type LocateAdmin } from './realm-content/index.ts';
import { keyOfChild, keyOfResource, kindOfKey, reconcileKey, resourceKey } from './controllers/keys.ts';
import { FIELD_MANAGER } from './resources/ownership.ts';
import { describeError } from './kube/api.ts';
import { accessTransport } from './kube/transport.ts';
import { clusterAccess } from './kube/access.ts';
import type { KubeTransport } from './kube/transport.ts';
import { httpKubeApi } from './kube/http-api.ts';
import { WorkQueue } from './queue/work-queue.ts';
import { LEASE_DURATION_SECONDS, LEASE_RETRY_MS, LeaseElector } from './leader/lease.ts';
import { Watcher } from './watch/watcher.ts';
import type { WatchTarget } from './watch/watcher.ts';
import type { ObjectRef } from './resources/types.ts';
import { createOperatorMetrics } from './telemetry.ts';
import { listenMetrics, type MetricsListen } from './metrics-listener.ts';

/** Images deployed when a resource names none: the operator's own release. */
/**
 * No registry publishes the cryptoutil image: `docker build -t cryptoutil:dev .` makes this tag (and
 * `kind load docker-image cryptoutil:dev` puts it on a kind cluster). The chart passes its own image.
 */
export const DEFAULT_IMAGES: Images = { service: 'cryptoutil:dev', postgres: 'postgres:17-alpine' };
/** Admin port of the operator (the services use 9090). */
export const OPERATOR_ADMIN_PORT = 9190;
/** Where the operator keeps its admin listener's local CA; an emptyDir in the pod. */
export const OPERATOR_DATA_DIR = '/tmp/cryptoutil-operator';
/** The Lease every operator replica competes for. */
export const LEASE_NAME = 'cryptoutil-operator';

export interface OperatorOptions {
  /** A kubeconfig file; absent: KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  readonly kubeconfig?: string;
  /**
   * Namespace of the leader Lease: one Lease per cluster, so every release names the same one (chart
   * value `leaderElection.namespace`, default the release namespace).
   */
  readonly namespace?: string;
  /** Namespaces watched and reconciled (chart value `watchNamespaces`); empty or absent: every namespace. */
  readonly watchNamespaces?: readonly string[];
  /** This replica's identity in the Lease (the pod name). */
  readonly identity?: string;
  readonly images?: Partial<Images>;
  /** Entries `spec.image` must match (chart value `allowedImages`); default: the service image and `cryptoutil:dev`. */
  readonly allowedImages?: readonly string[];
  /** Where services are reached instead of their in-cluster names (`CRYPTOUTIL_OPERATOR_RESOLVE`). */
  readonly resolve?: ResolveList;
  /** Replaces the HTTPS fetch of what services publish (tests). */
  readonly serviceFetch?: ServiceFetch;
  /** Replaces the HTTPS requests to services' admin APIs (tests). */
  readonly serviceRequest?: ServiceRequest;
  /** Replaces how identity-authz's admin API is found and authenticated to (tests: an in-process identity-authz). */
  readonly locateRealmAdmin?: LocateAdmin;
  /** Seconds between syncs of a realm's content, which find changes made through identity-authz's API. */
  readonly realmSyncSeconds?: number;
  /** Port of the loopback admin listener; 0 picks a free one (tests). */
  readonly adminPort?: number;
  /** A listener for Prometheus on a pod address serving `/metrics` only; absent: none. */
  readonly metrics?: MetricsListen;
  readonly dataDir?: string;
  /** Every resource is reconciled at least this often, events or not. */
  readonly resyncSeconds?: number;
  /** Lease timings (see `leader/lease.ts`): 15 s lease, renew deadline 10 s, retry every 2 s. */
  readonly leaseDurationSeconds?: number;
  /** Default min(10 s, 2/3 of the lease); retry < renew deadline < lease, or the operator does not start. */
  readonly leaseRenewDeadlineMs?: number;
  readonly leaseRetryMs?: number;
  readonly logLevel?: LogLevel;
  /** Where log lines go; stdout when absent. */
  readonly logDestination?: DestinationStream;
  /** Replaces the kubeconfig transport (tests). */
  readonly transport?: KubeTransport;
}

export interface RunningOperator {
  readonly adminUrl: string;
  /** The metrics listener's `https://host:port`, when `metrics` was given. */
  readonly metricsUrl?: string;
  /** PEM CA of the admin listener, for `cryptoutil operator livez|readyz`. */
  readonly ca: string;
  leading(): boolean;
  /** Drains: stops watches, lets running reconciles finish, releases the Lease. Idempotent. */
  stop(reason?: string): Promise<void>;
  readonly stopped: Promise<void>;
}

/** How soon a resource whose running service has not published yet is reconciled again. */
const PUBLICATION_RETRY_MS = 2_000;

const DEFAULTS = {
  namespace: 'default',
  adminPort: OPERATOR_ADMIN_PORT,
  dataDir: OPERATOR_DATA_DIR,
  resyncSeconds: 300,
  realmSyncSeconds: 30,
  leaseDurationSeconds: LEASE_DURATION_SECONDS,
  leaseRetryMs: LEASE_RETRY_MS,
  logLevel: 'info' as LogLevel,
};

/**
 * Every kind is watched, and so is every kind of child, by the operator's `managed-by` label: the
 * workloads' readiness drives Ready, and a child changed or deleted by hand is repaired within seconds. Across the cluster, or in each of
 * `namespaces` only (a namespace-scoped install has no right to list anything else).
 */
export function watchTargets(namespaces: readonly string[]): WatchTarget[] {
  const child = (apiVersion: string, kind: string): WatchTarget => ({ apiVersion, kind, labelSelector: `app.kubernetes.io/managed-by=${FIELD_MANAGER}`, keyOf: keyOfChild, resync: false });
  const targets = [
    ...KIND_ROWS.map((row): WatchTarget => ({ apiVersion: API_VERSION, kind: row.kind, keyOf: keyOfResource, ignoreStatusOnly: true })),
    child('apps/v1', 'Deployment'),
    child('apps/v1', 'StatefulSet'),
    child('v1', 'Service'),
    child('v1', 'ConfigMap'),
    { ...child('v1', 'Secret'), metadataOnly: true },
    child('policy/v1', 'PodDisruptionBudget'),
    child('networking.k8s.io/v1', 'NetworkPolicy'),
  ];
  return namespaces.length === 0 ? targets : namespaces.flatMap((namespace) => targets.map((target) => ({ ...target, namespace })));
}

/** Starts the operator; resolves once the admin listener is up (leadership may come later). */
export async function startOperator(options: OperatorOptions = {}): Promise<RunningOperator> {
  const settings = { ...DEFAULTS, identity: hostname(), ...options };
  const log = createLogger({ level: settings.logLevel, service: 'operator', ...(options.logDestination === undefined ? {} : { destination: options.logDestination }) });
  const transport = options.transport ?? accessTransport(await clusterAccess({ file: options.kubeconfig }));
  const api = httpKubeApi(transport, { onEventError: (error) => { log.warn({ error: describeError(error) }, 'event not recorded'); } });
  const images: Images = { ...DEFAULT_IMAGES, ...options.images };
  const fetchFromService = options.serviceFetch ?? serviceFetch(options.resolve);
  const publishers = { CertificateAuthority: caPublisher(fetchFromService), JwkAuthority: jwksPublisher(fetchFromService) };
  // A running service that has not published yet changes nothing that is watched: ask again soon.
  const askAgainSoon = (ref: ObjectRef): void => {
    setTimeout(() => { queue.add(resourceKey(ref.kind, ref.namespace, ref.name)); }, PUBLICATION_RETRY_MS).unref();
  };
  const contentSync = { IdentityRealm: realmContentSync({ request: options.serviceRequest ?? serviceRequest(options.resolve), ...(options.locateRealmAdmin === undefined ? {} : { locate: options.locateRealmAdmin }) }) };
  // Changes made through a service's API are not watched: each realm is synced again after a while, once.
  const syncScheduled = new Set<string>();
  const syncAgainLater = (ref: ObjectRef): void => {
    const key = resourceKey(ref.kind, ref.namespace, ref.name);
    if (syncScheduled.has(key)) return;
    syncScheduled.add(key);
    setTimeout(() => {
      syncScheduled.delete(key);
      queue.add(key);
    }, settings.realmSyncSeconds * 1000).unref();
  };
  const reconcilers = new Map<string, Reconciler>([
    ...KIND_ROWS.map((row): [string, Reconciler] => [row.kind, serviceReconciler(row, { api, images, publishers, contentSync, onContentSynced: syncAgainLater, onPublicationPending: askAgainSoon, ...(options.allowedImages === undefined ? {} : { allowedImages: options.allowedImages }) })]),
  ]);
  const known = new Set<string>();
  let phase: Phase = 'starting';

  // The closures below run only after start-up, once `queue` exists.
  const metrics = createOperatorMetrics(() => queue.depth);
  const elector = new LeaseElector({
    transport,
    namespace: settings.namespace,
    name: LEASE_NAME,
    identity: settings.identity,
    leaseDurationSeconds: settings.leaseDurationSeconds,
    ...(options.leaseRenewDeadlineMs === undefined ? {} : { renewDeadlineMs: options.leaseRenewDeadlineMs }),
    retryMs: settings.leaseRetryMs,
    onChange: (leading) => {
      metrics.setLeader(leading);
      log.info({ leading }, leading ? 'leading' : 'not leading');
      // Keys seen while following were dropped: a new leader reconciles them all.
      for (const key of leading ? known : []) {
        queue.add(key);
      }
    },
  });
  const queue = new WorkQueue({
    handler: async (key) => {
      // Followers watch (so they can take over warm) but never write.
      if (elector.leading) {
        await reconcileKey(key, reconcilers);
      }
    },
    onResult: (key, seconds, error) => {
      const failed = error !== undefined;
      metrics.observe(kindOfKey(key), seconds, failed);
      if (failed) {
        log.warn({ key, error: describeError(error) }, 'reconcile failed; retrying with backoff');
      }
    },
  });
  const watchers = watchTargets(options.watchNamespaces ?? []).map((target) => new Watcher({
    transport,
    target,
    onKey: (key) => {
      known.add(key);
      queue.add(key);
    },
    resyncSeconds: settings.resyncSeconds,
    onError: (error) => { log.warn({ kind: target.kind, error: describeError(error) }, 'watch failed; retrying with backoff'); },
    onRelist: () => { log.info({ kind: target.kind }, 'watch history expired; listing again'); },
  }));

  const material = await loadTls({ mode: 'auto', certFile: '', keyFile: '', caFile: '', names: ['localhost', '127.0.0.1'] }, { dataDir: settings.dataDir, serviceName: 'operator' });
  let stopping: Promise<void> | undefined;
  const { promise: stopped, resolve: resolveStopped } = Promise.withResolvers<undefined>();
  const stop = (reason = 'requested'): Promise<void> => {
    stopping ??= (async () => {
      phase = 'draining';
      log.info({ reason }, 'draining');
      await Promise.all(watchers.map((watcher) => watcher.stop()));
      await queue.close();
      await elector.stop();
      await Promise.all([listener.close(5_000), metricsListener?.close(5_000)]);
      log.info('stopped');
      resolveStopped(undefined);
    })();
    return stopping;
  };

  const adminState: AdminState = {
    service: 'operator',
    version,
    startedAt: Date.now(),
    phase: () => phase,
    checks: [{ name: 'kubernetes', check: async () => ({ ok: (await transport.request('GET', '/version')).status === 200 }) }],
    metrics: metrics.registry,
    requestShutdown: (reason) => { void stop(reason); },
    eventLoopDelayMs: () => 0,
  };
  const adminApp = new Koa({ proxy: false });
  for (const step of adminPipeline({ logger: log, serviceName: 'operator' })) {
    adminApp.use(step);
  }
  // Its shutdown endpoint needs the admin token as every service's does (dataDir/admin.token).
  const adminToken = await provisionAdminToken({ dataDir: settings.dataDir });
  adminApp.use(adminRouter(standardAdminRoutes(adminState), adminGuard(adminToken)));
  // Loopback only, like every admin listener: the exec probes run inside the pod.
  const listener = await listenHttps(adminApp.callback(), serverOptions(material), '127.0.0.1', settings.adminPort);
  const metricsListener = options.metrics === undefined ? undefined : await listenMetrics(metrics.registry, serverOptions(material), options.metrics, log);

  for (const watcher of watchers) {
    watcher.start();
  }
  elector.start();
  phase = 'running';
  log.info({ admin: listener.url, version }, 'started');
  return { adminUrl: listener.url, ...(metricsListener === undefined ? {} : { metricsUrl: metricsListener.url }), ca: material.ca, leading: () => elector.leading, stop, stopped };
}
