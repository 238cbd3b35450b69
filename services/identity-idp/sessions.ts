/**
 * Login sessions. The browser holds 32 random bytes (cookie `__Host-idp_session`); the database holds only
 * their HighEntropyDeterministic hash, the look-up key, so a stolen table cannot be replayed as
 * cookies. Expired rows are refused on read and removed by `sweep`.
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { HashService } from '../template/hash/index.ts';
import { IdpSession, IdpUser } from './entities.ts';

/** OWASP Session Management Cheat Sheet: at least 64 bits of entropy; 256 leave no doubt. */
const TOKEN_BYTES = 32;

/** A value `create` could have made (32 bytes, base64url): anything else costs no hash and no query. */
function isTokenShaped(token: string | undefined): token is string {
  // No cookie reads as `undefined`: 9 characters, not the 43 of a value.
  return /^[A-Za-z0-9_-]{43}$/.test(String(token));
}

export interface SessionStoreOptions {
  readonly hash: HashService;
  readonly ttlSeconds: number;
  readonly now?: () => Date;
}

/** A live session and its user, as the pages need them. */
export interface ActiveSession {
  readonly session: IdpSession;
  readonly user: IdpUser;
}

export class SessionStore {
  readonly #hash: HashService;
  readonly #ttlMs: number;
  readonly #now: () => Date;

  constructor(options: SessionStoreOptions) {
    this.#hash = options.hash;
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#now = options.now ?? (() => new Date());
  }

  get ttlSeconds(): number {
    return this.#ttlMs / 1000;
  }

  #lookupKey(token: string): Promise<string> {
    return this.#hash.highEntropyDeterministic.hashWithLatest(token);
  }

  /** A new session for `user`, authenticated at `authTime` by `amr`; returns the cookie value (persisted on flush). */
  async create(em: EntityManager, user: IdpUser, authTime: Date, amr: readonly string[]): Promise<string> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const expiresAt = new Date(this.#now().getTime() + this.#ttlMs);
    em.create(IdpSession, { tokenHash: await this.#lookupKey(token), userId: user.id, authTime, amr: amr.join(' '), expiresAt });
    return token;
  }

  /** The live session a cookie value names, with its user; undefined for anything else. */
  async find(em: EntityManager, token: string | undefined): Promise<ActiveSession | undefined> {
    if (!isTokenShaped(token)) return undefined;
    const session = await em.findOne(IdpSession, { tokenHash: await this.#lookupKey(token), expiresAt: { $gt: this.#now() } });
    if (session === null) return undefined;
    const user = await em.findOne(IdpUser, { id: session.userId });
    return user === null ? undefined : { session, user };
  }

  /** Removes the session a cookie value names, if it exists. */
  async delete(em: EntityManager, token: string | undefined): Promise<void> {
    if (!isTokenShaped(token)) return;
    await em.nativeDelete(IdpSession, { tokenHash: await this.#lookupKey(token) });
  }

  /**
   * What the account pages call a session: a keyed hash of its id (the hash service's pepper is the
   * key), so the page never shows the id a passkey challenge is bound to, nor anything of the cookie.
   */
  async rowId(session: IdpSession): Promise<string> {
    const hashed = await this.#hash.highEntropyDeterministic.hashWithLatest(`idp-session-row ${session.id}`);
    return hashed.slice(hashed.lastIndexOf('$') + 1);
  }

  /** The live sessions of `userId`, oldest first. */
  list(em: EntityManager, userId: string): Promise<IdpSession[]> {
    return em.find(IdpSession, { userId, expiresAt: { $gt: this.#now() } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** The live session of `userId` whose row id is `rowId`, if any: another user's row is never found. */
  async findRow(em: EntityManager, userId: string, rowId: string): Promise<IdpSession | undefined> {
    for (const session of await this.list(em, userId)) {
      if (await this.rowId(session) === rowId) return session;
    }
    return undefined;
  }

  /** Ends the session `id` of `userId`; whether it existed. */
  async end(em: EntityManager, userId: string, id: string): Promise<boolean> {
    return await em.nativeDelete(IdpSession, { id, userId }) === 1;
  }

  /** Ends every session of `userId` but `keepId`; returns how many. */
  endOthers(em: EntityManager, userId: string, keepId: string): Promise<number> {
    return em.nativeDelete(IdpSession, { userId, id: { $ne: keepId } });
  }

  /** Deletes every expired session; returns how many. */
  sweep(em: EntityManager): Promise<number> {
    return em.nativeDelete(IdpSession, { expiresAt: { $lte: this.#now() } });
  }
}
