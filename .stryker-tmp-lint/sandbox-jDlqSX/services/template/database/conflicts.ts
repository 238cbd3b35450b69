/**
 * Unique constraints in the service's own words: a duplicate name, a taken client id or a version
 * taken by a concurrent rotation is a 409, and the driver's message (which can quote the values)
 * never travels on.
 */
// @ts-nocheck

import type { EntityManager } from '@mikro-orm/core';
import { isUniqueViolation } from './errors.ts';
import { ConflictError } from '../errors/index.ts';

/** Flushes `tx`; a unique violation becomes ConflictError with `detail`, anything else passes through. */
export async function flushOrConflict(tx: Pick<EntityManager, 'flush'>, detail: string): Promise<void> {
  try {
    await tx.flush();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(detail);
    throw error;
  }
}
