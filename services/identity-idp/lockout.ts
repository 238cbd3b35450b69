/**
 * Per-account lockout (OWASP Authentication Cheat Sheet, "Account Lockout"): after `maxFailures`
 * wrong passwords in a row the account refuses every password for `seconds`, then counts afresh.
 *
 * Every attempt reserves its place in the count before the password is hashed, with one guarded
 * UPDATE that the database row decides: it increments and requires "not locked and below the
 * limit". A burst of parallel guesses therefore gets at most `maxFailures` password checks; the rest
 * are refused without one. A wrong password keeps its reservation, a right one clears the count.
 * Unknown usernames are counted the same way in `idp_login_counters` (no user is created), so a
 * lock does not tell whether the account exists.
 */
import { raw, type EntityManager } from '@mikro-orm/core';
import { isUniqueViolation } from '../template/database/index.ts';
import { IdpLoginCounter, IdpUser } from './entities.ts';

export interface LockoutOptions {
  readonly maxFailures: number;
  readonly seconds: number;
}

/** Whose attempts are counted: a stored user, or a username no user has. */
export type LockoutSubject = { readonly user: IdpUser } | { readonly unknown: string };

/**
 * The reservation's new count: a lock that has ended starts the count afresh at this attempt.
 * SQL evaluates every SET expression on the row as it was, so `locked_until` here is the old one.
 */
const RESERVED_COUNT = 'case when locked_until is null then failed_attempts + 1 else 1 end';

interface Counter {
  failedAttempts: number;
  lockedUntil?: Date | null;
}

/** The statements on one subject's row: the same on both tables, only the key differs. */
interface CounterRow {
  /** The guarded reservation; answers the rows it changed (0 or 1). */
  reserve(admissible: object, change: object): Promise<number>;
  update(where: object, change: object): Promise<number>;
  read(): Promise<Counter | null>;
}

function rowOf(em: EntityManager, subject: LockoutSubject): CounterRow {
  if ('user' in subject) {
    const key = { id: subject.user.id };
    return {
      reserve: (admissible, change) => em.nativeUpdate(IdpUser, { ...key, ...admissible }, change),
      update: (where, change) => em.nativeUpdate(IdpUser, { ...key, ...where }, change),
      read: () => em.fork().findOne(IdpUser, key),
    };
  }
  const key = { username: subject.unknown };
  return {
    reserve: async (admissible, change) => {
      // The first attempt on a name creates its row; a parallel one finds it created (unique key).
      await em.insert(IdpLoginCounter, { ...key, failedAttempts: 0, lockedUntil: null }).catch((error: unknown) => {
        if (!isUniqueViolation(error)) throw error;
      });
      return em.nativeUpdate(IdpLoginCounter, { ...key, ...admissible }, change);
    },
    update: (where, change) => em.nativeUpdate(IdpLoginCounter, { ...key, ...where }, change),
    read: () => em.fork().findOne(IdpLoginCounter, key),
  };
}

export class Lockout {
  readonly #options: LockoutOptions;

  constructor(options: LockoutOptions) {
    this.#options = options;
  }

  /**
   * Reserves one password check for `subject`: undefined when the check may run, otherwise the end
   * of the lock that refuses it. The reservation that fills the count locks the account at once,
   * so the checks already admitted are the last ones until the lock ends.
   */
  async reserve(em: EntityManager, subject: LockoutSubject, now: Date): Promise<Date | undefined> {
    const { maxFailures } = this.#options;
    const row = rowOf(em, subject);
    const admitted = await row.reserve(
      { $or: [{ lockedUntil: null, failedAttempts: { $lt: maxFailures } }, { lockedUntil: { $lte: now } }] },
      { failedAttempts: raw<number>(RESERVED_COUNT), lockedUntil: null },
    );
    const until = new Date(now.getTime() + this.#options.seconds * 1000);
    // Whoever finds the count full makes sure the lock is set; only the first such write sets it.
    await row.update({ lockedUntil: null, failedAttempts: { $gte: maxFailures } }, { lockedUntil: until });
    if (admitted === 1) return undefined;
    return (await this.lockedUntil(em, subject, now)) ?? until;
  }

  /** When the lock in force on `subject` at `now` ends, or undefined when it is not locked. */
  async lockedUntil(em: EntityManager, subject: LockoutSubject, now: Date): Promise<Date | undefined> {
    const until = (await rowOf(em, subject).read())?.lockedUntil ?? undefined;
    return until !== undefined && until.getTime() > now.getTime() ? until : undefined;
  }

  /** A right password releases every reservation and ends the lock its own reservation may have set. */
  async release(em: EntityManager, subject: LockoutSubject): Promise<void> {
    await rowOf(em, subject).update({}, { failedAttempts: 0, lockedUntil: null });
  }
}
