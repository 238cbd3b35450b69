/**
 * The server side of the browser's cookies. A cookie value is 256 random bits; the database keeps
 * only its HighEntropyDeterministic hash (DESIGN "Hash service": look-up keys of tokens), and every
 * secret (PKCE verifier, nonce, tokens, the CSRF token) sealed by the barrier under an AAD naming
 * its row, so neither a database dump nor a row copied onto another opens anything.
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Barrier } from '../template/barrier/contract.ts';
import type { HashRegistry } from '../template/hash/index.ts';
import { BadRequestError, UnauthorizedError } from '../template/errors/index.ts';
import { defineRead, isUniqueViolation, type Reads, type RowOf } from '../template/database/index.ts';
import { RpLogin, RpSession, RpUsedLogoutToken } from './entities.ts';

/** What `/bff/login` must remember until the callback (OAuth 2.1 §7.5.2, OIDC Core §3.1.2.1). */
export interface LoginSecrets {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** Where the browser goes once signed in (`return_to`, already checked); absent: `/`. */
  readonly returnTo?: string;
}

/** An access token for one more resource (RFC 8707), got with the refresh token. */
export interface ResourceToken {
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/** What a session holds for its user; none of it ever leaves the server but `csrf`. */
export interface SessionSecrets {
  /** The token for `resource`, which expires at the row's `accessExpiresAt`. */
  readonly accessToken: string;
  /** The resource the code was redeemed for ('' for none); absent in sessions older than it. */
  readonly resource?: string;
  /** Tokens for the other resources of the allowlisted APIs, by resource. */
  readonly resourceTokens?: Readonly<Record<string, ResourceToken>>;
  readonly refreshToken?: string;
  readonly idToken: string;
  /** The synchronizer token `GET /bff/session` hands the page (OWASP CSRF Prevention Cheat Sheet). */
  readonly csrf: string;
}

const SESSION_COLUMNS = {
  id: 'string',
  cookieHash: 'string',
  subject: 'string',
  sid: 'string',
  sealed: 'bytes',
  version: 'integer',
  accessExpiresAt: 'date',
  refreshingUntil: 'date?',
  expiresAt: 'date',
  createdAt: 'date',
  updatedAt: 'date',
} as const;

const SELECT_SESSION = `select id, cookie_hash as "cookieHash", subject, sid, sealed, version, access_expires_at as "accessExpiresAt",
  refreshing_until as "refreshingUntil", expires_at as "expiresAt", created_at as "createdAt", updated_at as "updatedAt" from rp_sessions`;

/**
 * Every request of a signed-in browser finds its session: prepared reads
 * (docs/decisions/0004-prepared-reads.md), each a fresh read of the row, as the ORM returns it.
 */
export const SESSION_BY_COOKIE = defineRead(`${SELECT_SESSION} where cookie_hash = ? and expires_at > ?`, SESSION_COLUMNS);
export const SESSION_BY_ID = defineRead(`${SELECT_SESSION} where id = ?`, SESSION_COLUMNS);

/** A session's row as read; changes go through the guarded writes below, never through this object. */
export type SessionRow = RowOf<typeof SESSION_COLUMNS>;

/** A found session with its secrets opened. */
export interface OpenSession {
  readonly row: SessionRow;
  readonly secrets: SessionSecrets;
}

/** A login must come back within this long (the authz's own interaction lifetime is similar). */
export const LOGIN_TTL_SECONDS = 600;

const COOKIE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newCookieValue(): string {
  return randomBytes(32).toString('base64url');
}

const loginAad = (id: string): string => `identity-rp/rp_logins/${id}`;
const sessionAad = (id: string): string => `identity-rp/rp_sessions/${id}`;

export interface SessionStoreOptions {
  readonly barrier: Barrier;
  /** The database's prepared reads, for the session look-ups. */
  readonly reads: Reads;
  readonly lookup: HashRegistry;
  readonly sessionTtlSeconds: number;
  readonly now?: () => Date;
}

export class SessionStore {
  readonly #barrier: Barrier;
  readonly #reads: Reads;
  readonly #lookup: HashRegistry;
  readonly #ttlMs: number;
  readonly #now: () => Date;

  constructor(options: SessionStoreOptions) {
    this.#barrier = options.barrier;
    this.#reads = options.reads;
    this.#lookup = options.lookup;
    this.#ttlMs = options.sessionTtlSeconds * 1000;
    this.#now = options.now ?? (() => new Date());
  }

  async #seal(value: object, aad: string): Promise<Buffer> {
    return Buffer.from(await this.#barrier.encrypt(Buffer.from(JSON.stringify(value)), aad));
  }

  async #open<T>(sealed: Uint8Array, aad: string): Promise<T> {
    return JSON.parse(Buffer.from(await this.#barrier.decrypt(sealed, aad)).toString('utf8')) as T;
  }

  /** Hash of a well-formed cookie value; undefined for anything we cannot have issued. */
  async #hashOf(cookie: string | undefined): Promise<string | undefined> {
    return cookie === undefined || !COOKIE_SHAPE.test(cookie) ? undefined : this.#lookup.hashWithLatest(cookie);
  }

  /** Stores a login and returns the cookie value that binds it to this browser. */
  async startLogin(em: EntityManager, secrets: LoginSecrets): Promise<string> {
    const cookie = newCookieValue();
    const now = this.#now();
    const login = em.create(RpLogin, {
      bindingHash: await this.#lookup.hashWithLatest(cookie),
      sealed: Buffer.alloc(0),
      expiresAt: new Date(now.getTime() + LOGIN_TTL_SECONDS * 1000),
      createdAt: now,
    });
    login.sealed = await this.#seal(secrets, loginAad(login.id));
    await em.persist(login).flush();
    return cookie;
  }

  /** The login this browser started, removed in the same step: a callback is answered once. */
  async takeLogin(em: EntityManager, cookie: string | undefined): Promise<LoginSecrets> {
    const bindingHash = await this.#hashOf(cookie);
    const login = bindingHash === undefined ? null : await em.findOne(RpLogin, { bindingHash });
    // The delete is the guard: of two callbacks racing on one login only one removes the row.
    if (login === null || await em.nativeDelete(RpLogin, { id: login.id }) !== 1) {
      throw new BadRequestError('no sign-in is in progress in this browser; start again at /bff/login');
    }
    if (login.expiresAt.getTime() <= this.#now().getTime()) throw new BadRequestError('the sign-in took too long; start again at /bff/login');
    return this.#open<LoginSecrets>(login.sealed, loginAad(login.id));
  }

  /** A new session for a signed-in user; answers its cookie value. */
  async create(em: EntityManager, user: { subject: string; sid: string; accessExpiresAt: Date }, tokens: Omit<SessionSecrets, 'csrf'>): Promise<string> {
    const cookie = newCookieValue();
    const now = this.#now();
    const session = em.create(RpSession, {
      cookieHash: await this.#lookup.hashWithLatest(cookie),
      subject: user.subject,
      sid: user.sid,
      sealed: Buffer.alloc(0),
      version: 1,
      accessExpiresAt: user.accessExpiresAt,
      refreshingUntil: null,
      expiresAt: new Date(now.getTime() + this.#ttlMs),
    });
    session.sealed = await this.#seal({ ...tokens, csrf: newCookieValue() }, sessionAad(session.id));
    await em.persist(session).flush();
    return cookie;
  }

  /** The live session of a cookie, or undefined. */
  async find(cookie: string | undefined): Promise<OpenSession | undefined> {
    const cookieHash = await this.#hashOf(cookie);
    return cookieHash === undefined ? undefined : this.#opened(await this.#reads.one(SESSION_BY_COOKIE, [cookieHash, this.#now()]));
  }

  /** The live session of a cookie; 401 when there is none. */
  async require(cookie: string | undefined): Promise<OpenSession> {
    const session = await this.find(cookie);
    if (session === undefined) throw new UnauthorizedError('not signed in; start at /bff/login', 'Cookie');
    return session;
  }

  /** Re-reads a session by id (another request may have refreshed it). */
  async reload(id: string): Promise<OpenSession | undefined> {
    return this.#opened(await this.#reads.one(SESSION_BY_ID, [id]));
  }

  async #opened(row: SessionRow | undefined): Promise<OpenSession | undefined> {
    return row === undefined ? undefined : { row, secrets: await this.#open<SessionSecrets>(row.sealed, sessionAad(row.id)) };
  }

  /**
   * Claims the right to refresh one version of a session until `until`: one guarded write, so of
   * any number of requests (in this process or another replica) exactly one wins.
   */
  async claimRefresh(em: EntityManager, row: Pick<SessionRow, 'id' | 'version'>, until: Date): Promise<boolean> {
    const now = this.#now();
    const claimed = await em.nativeUpdate(RpSession, {
      id: row.id,
      version: row.version,
      $or: [{ refreshingUntil: null }, { refreshingUntil: { $lte: now } }],
    }, { refreshingUntil: until });
    return claimed === 1;
  }

  /** Stores refreshed tokens as the next version and releases the claim. */
  async storeRefreshed(em: EntityManager, open: OpenSession, tokens: Omit<SessionSecrets, 'csrf'>, accessExpiresAt: Date): Promise<SessionSecrets> {
    const secrets: SessionSecrets = { ...tokens, csrf: open.secrets.csrf };
    await em.nativeUpdate(RpSession, { id: open.row.id, version: open.row.version }, {
      sealed: await this.#seal(secrets, sessionAad(open.row.id)),
      version: open.row.version + 1,
      accessExpiresAt,
      refreshingUntil: null,
      updatedAt: this.#now(),
    });
    return secrets;
  }

  /** Gives a claim back without new tokens, so that a later request may try again. */
  async releaseRefresh(em: EntityManager, row: Pick<SessionRow, 'id' | 'version'>): Promise<void> {
    await em.nativeUpdate(RpSession, { id: row.id, version: row.version }, { refreshingUntil: null });
  }

  async remove(em: EntityManager, id: string): Promise<void> {
    await em.nativeDelete(RpSession, { id });
  }

  /**
   * Records a logout token as acted on; false when it already was. One insert on a primary key
   * decides between concurrent deliveries of one token, in this process or another replica.
   */
  async spendLogoutToken(em: EntityManager, replayKey: string, expiresAt: Date): Promise<boolean> {
    try {
      // Its own savepoint: on PostgreSQL a unique violation would otherwise abort the caller's
      // transaction, in which the sessions are ended.
      await em.transactional((inner) => inner.insert(RpUsedLogoutToken, { replayKey, expiresAt }));
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Ends the sessions a logout token names: those of `sid`, or with `sub` alone every one of the user's. */
  async endSessions(em: EntityManager, named: { readonly sid?: string; readonly sub?: string }): Promise<number> {
    const { sid, sub } = named;
    if (sid !== undefined) return em.nativeDelete(RpSession, sub === undefined ? { sid } : { sid, subject: sub });
    // Never a delete without a condition: a request naming neither ends nothing.
    return sub === undefined ? 0 : em.nativeDelete(RpSession, { subject: sub });
  }

  /** Drops expired sessions, logins and used logout tokens. */
  async sweep(em: EntityManager): Promise<number> {
    const now = this.#now();
    return await em.nativeDelete(RpSession, { expiresAt: { $lte: now } }) + await em.nativeDelete(RpLogin, { expiresAt: { $lte: now } })
      + await em.nativeDelete(RpUsedLogoutToken, { expiresAt: { $lte: now } });
  }
}
