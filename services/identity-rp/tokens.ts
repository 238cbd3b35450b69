/**
 * The user's access token for a proxied call, refreshed on the server shortly before it expires.
 * Refresh tokens rotate at identity-authz (a reused one revokes the grant), so a refresh must happen
 * once however many requests find the token due: one guarded write on the session row
 * (`claimRefresh`) picks the request that refreshes, and the others wait for the next version.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { ServiceUnavailableError, UnauthorizedError } from '../template/errors/index.ts';
import { errorClass } from '../template/middleware/problem-details.ts';
import type { OpenSession, SessionSecrets, SessionStore } from './sessions.ts';

/** What a refresh grant gives back. */
export interface RefreshedTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  readonly expiresInSeconds: number;
}

/** Runs the refresh grant; throws `RefreshRefusedError` when identity-authz refuses the grant. */
export type Refresh = (refreshToken: string) => Promise<RefreshedTokens>;

/** identity-authz refused the refresh token (revoked, expired, reused): the session is over. */
export class RefreshRefusedError extends Error {
  constructor() {
    super('the refresh token was refused');
    this.name = 'RefreshRefusedError';
  }
}

/** How long a claim lasts: a request that won it and died frees the session after this. */
export const REFRESH_LEASE_MS = 10_000;
/** How often a waiting request looks for the new version. */
export const REFRESH_POLL_MS = 25;

export interface TokenKeeperOptions {
  readonly store: SessionStore;
  readonly refresh: Refresh;
  readonly refreshBeforeSeconds: number;
  readonly log: Logger;
  readonly now?: () => Date;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms); });

export class TokenKeeper {
  readonly #options: TokenKeeperOptions;
  readonly #now: () => Date;

  constructor(options: TokenKeeperOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** The access token to forward for this session, refreshed first when it is due. */
  async accessToken(em: EntityManager, session: OpenSession, deadline = this.#now().getTime() + REFRESH_LEASE_MS): Promise<string> {
    const { row, secrets } = session;
    const now = this.#now().getTime();
    const due = row.accessExpiresAt.getTime() - this.#options.refreshBeforeSeconds * 1000 <= now;
    if (!due) return secrets.accessToken;
    const expired = row.accessExpiresAt.getTime() <= now;
    if (secrets.refreshToken === undefined) {
      if (expired) throw new UnauthorizedError('the session has expired; sign in again at /bff/login', 'Cookie');
      return secrets.accessToken;
    }
    if (await this.#options.store.claimRefresh(em, row, new Date(now + REFRESH_LEASE_MS))) {
      return (await this.#refresh(em, session, secrets.refreshToken)).accessToken;
    }
    return this.#awaitOther(em, session, deadline);
  }

  async #refresh(em: EntityManager, session: OpenSession, refreshToken: string): Promise<SessionSecrets> {
    const { store, refresh, log } = this.#options;
    let tokens: RefreshedTokens;
    try {
      tokens = await refresh(refreshToken);
    } catch (error) {
      if (error instanceof RefreshRefusedError) {
        await store.remove(em, session.row.id);
        throw new UnauthorizedError('identity-authz ended the session; sign in again at /bff/login', 'Cookie');
      }
      await store.releaseRefresh(em, session.row);
      log.warn({ error: errorClass(error) }, 'refreshing a session\'s tokens failed');
      throw new ServiceUnavailableError('identity-authz could not refresh the session now; try again', 1);
    }
    const accessExpiresAt = new Date(this.#now().getTime() + tokens.expiresInSeconds * 1000);
    return store.storeRefreshed(em, session, {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken ?? refreshToken,
      idToken: tokens.idToken ?? session.secrets.idToken,
    }, accessExpiresAt);
  }

  /** Another request holds the claim: wait for the version it stores, or for the claim to lapse. */
  async #awaitOther(em: EntityManager, session: OpenSession, deadline: number): Promise<string> {
    while (this.#now().getTime() < deadline) {
      await sleep(REFRESH_POLL_MS);
      const again = await this.#options.store.reload(em, session.row.id);
      if (again === undefined) throw new UnauthorizedError('the session has ended; sign in again at /bff/login', 'Cookie');
      if (again.row.version !== session.row.version) return again.secrets.accessToken;
      // The holder gave the claim back without new tokens: try to claim it ourselves.
      if (again.row.refreshingUntil === null) return this.accessToken(em, again, deadline);
    }
    throw new ServiceUnavailableError('the session is being refreshed; try again', 1);
  }
}
