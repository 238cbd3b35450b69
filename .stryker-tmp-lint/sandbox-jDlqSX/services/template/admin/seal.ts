// @ts-nocheck
import type { Middleware } from 'koa';
import type { Barrier } from '../barrier/contract.ts';
import { sealStatusBody } from './seal-status.ts';

/**
 * `POST /admin/v1/seal`: wipes every key from memory at once (Vault's `sys/seal`), e.g. when a
 * host is suspected compromised. Business endpoints answer 503 until the next unseal.
 */
export function seal(barrier: Barrier): Middleware {
  return (ctx) => {
    barrier.seal();
    ctx.body = sealStatusBody(barrier.status());
  };
}
