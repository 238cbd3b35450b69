/**
 * Users as the admin API and the login flow see them. Passwords are hashed with the hash service's
 * LowEntropyRandom registry (PBKDF2, off the event loop) and the hash never leaves this module's
 * callers except into the database.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { HashService } from '../template/hash/index.ts';
import { isUniqueViolation } from '../template/database/errors.ts';
import { IdpGroupMember, IdpUser } from './entities.ts';
import { ADMIN_GROUP } from './groups.ts';

/** The API shape of a user: no hash, no counter; `locked` is what an operator acts on. */
export interface PresentedUser {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly locked: boolean;
  readonly lockedUntil?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** When the lockout in force at `now` ends, or undefined when the account is not locked. */
export function lockedUntil(user: IdpUser, now: Date): Date | undefined {
  const until = user.lockedUntil ?? undefined;
  return until !== undefined && until.getTime() > now.getTime() ? until : undefined;
}

export function presentUser(user: IdpUser, now: Date): PresentedUser {
  const until = lockedUntil(user, now);
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    locked: until !== undefined,
    ...(until === undefined ? {} : { lockedUntil: until.toISOString() }),
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

export interface NewUser {
  readonly username: string;
  readonly email: string;
  readonly password: string;
}

/**
 * Creates (not yet flushed) a user whose password is hashed with the latest version, or with
 * `version` when given: an older version is how a rehash-on-login is exercised and how users are
 * imported from a system that still uses one.
 */
export async function newUser(em: EntityManager, hash: HashService, input: NewUser, version?: number): Promise<IdpUser> {
  const registry = hash.lowEntropyRandom;
  const passwordHash = version === undefined ? await registry.hashWithLatest(input.password) : await registry.hashWithVersion(input.password, version);
  return em.create(IdpUser, { username: input.username, email: input.email, passwordHash, failedAttempts: 0, lockedUntil: null });
}

/** The admin API's rule for a password (openapi.yaml `Password`): what the account page asks of a new one too. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Why `password` cannot be a new password, or undefined when it can (NIST SP 800-63B: length, no composition rules). */
export function newPasswordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `The new password must have at least ${String(PASSWORD_MIN_LENGTH)} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `The new password must have at most ${String(PASSWORD_MAX_LENGTH)} characters.`;
  return undefined;
}

/**
 * Replaces the password hash of a user only while it is still `checkedHash`, the hash the password
 * was just checked against: one guarded UPDATE, so a change made meanwhile (by the user, an
 * administrator or a parallel request) is never overwritten. True when this write won.
 */
export async function replacePasswordHash(em: EntityManager, userId: string, checkedHash: string, newHash: string): Promise<boolean> {
  return await em.nativeUpdate(IdpUser, { id: userId, passwordHash: checkedHash }, { passwordHash: newHash, updatedAt: new Date() }) === 1;
}

/** `idp.bootstrapAdmin`: who it is and the password it has after every start. */
export interface BootstrapAdmin {
  readonly username: string;
  readonly password: string;
}

/**
 * Creates the bootstrap admin, or brings it in line: the configured password is the truth (hashed
 * anew at every start) and the user is in the built-in admin group.
 */
export async function ensureBootstrapAdmin(em: EntityManager, hash: HashService, admin: BootstrapAdmin): Promise<void> {
  try {
    await keepBootstrapAdmin(em, hash, admin);
  } catch (error) {
    // Another replica starting at once wrote the user or its membership first: read again and
    // bring them in line (else this replica would stay unready until restarted).
    if (!isUniqueViolation(error)) throw error;
    await keepBootstrapAdmin(em.fork(), hash, admin);
  }
}

async function keepBootstrapAdmin(em: EntityManager, hash: HashService, admin: BootstrapAdmin): Promise<void> {
  let user = await em.findOne(IdpUser, { username: admin.username });
  if (user === null) {
    user = await newUser(em, hash, { username: admin.username, email: `${admin.username}@localhost`, password: admin.password });
  } else {
    user.passwordHash = await hash.lowEntropyRandom.hashWithLatest(admin.password);
  }
  await em.flush();
  if (await em.count(IdpGroupMember, { userId: user.id, groupName: ADMIN_GROUP }) === 0) {
    em.create(IdpGroupMember, { userId: user.id, groupName: ADMIN_GROUP });
    await em.flush();
  }
}
