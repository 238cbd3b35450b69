/** What every identity-rp endpoint is handed: the stores, the authz client and the settings. */
import type { ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import type { RequestState } from '../../template/service.ts';
import type { AuthzClient } from '../authz-client.ts';
import type { ApiTarget } from '../config.ts';
import type { RawFetch } from '../https-fetch.ts';
import type { LogoutTokenOptions } from '../logout-tokens.ts';
import type { SessionStore } from '../sessions.ts';
import type { TokenKeeper } from '../tokens.ts';

export interface RpParts {
  readonly store: SessionStore;
  readonly tokens: TokenKeeper;
  readonly client: AuthzClient;
  /** How logout tokens are checked: identity-authz's issuer and keys (from discovery), this client's id. */
  readonly logoutTokenOptions: () => Promise<LogoutTokenOptions>;
  /** Upstream calls of the proxy, trusting the suite's CA. */
  readonly fetch: RawFetch;
  readonly redirectUri: () => string;
  readonly postLogoutRedirectUri: () => string;
  /** The origin browsers see this service at: the only Origin state-changing calls may carry. */
  readonly ownOrigin: () => string;
  readonly scope: string;
  /** The resource the code is redeemed for ('' for none): the session's first access token. */
  readonly resource: string;
  /** Every resource a sign-in asks for (RFC 8707 §2.1). */
  readonly resources: readonly string[];
  /** Allowlisted APIs: service name → base URL and the resource of its token. */
  readonly apis: Readonly<Record<string, ApiTarget>>;
  /** Origins of consoles that call `/bff/*` cross-origin with credentials (`rp.consoleOrigins`). */
  readonly consoleOrigins: readonly string[];
  readonly sessionTtlSeconds: number;
  readonly log: Logger;
}

export type RpContext = ParameterizedContext<RequestState>;

/** One endpoint: one file each, listed in routes/index.ts. */
export type RpHandler = (ctx: RpContext, rp: RpParts) => Promise<void>;

/** The origins whose pages may call identity-rp: its own, then the consoles'. */
export function pageOrigins(rp: RpParts): string[] {
  return [rp.ownOrigin(), ...rp.consoleOrigins];
}
