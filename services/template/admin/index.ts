/**
 * The admin listener's endpoints, as one table (DESIGN "Admin"). Services with extra admin
 * operations (unseal, key rotation) add rows; the template answers 404 and 405 for the rest.
 */
import type { Middleware } from 'koa';
import { MethodNotAllowedError, NotFoundError } from '../errors/index.ts';
import type { AdminState } from './probe-state.ts';
import { livez } from './livez.ts';
import { readyz } from './readyz.ts';
import { healthz } from './healthz.ts';
import { shutdown } from './shutdown.ts';
import { metrics } from './metrics.ts';

export type { AdminState, Phase } from './probe-state.ts';

/** path → method → handler. */
export type AdminRoutes = Readonly<Record<string, Readonly<Record<string, Middleware>>>>;

/** The endpoints every service has. */
export function standardAdminRoutes(state: AdminState): AdminRoutes {
  return {
    '/admin/v1/livez': { GET: livez(state) },
    '/admin/v1/readyz': { GET: readyz(state) },
    '/admin/v1/healthz': { GET: healthz(state) },
    '/admin/v1/shutdown': { POST: shutdown(state) },
    '/admin/v1/metrics': { GET: metrics(state) },
  };
}

/** Dispatches by exact path and method; HEAD is served by GET handlers. */
export function adminRouter(routes: AdminRoutes): Middleware {
  const table = new Map(Object.entries(routes));
  return async (ctx, next) => {
    const methods = table.get(ctx.path);
    if (methods === undefined) {
      throw new NotFoundError(`no admin endpoint ${ctx.path}`);
    }
    const handler = methods[ctx.method] ?? (ctx.method === 'HEAD' ? methods.GET : undefined);
    if (handler === undefined) {
      throw new MethodNotAllowedError(Object.keys(methods));
    }
    await handler(ctx, next);
  };
}
