/**
 * Per-account lockout (OWASP Authentication Cheat Sheet, "Account Lockout"): after `maxFailures`
 * wrong passwords in a row the account refuses every password for `seconds`, then counts afresh.
 * The counter is incremented by one SQL statement, so parallel guesses cannot share a count.
 */
import { raw, type EntityManager } from '@mikro-orm/core';
import { IdpUser } from './entities.ts';

export interface LockoutOptions {
  readonly maxFailures: number;
  readonly seconds: number;
}

export class Lockout {
  readonly #options: LockoutOptions;

  constructor(options: LockoutOptions) {
    this.#options = options;
  }

  /** Counts one wrong password; returns when the account is now locked until, if this locked it. */
  async recordFailure(em: EntityManager, user: IdpUser, now: Date): Promise<Date | undefined> {
    await em.nativeUpdate(IdpUser, { id: user.id }, { failedAttempts: raw<number>('failed_attempts + 1') });
    const stored = await em.fork().findOneOrFail(IdpUser, { id: user.id });
    if (stored.failedAttempts < this.#options.maxFailures) return undefined;
    const lockedUntil = new Date(now.getTime() + this.#options.seconds * 1000);
    // Only the request that reached the limit locks (the count is still at or above it), once.
    const locked = await em.nativeUpdate(
      IdpUser,
      { id: user.id, failedAttempts: { $gte: this.#options.maxFailures } },
      { failedAttempts: 0, lockedUntil },
    );
    return locked === 0 ? undefined : lockedUntil;
  }

  /** A correct password clears the counter and any lockout that has ended. */
  recordSuccess(user: IdpUser): void {
    user.failedAttempts = 0;
    user.lockedUntil = null;
  }
}
