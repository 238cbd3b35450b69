/**
 * DESIGN "Barrier": while the barrier is sealed every business endpoint answers 503. The runtime
 * places this step after the OpenAPI document and Swagger UI (the API shape stays browsable) and
 * before the operation router, so no handler ever runs against a sealed barrier.
 */
// @ts-nocheck

import type Koa from 'koa';
import { BarrierSealedError } from '../barrier/contract.ts';
import type { Barrier } from '../barrier/contract.ts';
import type { RequestState } from '../service.ts';

/** Throws BarrierSealedError (503 problem+json with Retry-After) while `barrier` is sealed. */
export function barrierGate(barrier: Pick<Barrier, 'isSealed'>): Koa.Middleware<RequestState> {
  return async function barrierGateStep(_ctx, next) {
    if (barrier.isSealed()) throw new BarrierSealedError();
    await next();
  };
}
