// @ts-nocheck
import type { Middleware } from 'koa';
import type { Barrier } from '../barrier/contract.ts';
import { ValidationError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { jsonObjectBody } from './json-body.ts';
import { sealStatusBody } from './seal-status.ts';

/**
 * `POST /admin/v1/unseal` `{"share":"<base64url>"}`: one share at a time, as Vault's
 * `sys/unseal`. Wrong shares surface as the barrier's UnsealError (400, progress reset); a share
 * sent to an unsealed barrier changes nothing and answers the status.
 */
export function unseal(barrier: Barrier): Middleware<RequestState> {
  return async (ctx) => {
    const { share } = jsonObjectBody(ctx, false);
    if (typeof share !== 'string' || share === '') {
      throw new ValidationError([{ pointer: '/body/share', message: 'is required: one unseal share, base64url' }]);
    }
    ctx.body = sealStatusBody(barrier.isSealed() ? await barrier.submitShare(share) : barrier.status());
  };
}
