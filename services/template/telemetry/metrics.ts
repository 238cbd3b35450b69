/**
 * Prometheus metrics of one service, scraped from the admin listener (`/admin/v1/metrics`). Each
 * service owns its Registry, so several services in one process (`cryptoutil up`) never collide.
 */
import type Koa from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GateState } from '../hash/gate.ts';
import { observeRequest } from './request-outcome.ts';
import { matchedRoute } from './route.ts';

const LABELS = ['method', 'route', 'status'] as const;
type Label = (typeof LABELS)[number];

/** Seconds; spans a cached token check (sub-millisecond) up to a slow PBKDF2 login. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<Label>;
  readonly duration: Histogram<Label>;
  /** Requests that met a failing rate-limit store, by outcome (`allowed` or `refused`). */
  readonly rateLimitStoreFailures: Counter<'outcome'>;
}

/** A Registry of the service's own with process metrics and the HTTP server RED metrics. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_server_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: LABELS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Time from receiving a request to its response, by method, route template and status.',
    labelNames: LABELS,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const rateLimitStoreFailures = new Counter({
    name: 'rate_limit_store_failures_total',
    help: 'Requests that met a failing rate-limit store (rateLimit.redisUrl), by whether they were allowed or refused (rateLimit.onStoreFailure).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return { registry, requests, duration, rateLimitStoreFailures };
}

/**
 * The hash gate's load, read at each scrape: PBKDF2 hashes running and waiting, and places refused
 * (answered 503) since start. A service without the hash service has none of these.
 */
export function registerHashGateMetrics(registry: Registry, state: () => GateState): void {
  new Gauge({
    name: 'hash_gate_running',
    help: 'PBKDF2 hashes running now (at most hash.maxConcurrent).',
    registers: [registry],
    collect() { this.set(state().running); },
  });
  new Gauge({
    name: 'hash_gate_waiting',
    help: 'PBKDF2 hashes waiting for a slot now (at most hash.maxQueued, with the places held between the hashes of one login).',
    registers: [registry],
    collect() { this.set(state().waiting); },
  });
  new Counter({
    name: 'hash_gate_refused_total',
    help: 'Hash requests refused because hash.maxConcurrent + hash.maxQueued places were taken (answered 503 with Retry-After).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(state().refused);
    },
  });
}

/** Counts and times one finished request; labelled by route template so cardinality stays bounded. */
export function recordRequest(metrics: Metrics, ctx: Koa.ParameterizedContext, status: number, durationMs: number): void {
  const labels = { method: ctx.method, route: matchedRoute(ctx), status: String(status) };
  metrics.requests.inc(labels);
  metrics.duration.observe(labels, durationMs / 1000);
}

/** recordRequest for every request, as a pipeline step of its own. */
export function metricsMiddleware(metrics: Metrics): Koa.Middleware {
  return async function metricsStep(ctx, next) {
    await observeRequest(ctx, next, (status, durationMs) => { recordRequest(metrics, ctx, status, durationMs); });
  };
}
