// @ts-nocheck
import type { Middleware } from 'koa';
import { runChecks, type AdminState } from './probe-state.ts';

/** Health detail for operators: each check with its latency, version, uptime, memory, loop delay. */
export function healthz(state: AdminState, now: () => number = Date.now): Middleware {
  return async (ctx) => {
    const checks = await runChecks(state.checks);
    const memory = process.memoryUsage();
    ctx.status = 200;
    ctx.body = {
      status: Object.values(checks).every((check) => check.ok) && state.phase() === 'running' ? 'healthy' : 'degraded',
      service: state.service,
      version: state.version,
      phase: state.phase(),
      uptimeSeconds: Math.round((now() - state.startedAt) / 1000),
      checks,
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal },
      eventLoopDelayMs: state.eventLoopDelayMs(),
    };
  };
}
