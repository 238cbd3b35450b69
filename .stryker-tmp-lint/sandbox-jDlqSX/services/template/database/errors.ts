/**
 * Recognising constraint violations without parsing driver messages: MikroORM converts the
 * SQLite and PostgreSQL errors into the same exception classes. A repository catches them around
 * `flush()` and throws ConflictError / UnprocessableEntityError with its own words, because the
 * driver's message can quote the offending values.
 */
// @ts-nocheck

import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';

/** True when a write broke a unique constraint or primary key: map it to ConflictError (409). */
export function isUniqueViolation(error: unknown): error is UniqueConstraintViolationException {
  return error instanceof UniqueConstraintViolationException;
}

/** True when a write referenced a missing row: usually UnprocessableEntityError (422). */
export function isForeignKeyViolation(error: unknown): error is ForeignKeyConstraintViolationException {
  return error instanceof ForeignKeyConstraintViolationException;
}
