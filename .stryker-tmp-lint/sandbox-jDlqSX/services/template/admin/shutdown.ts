// @ts-nocheck
import type { Middleware } from 'koa';
import type { AdminState } from './probe-state.ts';

/** 202 first, then the drain: the caller learns the request was taken before the listener closes. */
export function shutdown(state: AdminState): Middleware {
  return (ctx) => {
    ctx.status = 202;
    ctx.body = { status: 'shutting-down' };
    ctx.res.once('finish', () => { state.requestShutdown('admin request'); });
  };
}
