/**
 * Primary keys are UUIDv7 (DESIGN "Data"): ids sort by creation time, so indexes stay append-mostly
 * and a page ordered by id is ordered by age. Every entity takes its id from here.
 */
import { p } from '@mikro-orm/core';
import { v7 } from 'uuid';

/** A new UUIDv7 (RFC 9562 §5.7); ids made in the same millisecond still increase. */
export function uuidv7(): string {
  return v7();
}

/** The `id` property every entity uses: a UUID primary key filled in by `em.create`. */
export function uuidPrimaryKey() {
  return p.uuid().primary().onCreate(() => uuidv7());
}
