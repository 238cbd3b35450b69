/**
 * The user's access token for a proxied call, refreshed on the server shortly before it expires.
 * Refresh tokens rotate at identity-authz (a reused one revokes the grant), so a refresh must happen
 * once however many requests find the token due: one guarded write on the session row
 * (`claimRefresh`) picks the request that refreshes, and the others wait for the next version.
 * A session holds one access token per resource (RFC 8707 §2.2: the refresh grant narrows to one
 * `resource`); one claim per session, whatever the resource, so the refreshes of one session,
 * for one API or several, happen one after another, each with the refresh token the last one left.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../template/errors/index.ts';
import { errorClass } from '../template/middleware/problem-details.ts';
import type { OpenSession, ResourceToken, SessionStore } from './sessions.ts';

/** What a refresh grant gives back. */
export interface RefreshedTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  readonly expiresInSeconds: number;
}

/**
 * Runs the refresh grant for an access token for `resource` ('' for none: RFC 8707 §2.2); throws
 * `RefreshRefusedError` when identity-authz refuses the grant.
 */
export type Refresh = (refreshToken: string, resource: string) => Promise<RefreshedTokens>;

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

  /**
   * The access token for `resource` to forward for this session: refreshed first when it is due,
   * got with the refresh token when the session has none for that resource yet.
   */
  async accessToken(em: EntityManager, session: OpenSession, resource: string, deadline = this.#now().getTime() + REFRESH_LEASE_MS): Promise<string> {
    const { row, secrets } = session;
    const now = this.#now().getTime();
    const held = tokenFor(session, resource);
    if (held !== undefined && held.expiresAt - this.#options.refreshBeforeSeconds * 1000 > now) return held.accessToken;
    if (secrets.refreshToken === undefined) {
      if (held === undefined) {
        throw new ForbiddenError(`identity-authz issued this session no refresh token, so it has no token for ${resource}; the rp's client needs the refresh_token grant`);
      }
      if (held.expiresAt <= now) throw new UnauthorizedError('the session has expired; sign in again at /bff/login', 'Cookie');
      return held.accessToken;
    }
    if (await this.#options.store.claimRefresh(em, row, new Date(now + REFRESH_LEASE_MS))) {
      return this.#refresh(em, session, secrets.refreshToken, resource);
    }
    return this.#awaitOther(em, session, resource, deadline);
  }

  async #refresh(em: EntityManager, session: OpenSession, refreshToken: string, resource: string): Promise<string> {
    const { store, refresh, log } = this.#options;
    let tokens: RefreshedTokens;
    try {
      tokens = await refresh(refreshToken, resource);
    } catch (error) {
      if (error instanceof RefreshRefusedError) {
        // Refused (revoked, expired, reused, or a resource the grant does not cover): sign in again.
        await store.remove(em, session.row.id);
        throw new UnauthorizedError('identity-authz ended the session; sign in again at /bff/login', 'Cookie');
      }
      await store.releaseRefresh(em, session.row);
      log.warn({ error: errorClass(error) }, 'refreshing a session\'s tokens failed');
      throw new ServiceUnavailableError('identity-authz could not refresh the session now; try again', 1);
    }
    const { secrets, row } = session;
    const expiresAt = this.#now().getTime() + tokens.expiresInSeconds * 1000;
    const renewed = { refreshToken: tokens.refreshToken ?? refreshToken, idToken: tokens.idToken ?? secrets.idToken };
    if (secrets.resource === resource) {
      await store.storeRefreshed(em, session, { ...secrets, ...renewed, accessToken: tokens.accessToken }, new Date(expiresAt));
    } else {
      const resourceTokens = { ...secrets.resourceTokens, [resource]: { accessToken: tokens.accessToken, expiresAt } };
      await store.storeRefreshed(em, session, { ...secrets, ...renewed, resourceTokens }, row.accessExpiresAt);
    }
    return tokens.accessToken;
  }

  /** Another request holds the claim: wait for the version it stores, or for the claim to lapse. */
  async #awaitOther(em: EntityManager, session: OpenSession, resource: string, deadline: number): Promise<string> {
    while (this.#now().getTime() < deadline) {
      await sleep(REFRESH_POLL_MS);
      const again = await this.#options.store.reload(session.row.id);
      if (again === undefined) throw new UnauthorizedError('the session has ended; sign in again at /bff/login', 'Cookie');
      if (again.row.version !== session.row.version) {
        // The holder stored new tokens: ours, unless it refreshed for another resource; then look again.
        const renewed = tokenFor(again, resource);
        if (renewed !== undefined && renewed.accessToken !== tokenFor(session, resource)?.accessToken) return renewed.accessToken;
        return this.accessToken(em, again, resource, deadline);
      }
      // The holder gave the claim back without new tokens: try to claim it ourselves.
      if (again.row.refreshingUntil === null) return this.accessToken(em, again, resource, deadline);
    }
    throw new ServiceUnavailableError('the session is being refreshed; try again', 1);
  }
}

/** The session's token for `resource` and when it expires, if it has one. */
export function tokenFor(session: OpenSession, resource: string): ResourceToken | undefined {
  const { row, secrets } = session;
  if (secrets.resource === resource) return { accessToken: secrets.accessToken, expiresAt: row.accessExpiresAt.getTime() };
  const others = secrets.resourceTokens ?? {};
  return Object.hasOwn(others, resource) ? others[resource] : undefined;
}
