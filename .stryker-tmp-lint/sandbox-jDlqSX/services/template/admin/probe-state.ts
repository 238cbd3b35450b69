/**
 * What the admin endpoints report on: the lifecycle phase, the readiness checks and the metrics.
 * The runtime owns it; the admin routes only read it (and ask for shutdown).
 */
// @ts-nocheck

import type { Registry } from 'prom-client';
import type { CheckResult, ReadinessCheck } from '../service.ts';
import { errorClass } from '../middleware/problem-details.ts';

export type Phase = 'starting' | 'running' | 'draining';

export interface AdminState {
  readonly service: string;
  readonly version: string;
  readonly startedAt: number;
  phase(): Phase;
  readonly checks: readonly ReadinessCheck[];
  readonly metrics: Registry;
  /** Starts the graceful drain; returns at once (the drain continues in the background). */
  requestShutdown(reason: string): void;
  /** Event-loop delay p99 in milliseconds, as sampled by the runtime. */
  eventLoopDelayMs(): number;
}

export interface TimedCheck extends CheckResult {
  readonly latencyMs: number;
}

/** A check that neither answers nor throws within this time counts as failed. */
const CHECK_TIMEOUT_MS = 2_000;

async function runOne(check: ReadinessCheck, now: () => number, timeoutMs: number): Promise<TimedCheck> {
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => { resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }); }, timeoutMs);
  });
  // The class name only: a driver message may carry a connection string.
  const result = await Promise.race([
    Promise.resolve().then(() => check.check()),
    timeout,
  ]).catch((error: unknown): CheckResult => ({ ok: false, detail: `check failed (${errorClass(error)})` }));
  clearTimeout(timer);
  return { ...result, latencyMs: Math.round((now() - started) * 100) / 100 };
}

/** Runs every check concurrently; one slow or failing check never hides the others. */
export async function runChecks(
  checks: readonly ReadinessCheck[],
  now: () => number = () => performance.now(),
  timeoutMs: number = CHECK_TIMEOUT_MS,
): Promise<Record<string, TimedCheck>> {
  const results = await Promise.all(checks.map(async (check) => [check.name, await runOne(check, now, timeoutMs)] as const));
  return Object.fromEntries(results);
}
