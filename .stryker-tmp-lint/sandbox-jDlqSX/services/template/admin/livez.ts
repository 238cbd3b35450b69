// @ts-nocheck
import type { Middleware } from 'koa';
import type { AdminState } from './probe-state.ts';

/** Liveness: alive until shutdown begins, so the kubelet stops routing to a draining pod. */
export function livez(state: AdminState): Middleware {
  return (ctx) => {
    const draining = state.phase() === 'draining';
    ctx.status = draining ? 503 : 200;
    ctx.body = { status: draining ? 'shutting-down' : 'alive' };
  };
}
