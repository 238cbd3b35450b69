/**
 * `POST /admin/v1/keys/rotate`: a new token signing key now. The previous keys stay in the JWKS
 * until every token they signed has expired, so nothing in flight stops verifying.
 */
import type { Middleware } from 'koa';
import { BarrierSealedError } from '../../template/barrier/index.ts';
import type { RequestState } from '../../template/service.ts';
import type { AuthzHost } from '../host.ts';

export function keyAdminRoutes(host: AuthzHost): Readonly<Record<string, Readonly<Record<string, Middleware<RequestState>>>>> {
  return {
    '/admin/v1/keys/rotate': {
      POST: async (ctx) => {
        if (host.barrier.isSealed()) throw new BarrierSealedError();
        const ring = await host.tokenKeys.rotate();
        ctx.body = { active: ring.privateJwks[0]?.kid, published: ring.publicJwks.keys.map((key) => key.kid) };
      },
    },
  };
}
