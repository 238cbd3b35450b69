/**
 * The primary key of every entity: a UUIDv7 (ids.ts) filled in by `em.create`.
 */
import { p } from '@mikro-orm/core';
import { uuidv7 } from './ids.ts';

/** The `id` property every entity uses: a UUID primary key filled in by `em.create`. */
export function uuidPrimaryKey() {
  return p.uuid().primary().onCreate(() => uuidv7());
}
