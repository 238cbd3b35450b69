// @ts-nocheck
import type { Middleware } from 'koa';
import type { Barrier, SealStatus } from '../barrier/contract.ts';

/** The JSON every barrier admin endpoint answers with. */
export interface SealStatusBody extends SealStatus {
  /** Present while sealed: how many more shares the next unseal needs (Vault's "unseal progress"). */
  readonly needed?: number;
}

/** A status as operators read it: while sealed it also says how many more shares are needed. */
export function sealStatusBody(status: SealStatus): SealStatusBody {
  const { sealed, threshold, progress } = status;
  return sealed ? { sealed, threshold, progress, needed: threshold - progress } : { sealed, threshold, progress };
}

/** `GET /admin/v1/seal-status`: what `unseal` would answer, without submitting anything. */
export function sealStatus(barrier: Barrier): Middleware {
  return (ctx) => {
    ctx.body = sealStatusBody(barrier.status());
  };
}
