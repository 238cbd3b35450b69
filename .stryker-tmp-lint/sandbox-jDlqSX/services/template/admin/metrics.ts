// @ts-nocheck
import type { Middleware } from 'koa';
import type { AdminState } from './probe-state.ts';

/** Prometheus text exposition of the service's own registry. */
export function metrics(state: AdminState): Middleware {
  return async (ctx) => {
    ctx.type = state.metrics.contentType;
    ctx.body = await state.metrics.metrics();
  };
}
