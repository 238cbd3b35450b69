// @ts-nocheck
import type { Middleware } from 'koa';
import { runChecks, type AdminState } from './probe-state.ts';

/** Readiness: 200 only when running and every check passes; 503 names each check's state. */
export function readyz(state: AdminState): Middleware {
  return async (ctx) => {
    const results = await runChecks(state.checks);
    const checks = Object.fromEntries(
      Object.entries(results).map(([name, result]) => [name, result.detail === undefined ? { ok: result.ok } : { ok: result.ok, detail: result.detail }]),
    );
    const phase = state.phase();
    if (phase !== 'running') {
      checks.lifecycle = { ok: false, detail: phase };
    }
    const ready = Object.values(checks).every((check) => check.ok);
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? { status: 'ready', checks } : { status: 'not-ready', checks };
  };
}
