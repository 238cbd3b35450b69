/**
 * One running identity-authz: the provider instance built from the current keys (and rebuilt when
 * a rotation changes them), the bootstrap client, and the sweep of expired rows. Everything that
 * needs key material waits for the barrier; sealing forgets it all.
 */
// @mikro-orm/sql holds this; both driver packages re-export it and only they are dependencies.
import type { SqlEntityManager as EntityManager } from '@mikro-orm/postgresql';
import type Provider from 'oidc-provider';
import type { ServiceRuntime } from '../template/service.ts';
import type { Barrier } from '../template/barrier/index.ts';
import type { HashService } from '../template/hash/index.ts';
import { IssuerKeys } from '../template/auth/issuer-keys.ts';
import { httpsJsonFetcher } from '../template/auth/https-json.ts';
import { createSigningKeys, type SigningKeyRing, type SigningKeys } from '../template/signing-keys/index.ts';
import { trustingFetch } from './backchannel-logout.ts';
import { checkClientInput, clientFields, providerMetadata, type ClientInput } from './clients.ts';
import { ValidationError } from '../template/errors/index.ts';
import { corsAllowlist } from './cors.ts';
import type { AuthzConfig } from './config.ts';
import { OauthClient, RevokedToken, UsedLoginResult } from './entities.ts';
import { readAccountClaims, readClient } from './reads.ts';
import { jwtTokenEndpoints } from './jwt-tokens.ts';
import { clientErrors } from './oauth-errors.ts';
import { logoutPagePolicy } from './pages.ts';
import type { LoginOptions } from './login.ts';
import { createProvider } from './provider.ts';
import { everyScope, loadCatalog, type ResourceCatalog, type ResourceSource } from './resources.ts';
import { ResourceServers } from './resource-servers.ts';
import { Retained } from '../template/cache/retained.ts';
import { Lru } from '../template/cache/lru.ts';
import { createOidcStorage, type OidcStorage } from './storage/adapter.ts';

const DAY_MS = 86_400_000;
/** How long a client's metadata is reused before it is read again (and how many are kept). */
export const CLIENT_CACHE_MS = 1_000;
const CLIENT_CACHE_SIZE = 1_000;
/** A retired signing key stays in the JWKS this long: past the longest access token lifetime (1 day). */
const TOKEN_KEY_RETENTION_MS = 2 * DAY_MS;

/** The provider with the keys it was built from. */
export interface BuiltProvider {
  readonly provider: Provider;
  readonly handler: ReturnType<Provider['callback']>;
  readonly issuer: string;
  readonly tokenRing: SigningKeyRing;
  readonly login: LoginOptions;
}

export interface AuthzHostOptions {
  readonly runtime: ServiceRuntime<AuthzConfig>;
  /** Services whose resources tokens may be issued for (their OpenAPI scopes). */
  readonly resources: () => readonly ResourceSource[];
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`identity-authz needs ${what}: its definition must set it`);
  return value;
}

/** A stored field of a client that configuration may set. */
type ClientField = Exclude<keyof Omit<OauthClient, 'id' | 'createdAt' | 'updatedAt'>, symbol>;

export class AuthzHost {
  readonly runtime: ServiceRuntime<AuthzConfig>;
  readonly barrier: Barrier;
  readonly hash: HashService;
  readonly storage: OidcStorage;
  readonly tokenKeys: SigningKeys;
  readonly #cookieKeys: SigningKeys;
  readonly resourceServers: ResourceServers;
  readonly #bootstrapped: Retained<undefined>;
  #built: { readonly version: string; readonly provider: Retained<BuiltProvider> } | undefined;
  #idpKeys: IssuerKeys | undefined;
  readonly #clients = new Lru<string, { readonly metadata: Record<string, unknown> | undefined; readonly until: number }>(CLIENT_CACHE_SIZE);

  constructor(options: AuthzHostOptions) {
    const { runtime } = options;
    this.runtime = runtime;
    this.barrier = required(runtime.barrier, 'the barrier');
    this.hash = required(runtime.hash, 'the hash service');
    const builtIns = new Retained(() => loadCatalog(options.resources()));
    this.resourceServers = new ResourceServers({ builtIns: () => builtIns.get(), fork: () => this.fork() });
    this.#bootstrapped = new Retained(() => this.#ensureBootstrapClient());
    const { orm, config } = runtime;
    this.storage = createOidcStorage({ orm, reads: runtime.reads, barrier: this.barrier, hash: this.hash, findClient: (id) => this.#findClient(id) });
    this.tokenKeys = createSigningKeys({
      orm, barrier: this.barrier, purpose: 'access-tokens', algorithm: config.authz.signingAlgorithm,
      rotateAfterMs: config.authz.keyRotationDays * DAY_MS, retainMs: TOKEN_KEY_RETENTION_MS,
    });
    this.#cookieKeys = createSigningKeys({
      orm, barrier: this.barrier, purpose: 'cookies', algorithm: 'HS256',
      rotateAfterMs: 30 * DAY_MS, retainMs: 14 * DAY_MS,
    });
    // Nothing derived from key material outlives a seal.
    this.barrier.onSeal(() => { this.forget(); });
  }

  /** The issuer identifier: configured, or the public listener's URL. */
  issuer(): string {
    const configured = this.runtime.config.authz.issuer;
    return configured === '' ? this.runtime.publicUrl() : configured.replace(/\/+$/, '');
  }

  fork(): EntityManager {
    return this.runtime.orm.em.fork();
  }

  /** Every resource server, built-in and declared (resource-servers.ts). */
  catalog(): Promise<ResourceCatalog> {
    return this.resourceServers.catalog();
  }

  /** The provider for the current keys; a rotation (here or in another process) rebuilds it. */
  async provider(): Promise<BuiltProvider> {
    const [tokens, cookies] = await Promise.all([this.tokenKeys.current(), this.#cookieKeys.current()]);
    const version = `${tokens.version}/${cookies.version}`;
    if (this.#built?.version !== version) {
      this.#built = { version, provider: new Retained(() => Promise.resolve().then(() => this.#build(tokens, cookies))) };
    }
    // Creates (or brings in line) `authz.bootstrapClient` once per unseal.
    await this.#bootstrapped.get();
    return this.#built.provider.get();
  }

  forget(): void {
    this.tokenKeys.forget();
    this.#cookieKeys.forget();
    this.#built = undefined;
    this.#bootstrapped.forget();
  }

  /**
   * Deletes expired rows of every table that has them; returns how many. Never rejects: a failed
   * sweep is logged and the next one tries again.
   */
  async sweep(): Promise<number> {
    if (this.barrier.isSealed()) return 0;
    const now = new Date();
    const em = this.fork();
    try {
      const counts = await Promise.all([
        this.storage.sweep(),
        em.nativeDelete(RevokedToken, { expiresAt: { $lt: now } }),
        em.nativeDelete(UsedLoginResult, { expiresAt: { $lt: now } }),
      ]);
      return counts.reduce((sum, count) => sum + count, 0);
    } catch (error) {
      this.runtime.log.warn({ reason: String(error) }, 'sweep of expired authorization data failed');
      return 0;
    }
  }

  /**
   * Client metadata for the library, read through a short-lived cache: a token request then costs
   * no database read for a busy client. A change made here is seen at once (the handlers call
   * `clientChanged`); one made by another process within CLIENT_CACHE_MS.
   */
  async #findClient(id: string): Promise<Record<string, unknown> | undefined> {
    const now = Date.now();
    const cached = this.#clients.get(id);
    if (cached !== undefined && cached.until > now) return cached.metadata;
    const client = await readClient(this.runtime.reads, id);
    const metadata = client === undefined ? undefined : providerMetadata(client);
    this.#clients.set(id, { metadata, until: now + CLIENT_CACHE_MS });
    return metadata;
  }

  /** Logs a logout token a client did not take: the client and why, never the token. */
  readonly logoutFailure = (client: string, reason: string): void => {
    this.runtime.log.warn({ client, reason }, 'a back-channel logout token was not delivered');
  };

  /** Drops a client's cached metadata after a change through the clients API. */
  clientChanged(id: string): void {
    this.#clients.delete(id);
  }

  #findAccount(id: string): Promise<Record<string, unknown> | undefined> {
    return readAccountClaims(this.runtime.reads, id);
  }

  #loginIdpKeys(): IssuerKeys {
    const idpUrl = this.runtime.config.authz.idpUrl.replace(/\/+$/, '');
    this.#idpKeys ??= new IssuerKeys({
      jwksUri: () => Promise.resolve(`${idpUrl}/.well-known/jwks.json`),
      fetchJson: httpsJsonFetcher({ ca: this.runtime.ca }),
      now: Date.now,
      refreshCooldownMs: 30_000,
      maxAgeMs: 600_000,
    });
    return this.#idpKeys;
  }

  #build(tokens: SigningKeyRing, cookies: SigningKeyRing): BuiltProvider {
    const issuer = this.issuer();
    const { config, log } = this.runtime;
    const provider = createProvider({
      issuer,
      signingKeys: tokens.privateJwks,
      signingAlgorithm: config.authz.signingAlgorithm,
      cookieKeys: cookies.privateJwks.map((jwk) => String(jwk.k)),
      adapter: this.storage.Adapter,
      catalog: () => this.catalog(),
      corsOrigins: config.authz.corsOrigins,
      clientSecrets: this.hash.highEntropyRandom,
      findAccount: (id) => this.#findAccount(id),
      fetch: trustingFetch(this.runtime.ca),
      onLogoutFailure: this.logoutFailure,
      onServerError: (error) => { log.error({ error: error.name, reason: error.message }, 'authorization server error'); },
    });
    provider.use(corsAllowlist(config.authz.corsOrigins));
    provider.use(clientErrors(issuer));
    provider.use(logoutPagePolicy);
    provider.use(jwtTokenEndpoints({ issuer, jwks: () => ({ keys: [...tokens.publicJwks.keys] }), fork: () => this.fork(), clockSkewSeconds: config.auth.clockSkewSeconds }));
    const signingKey = tokens.privateJwks[0];
    if (signingKey === undefined) throw new Error('the token signing key ring is empty');
    return {
      provider,
      handler: provider.callback(),
      issuer,
      tokenRing: tokens,
      login: {
        issuer,
        idpUrl: config.authz.idpUrl.replace(/\/+$/, ''),
        signingKey,
        idpKeys: this.#loginIdpKeys(),
        clockSkewSeconds: config.auth.clockSkewSeconds,
      },
    };
  }

  async #ensureBootstrapClient(): Promise<undefined> {
    await this.#ensureSignInClients();
    const { id, secret } = this.runtime.config.authz.bootstrapClient;
    if (id === '') return undefined;
    const fields = clientFields({
      name: 'bootstrap client (every scope of every service)',
      tokenEndpointAuthMethod: 'client_secret_basic',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      postLogoutRedirectUris: [],
      openidScopes: [],
      resourceScopes: everyScope(await this.resourceServers.builtIns()),
    }, this.runtime.config.authz);
    // The configured secret is the truth: it is hashed anew at every unseal, so a changed one
    // replaces the old at once (a fresh salt for an unchanged one costs nothing).
    const secretHash = await this.hash.highEntropyRandom.hashWithLatest(secret);
    await this.#keepClient(id, { ...fields, secretHash }, ['resourceScopes', 'authMethod', 'secretHash']);
    return undefined;
  }

  /**
   * Creates the configured client `id` with `created`, or sets the fields `kept` of it on the one stored, in one
   * statement (INSERT … ON CONFLICT DO UPDATE): two processes unsealed at once may both write it,
   * and neither fails.
   */
  async #keepClient(id: string, created: Omit<OauthClient, 'id' | 'createdAt' | 'updatedAt'>, kept: readonly ClientField[]): Promise<void> {
    const now = new Date();
    await this.fork().upsert(OauthClient, { id, ...created, createdAt: now, updatedAt: now }, { onConflictFields: ['id'], onConflictAction: 'merge', onConflictMergeFields: [...kept, 'updatedAt'] });
    this.clientChanged(id);
  }

  /**
   * `authz.signInClients`: each is created, or brought in line with its configuration (grants,
   * URIs, scopes, secret), like the bootstrap client. A scope the catalog lacks stops the provider
   * with a message naming the client (the configuration, not a request, is wrong).
   */
  async #ensureSignInClients(): Promise<void> {
    const clients = this.runtime.config.authz.signInClients;
    if (clients.length === 0) return;
    const catalog = await this.catalog();
    for (const client of clients) {
      const input: ClientInput = {
        name: client.id,
        tokenEndpointAuthMethod: 'client_secret_basic',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: client.redirectUris,
        postLogoutRedirectUris: client.postLogoutRedirectUris,
        openidScopes: client.openidScopes,
        resourceScopes: client.resourceScopes,
        // Logout tokens name the session: the client ends exactly the one signed out here.
        ...(client.backchannelLogoutUri === undefined ? {} : { backchannelLogoutUri: client.backchannelLogoutUri, backchannelLogoutSessionRequired: true }),
      };
      try {
        checkClientInput(input, catalog);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        // The request handler logs only the error's class: say here what is wrong (no secret in it).
        const reason = `authz.signInClients: client ${client.id}: ${error.message}`;
        this.runtime.log.error({ reason }, 'a configured sign-in client cannot be registered');
        throw new Error(reason, { cause: error });
      }
      const fields = clientFields(input, this.runtime.config.authz);
      const secretHash = await this.hash.highEntropyRandom.hashWithLatest(client.secret);
      // Lifetimes stay as they are: an administrator may have set the client's own.
      await this.#keepClient(client.id, { ...fields, secretHash }, ['authMethod', 'grantTypes', 'redirectUris', 'postLogoutRedirectUris', 'openidScopes', 'resourceScopes', 'backchannelLogoutUri', 'backchannelLogoutSessionRequired', 'secretHash']);
    }
  }
}
