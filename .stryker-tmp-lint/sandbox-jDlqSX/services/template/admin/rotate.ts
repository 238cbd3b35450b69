// @ts-nocheck
import type { Middleware } from 'koa';
import { BarrierSealedError, type Barrier, type BarrierKeyKind } from '../barrier/contract.ts';
import { ValidationError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { jsonObjectBody } from './json-body.ts';

/** The keys `rotate` accepts; the intermediate key is the routine one, so it is the default. */
const KEY_KINDS: ReadonlySet<string> = new Set<BarrierKeyKind>(['root', 'intermediate']);

function isKeyKind(value: unknown): value is BarrierKeyKind {
  return typeof value === 'string' && KEY_KINDS.has(value);
}

/**
 * `POST /admin/v1/barrier/rotate` `{"key":"root"|"intermediate"}`: new keys encrypt from now on,
 * old ones stay for decrypt. Refused with 503 while sealed: there is no key to wrap the new one.
 */
export function rotate(barrier: Barrier): Middleware<RequestState> {
  return async (ctx) => {
    const { key = 'intermediate' } = jsonObjectBody(ctx, true);
    if (!isKeyKind(key)) {
      throw new ValidationError([{ pointer: '/body/key', message: 'must be "root" or "intermediate"' }]);
    }
    if (barrier.isSealed()) throw new BarrierSealedError();
    const { rootKeyId, intermediateKeyId } = await barrier.rotate(key);
    ctx.body = { rootKeyId, intermediateKeyId };
  };
}
