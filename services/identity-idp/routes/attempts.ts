/**
 * A login attempt after the password page: a second-factor code, or signing in again to make new
 * recovery codes. Each reserves its place in the throttle and in the lockout count exactly as a
 * password does (login-protection.md), so a wrong code is one more failed login of the user.
 */
import { TooManyRequestsError } from '../../template/errors/index.ts';
import { rateLimitKey } from '../../template/middleware/client-address.ts';
import type { IdpUser } from '../entities.ts';
import type { IdpPages, PageContext } from './context.ts';

export interface Attempt {
  /** When the account is locked: the end of the lock, and the attempt must stop. */
  readonly lockedUntil?: Date;
  /** A wrong answer: whether it locked the account, and until when. */
  failed(): Promise<Date | undefined>;
  /** The right answer: the user's count and throttle window start afresh. */
  succeeded(): Promise<void>;
}

/** Reserves one attempt for `user`; throws 429 (Retry-After) when the throttle window is full. */
export async function reserveAttempt(ctx: PageContext, idp: IdpPages, user: IdpUser): Promise<Attempt> {
  // The key POST /login counts the password under: a code is one more attempt of the same login.
  const throttleKey = `${rateLimitKey(ctx.ip)} ${user.username}`;
  const retryAfter = idp.throttle.reserve(throttleKey);
  if (retryAfter !== undefined) throw new TooManyRequestsError(retryAfter);
  const { em } = ctx.state;
  const now = idp.now();
  const lockedUntil = await idp.lockout.reserve(em, { user }, now);
  return {
    ...(lockedUntil === undefined ? {} : { lockedUntil }),
    failed: () => idp.lockout.lockedUntil(em, { user }, now),
    succeeded: async () => {
      idp.throttle.clear(throttleKey);
      await idp.lockout.release(em, { user });
    },
  };
}
