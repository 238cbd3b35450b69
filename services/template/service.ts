/**
 * The contract between a service folder and the template. A service is a definition: its OpenAPI
 * document, its entities and migrations, its own config keys and one setup that builds its handlers,
 * routes and readiness checks. The template owns everything else (listeners, pipeline, auth, data, admin).
 */
import type { Middleware, ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EntityManager, EntitySchema } from '@mikro-orm/core';
import type { Schema } from 'convict';
import type { MigrationObject } from '@mikro-orm/core';
import type { TemplateConfig } from './config/schema.ts';
import type { Orm } from './database/database.ts';
import type { Reads } from './database/reads.ts';
import type { Barrier } from './barrier/contract.ts';
import type { HashService } from './hash/index.ts';
import type { Authenticate } from './openapi/router.ts';

/** Which kind of token a request carried (DESIGN: `/service` vs `/browser`). */
export type TokenKind = 'service' | 'browser';

/** Who is calling, as proven by a verified JWT access token. */
export interface Principal {
  /** `sub`: the client id for client-credentials tokens (RFC 9068 §2.2), else the user. */
  readonly subject: string;
  readonly clientId: string;
  readonly kind: TokenKind;
  readonly scopes: ReadonlySet<string>;
  /** Seconds since the epoch at which the token expires. */
  readonly expiresAt: number;
  /**
   * RFC 9449 §6.1 `cnf.jkt`: the thumbprint of the key a DPoP-bound token is bound to. When set,
   * the request came with the DPoP scheme and a proof signed by that key; absent for bearer tokens.
   */
  readonly boundKey?: string;
}

/** Per-request state every template middleware and handler can rely on. */
export interface RequestState {
  requestId: string;
  /** Set by the authentication step on `/service` and `/browser` routes. */
  principal?: Principal;
  /** A request-scoped MikroORM entity manager (a fork of the global one). */
  em: EntityManager;
  /** The database's prepared reads (database/reads.ts), for the service's hot queries. */
  reads: Reads;
  /** Path parameters, coerced to the types the OpenAPI document declares. */
  params: Record<string, unknown>;
  /** Query parameters, coerced and defaulted per the OpenAPI document. */
  query: Record<string, unknown>;
  /** The parsed request body (JSON) or the raw bytes (`application/octet-stream`, `application/jose`). */
  body: unknown;
}

export type OperationContext = ParameterizedContext<RequestState>;

/** Handles one OpenAPI operation: sets `ctx.status` and `ctx.body`, or throws a ProblemError. */
export type OperationHandler = (ctx: OperationContext) => Promise<void> | void;

/** operationId → handler. Every operation in the document must have one (checked at start). */
export type OperationHandlers = Readonly<Record<string, OperationHandler>>;

/** Result of one readiness check, as shown by `readyz` and `healthz`. */
export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<CheckResult>;
}

/** What `cryptoutil up` tells a service about the suite it is part of. */
export interface UpSuite {
  readonly dataDir: string;
  /** `https://127.0.0.1:<port>` of a service of the suite, by name (also when it is not started yet). */
  publicUrl(service: string): string;
  /** A generated secret kept in the data directory, the same on every run. */
  secret(name: string): Promise<string>;
  /** The confidential client `up` makes and writes to `credentials.json`. */
  readonly demoClientId: string;
  /** The sign-in clients the suite's services ask the authorization server to register (`upSignInClient`). */
  signInClients(): Promise<readonly UpSignInClient[]>;
}

/**
 * A confidential authorization-code client (with refresh tokens) that `cryptoutil up` registers at
 * the suite's authorization server for a service that signs users in there (identity-rp).
 */
export interface UpSignInClient {
  readonly id: string;
  /** Kept in the data directory (`UpSuite.secret`), the same on every run. */
  readonly secret: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  /** OpenID Connect scopes (must include `openid`). */
  readonly openidScopes: readonly string[];
  /** Resource (`urn:cryptoutil:<service>`) → the scopes the client may ask for there. */
  readonly resourceScopes: Readonly<Record<string, readonly string[]>>;
  /** Where the authorization server sends Back-Channel Logout tokens for the client's sessions. */
  readonly backchannelLogoutUri?: string;
}

/** What the template hands a service when it assembles it. */
export interface ServiceRuntime<C extends object = object> {
  readonly name: string;
  readonly config: TemplateConfig & C;
  /** The service's ORM on a SQL driver (PostgreSQL or SQLite): `orm.em.fork()` can build queries. */
  readonly orm: Orm;
  /** Prepared reads on the same database, for hot queries (database/reads.ts). */
  readonly reads: Reads;
  readonly log: Logger;
  readonly metrics: Registry;
  /** Present when the definition sets `barrier: true`; sealed until enough shares arrive. */
  readonly barrier?: Barrier;
  /** Present when the definition sets `hash: true`: the hash service keyed by `hash.pepper`. */
  readonly hash?: HashService;
  /** PEM of the CA this service trusts for calls to the other services (its issuer, peers). */
  readonly ca: string;
  /** The public listener's base URL, e.g. `https://127.0.0.1:8180`; throws until it is bound. */
  readonly publicUrl: () => string;
  /** Runs `close` when the service stops, after the listeners have drained (timers, pools). */
  readonly onStop: (close: () => Promise<void> | void) => void;
  /**
   * The API's token check, for protocol routes outside the OpenAPI document that take a bearer
   * token too (EST): the same issuer, audience, token kinds and scope rules.
   */
  readonly authenticate: Authenticate;
}

/** Admin listener rows a service adds: path → method → handler. */
export type ServiceAdminRoutes = Readonly<Record<string, Readonly<Record<string, Middleware<RequestState>>>>>;

/** What a service builds from its runtime: everything the template serves or runs for it. */
export interface ServiceSetup {
  /** operationId → handler, one for every operation of the document. */
  readonly operations: OperationHandlers;
  /**
   * Public routes outside the OpenAPI API: protocol endpoints (OAuth, OpenID Connect) and
   * server-rendered pages. Mounted after the barrier gate and before the API router, so the
   * whole pipeline applies; it calls `next()` for every path it does not serve.
   */
  readonly routes?: Middleware<RequestState>;
  /**
   * Extra rows for the admin listener (loopback only, token-guarded like the template's),
   * e.g. `POST /admin/v1/keys/rotate`. A path the template already serves is refused at start.
   */
  readonly adminRoutes?: ServiceAdminRoutes;
  /** Readiness checks beyond database, issuer and barrier. */
  readonly checks?: readonly ReadinessCheck[];
  /** Runs when the service stops, after the listeners have drained (timers, pools). */
  readonly onStop?: () => Promise<void> | void;
}

export interface ServiceDefinition<C extends object = object> {
  /** Service name as used by the command line and in `urn:cryptoutil:<name>`. */
  readonly name: string;
  /** One-line description shown by `cryptoutil --help`. */
  readonly summary: string;
  /** Default public port (DESIGN table). */
  readonly publicPort: number;
  /** Admin port used by `cryptoutil up` (9090 + the row in the DESIGN table). */
  readonly upAdminPort: number;
  /** File URL of `openapi.yaml`. */
  readonly openapi: URL;
  /** The service's own configuration keys, merged with the template's shared keys. */
  readonly configSchema?: Schema<C>;
  readonly entities: readonly EntitySchema[];
  readonly migrations: readonly MigrationObject[];
  /**
   * Builds the service once its runtime exists, before the listeners bind: called exactly once per
   * runtime, so the handlers, routes and checks it returns share whatever it creates.
   */
  setup(runtime: ServiceRuntime<C>): ServiceSetup | Promise<ServiceSetup>;
  /**
   * The service keeps secret material: the template adds the barrier's tables, starts sealed,
   * answers 503 on business endpoints until unsealed, and serves the unseal and rotate admin routes.
   */
  readonly barrier?: boolean;
  /** The service hashes secrets: the template builds the hash service; `hash.pepper` must be set. */
  readonly hash?: boolean;
  /**
   * The public listener asks clients for a certificate without requiring one (EST's certificate
   * authentication, RFC 7030 §3.3.2); the service's routes decide what a presented one proves.
   */
  readonly clientCertificates?: boolean;
  /**
   * This service issues the tokens every other one trusts (identity-authz): `cryptoutil up` points
   * every service's `auth.issuer` at it and writes its client into `credentials.json`.
   */
  readonly issuesTokens?: boolean;
  /** `cryptoutil up`: the service's own configuration in a laptop suite (merged over the template's). */
  upConfig?(suite: UpSuite): Promise<object>;
  /** `cryptoutil up`: entries the service adds to `credentials.json` (identity-idp: the `admin` user). */
  upCredentials?(suite: UpSuite): Promise<Readonly<Record<string, unknown>>>;
  /** `cryptoutil up`: the client this service signs users in with, registered at the suite's authorization server. */
  upSignInClient?(suite: UpSuite): Promise<UpSignInClient>;
  /** Extra middleware run after validation and before the handler (rare). */
  readonly middleware?: readonly Middleware<RequestState>[];
}
