/**
 * The admin listener's endpoints, as one table (DESIGN "Admin"). Services with extra admin
 * operations (unseal, key rotation) add rows; the template answers 404 and 405 for the rest.
 */
// @ts-nocheck

import type { Middleware } from 'koa';
import { MethodNotAllowedError, NotFoundError } from '../errors/index.ts';
import type { AdminState } from './probe-state.ts';
import { livez } from './livez.ts';
import { readyz } from './readyz.ts';
import { healthz } from './healthz.ts';
import { shutdown } from './shutdown.ts';
import { metrics } from './metrics.ts';
import type { Barrier } from '../barrier/contract.ts';
import { sealStatus } from './seal-status.ts';
import { unseal } from './unseal.ts';
import { seal } from './seal.ts';
import { rotate } from './rotate.ts';

export type { AdminState, Phase } from './probe-state.ts';
export { adminGuard } from './admin-guard.ts';
export { provisionAdminToken, readAdminToken, adminTokenPath } from './admin-token.ts';
export type { SealStatusBody } from './seal-status.ts';

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

/**
 * The rows a service with a barrier adds (DESIGN "Admin", Vault's `sys/unseal`, `sys/seal`,
 * `sys/seal-status`, `sys/rotate`). Services without one answer 404 on these paths.
 */
export function barrierAdminRoutes(barrier: Barrier): AdminRoutes {
  return {
    '/admin/v1/unseal': { POST: unseal(barrier) },
    '/admin/v1/seal-status': { GET: sealStatus(barrier) },
    '/admin/v1/seal': { POST: seal(barrier) },
    '/admin/v1/barrier/rotate': { POST: rotate(barrier) },
  };
}

/** Methods that only read: probes, health, metrics and status stay open to every local caller. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * Dispatches by exact path and method; HEAD is served by GET handlers. Every other method changes
 * state (unseal, seal, shutdown, rotations, a service's own rows) and passes `guard` first.
 */
export function adminRouter(routes: AdminRoutes, guard: Middleware): Middleware {
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
    if (SAFE_METHODS.has(ctx.method)) {
      await handler(ctx, next);
      return;
    }
    await guard(ctx, async () => { await handler(ctx, next); });
  };
}
