/**
 * TOTP authenticators (RFC 6238): six digits, 30-second steps, HMAC-SHA-1 (what every authenticator
 * app supports; HMAC-SHA-1 stays approved for HMAC). A code is accepted for the current step and
 * one step either side (RFC 6238 §5.2 allows a small window for clock drift and typing time), and
 * never twice: the step of an accepted code is stored, and one guarded UPDATE that requires a later
 * step consumes it, so of parallel submissions of one code exactly one passes. The secret is kept
 * under the barrier, bound to its user by the AAD.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Secret, TOTP } from 'otpauth';
import type { Barrier } from '../template/barrier/contract.ts';
import { isUniqueViolation } from '../template/database/index.ts';
import { IdpTotp, type IdpUser } from './entities.ts';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one. */
export const TOTP_WINDOW = 1;
/** RFC 4226 §4 R6: a shared secret of at least 128 bits, 160 recommended (the HMAC-SHA-1 output size). */
const SECRET_BYTES = 20;

/** The name authenticator apps show above the code (Key Uri Format `issuer`). */
export const TOTP_ISSUER = 'cryptoutil';

/** The barrier AAD of a user's TOTP secret: service, table and key, as every barrier record is named. */
export function totpAad(userId: string): string {
  return `identity-idp/idp_totp/${userId}`;
}

function totpOf(secret: string, label = ''): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
}

/** A new random secret, base32 (RFC 4648 §6) as users type it into an app. */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/...` URI an authenticator app scans (Google Authenticator Key Uri Format). */
export function totpUri(secret: string, username: string): string {
  return totpOf(secret, username).toString();
}

/** The time step (RFC 6238 §4.2 T) of `nowMs`. */
export function timeStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code of `secret` at `nowMs`: what an authenticator app shows (tests compute codes with it). */
export function totpCode(secret: string, nowMs: number): string {
  return totpOf(secret).generate({ timestamp: nowMs });
}

/** The step `code` belongs to within the window around `nowMs`, or undefined when it matches none. */
export function matchingStep(secret: string, code: string, nowMs: number): number | undefined {
  // Anything but six digits is wrong without an HMAC.
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpOf(secret).validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW });
  return delta === null ? undefined : timeStep(nowMs) + delta;
}

/** An enrolment in progress: what the page shows, once. */
export interface TotpEnrolment {
  readonly secret: string;
  readonly uri: string;
}

export interface TotpAuthenticatorsOptions {
  readonly barrier: Barrier;
  /** The clock codes are checked on. */
  readonly now: () => Date;
}

/** The users' authenticators, as the login and the account pages use them. */
export class TotpAuthenticators {
  readonly #barrier: Barrier;
  readonly #now: () => Date;

  constructor(options: TotpAuthenticatorsOptions) {
    this.#barrier = options.barrier;
    this.#now = options.now;
  }

  async #seal(userId: string, secret: string): Promise<Buffer> {
    return Buffer.from(await this.#barrier.encrypt(Buffer.from(secret, 'utf8'), totpAad(userId)));
  }

  async #open(row: IdpTotp): Promise<string> {
    const clear = await this.#barrier.decrypt(row.sealedSecret, totpAad(row.userId));
    return Buffer.from(clear.buffer, clear.byteOffset, clear.byteLength).toString('utf8');
  }

  #shown(user: IdpUser, secret: string): TotpEnrolment {
    return { secret, uri: totpUri(secret, user.username) };
  }

  /** Whether `user` has a confirmed authenticator (one that guards its logins). */
  async confirmed(em: EntityManager, userId: string): Promise<boolean> {
    return await em.count(IdpTotp, { userId, confirmedAt: { $ne: null } }) > 0;
  }

  /**
   * The unconfirmed enrolment of `user`, made now when there is none; undefined when the user has a
   * confirmed authenticator (a second one is not started over it).
   */
  async enrolment(em: EntityManager, user: IdpUser): Promise<TotpEnrolment | undefined> {
    const row = await em.fork().findOne(IdpTotp, { userId: user.id });
    if (row?.confirmedAt != null) return undefined;
    if (row !== null) return this.#shown(user, await this.#open(row));
    const secret = newTotpSecret();
    try {
      await em.insert(IdpTotp, { userId: user.id, sealedSecret: await this.#seal(user.id, secret), confirmedAt: null, lastStep: null, createdAt: this.#now() });
    } catch (error) {
      // A parallel page load made the row first: show that one.
      if (!isUniqueViolation(error)) throw error;
      return this.enrolment(em, user);
    }
    return this.#shown(user, secret);
  }

  /**
   * Checks `code` and consumes its step: true for exactly one submission of a valid code.
   * `confirming` checks the unconfirmed enrolment and confirms it; otherwise only a confirmed
   * authenticator counts.
   */
  async verify(em: EntityManager, userId: string, code: string, confirming = false): Promise<boolean> {
    const row = await em.fork().findOne(IdpTotp, { userId, confirmedAt: confirming ? null : { $ne: null } });
    if (row === null) return false;
    const now = this.#now();
    const step = matchingStep(await this.#open(row), code, now.getTime());
    if (step === undefined) return false;
    // The guarded write decides: a step at or before the last accepted one is a replay.
    const consumed = await em.nativeUpdate(
      IdpTotp,
      { userId, confirmedAt: confirming ? null : { $ne: null }, $or: [{ lastStep: null }, { lastStep: { $lt: step } }] },
      confirming ? { lastStep: step, confirmedAt: now } : { lastStep: step },
    );
    return consumed === 1;
  }
}
