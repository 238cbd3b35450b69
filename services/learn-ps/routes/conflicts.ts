/**
 * Constraint violations in the Pet Store's own words: a duplicate email or a row still referenced
 * by an order is a 409, and the driver's message (which can quote the values) never travels on.
 */
import { ConflictError } from '../../template/errors/index.ts';

/** A recognizer from the database layer (`isUniqueViolation`, ...) and what the client is told. */
export type ConflictRule = readonly [matches: (error: unknown) => boolean, detail: string];

/** Awaits a write; the first matching rule turns its failure into ConflictError, others pass through. */
export async function conflictsAs<T>(work: Promise<T>, rules: readonly ConflictRule[]): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const rule = rules.find(([matches]) => matches(error));
    if (rule === undefined) throw error;
    throw new ConflictError(rule[1]);
  }
}
