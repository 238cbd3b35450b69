/**
 * Logins between the password and the second factor. The browser holds 32 random bytes (cookie
 * `__Host-idp_pending`); the database holds their HighEntropyDeterministic hash, the user and the
 * login request (`jti`) the password was given for, for five minutes; a step-up of a live session
 * (mfa-policy.ts) keeps that session's `amr` and `auth_time` instead. The second-factor page
 * accepts only that browser, that request and that user; finishing deletes the row with one guarded
 * DELETE, so one pending login opens at most one session.
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { uuidv7 } from '../template/database/index.ts';
import type { HashService } from '../template/hash/index.ts';
import { IdpPendingLogin, IdpUser } from './entities.ts';

/** Long enough to open an app and type a code, short enough that a forgotten tab is soon useless. */
export const PENDING_LOGIN_SECONDS = 300;
const TOKEN_BYTES = 32;

/** The live session a step-up upgrades: what it was signed in with, and when the password was checked. */
export interface StepUpBase {
  readonly amr: readonly string[];
  readonly authTime: Date;
}

export interface PendingLogin {
  readonly id: string;
  readonly user: IdpUser;
  /** Set for a step-up of a live session; absent for a login that began with the password. */
  readonly stepUp?: StepUpBase;
}

export class PendingLogins {
  readonly #hash: HashService;
  readonly #now: () => Date;

  constructor(options: { readonly hash: HashService; readonly now: () => Date }) {
    this.#hash = options.hash;
    this.#now = options.now;
  }

  #lookupKey(token: string): Promise<string> {
    return this.#hash.highEntropyDeterministic.hashWithLatest(token);
  }

  /** A pending login of `user` for the request `requestId` (a step-up of `stepUp`); answers the cookie value. */
  async create(em: EntityManager, user: IdpUser, requestId: string, stepUp?: StepUpBase): Promise<string> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const expiresAt = new Date(this.#now().getTime() + PENDING_LOGIN_SECONDS * 1000);
    await em.insert(IdpPendingLogin, {
      id: uuidv7(), tokenHash: await this.#lookupKey(token), userId: user.id, requestId,
      stepUpAmr: stepUp === undefined ? null : stepUp.amr.join(' '), stepUpAuthTime: stepUp?.authTime ?? null,
      expiresAt, createdAt: this.#now(),
    });
    return token;
  }

  /** The live pending login a cookie value names for `requestId`, or undefined. */
  async find(em: EntityManager, token: string | undefined, requestId: string): Promise<PendingLogin | undefined> {
    if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const row = await em.findOne(IdpPendingLogin, { tokenHash: await this.#lookupKey(token), requestId, expiresAt: { $gt: this.#now() } });
    const user = row === null ? null : await em.findOne(IdpUser, { id: row.userId });
    if (row === null || user === null) return undefined;
    const { stepUpAmr, stepUpAuthTime } = row;
    return stepUpAmr == null || stepUpAuthTime == null ? { id: row.id, user } : { id: row.id, user, stepUp: { amr: stepUpAmr.split(' '), authTime: stepUpAuthTime } };
  }

  /** Ends a pending login; true for the one caller that ended it. */
  async finish(em: EntityManager, id: string): Promise<boolean> {
    return await em.nativeDelete(IdpPendingLogin, { id }) === 1;
  }
}
