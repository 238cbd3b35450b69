/**
 * The operator's Prometheus metrics, served on its admin listener: reconciles by kind and result,
 * their duration, errors, the work-queue depth and whether this replica leads.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface OperatorMetrics {
  readonly registry: Registry;
  /** Records one finished reconcile of `kind`. */
  observe(kind: string, seconds: number, failed: boolean): void;
  setLeader(leading: boolean): void;
}

/** Seconds: a no-op reconcile takes milliseconds, one that issues a certificate a little more. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A registry of the operator's own; `depth` is read on every scrape. */
export function createOperatorMetrics(depth: () => number): OperatorMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'operator' });
  collectDefaultMetrics({ register: registry });
  const reconciles = new Counter({ name: 'cryptoutil_operator_reconcile_total', help: 'Reconciles finished, by kind and result.', labelNames: ['kind', 'result'] as const, registers: [registry] });
  const errors = new Counter({ name: 'cryptoutil_operator_reconcile_errors_total', help: 'Reconciles that threw and were requeued with backoff.', labelNames: ['kind'] as const, registers: [registry] });
  const duration = new Histogram({ name: 'cryptoutil_operator_reconcile_duration_seconds', help: 'Time one reconcile took.', labelNames: ['kind'] as const, buckets: BUCKETS, registers: [registry] });
  new Gauge({ name: 'cryptoutil_operator_queue_depth', help: 'Keys waiting in the work queue.', registers: [registry], collect() { this.set(depth()); } });
  const leader = new Gauge({ name: 'cryptoutil_operator_leader', help: '1 while this replica holds the leader Lease.', registers: [registry] });
  return {
    registry,
    observe(kind, seconds, failed) {
      reconciles.inc({ kind, result: failed ? 'error' : 'success' });
      duration.observe({ kind }, seconds);
      if (failed) {
        errors.inc({ kind });
      }
    },
    setLeader(leading) {
      leader.set(leading ? 1 : 0);
    },
  };
}
