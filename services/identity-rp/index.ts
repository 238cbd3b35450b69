/**
 * identity-rp, the backend-for-frontend: it signs users in at identity-authz as a confidential
 * client, keeps their tokens in a server-side session sealed by the barrier, and calls the
 * allowlisted APIs for them. The browser holds one opaque cookie (docs/identity-rp/README.md).
 */
import type { Logger } from 'pino';
import type { EntityManager } from '@mikro-orm/core';
import type { ServiceDefinition, ServiceRuntime } from '../template/service.ts';
import { errorClass } from '../template/middleware/problem-details.ts';
import { IssuerKeys } from '../template/auth/issuer-keys.ts';
import { httpsJsonFetcher } from '../template/auth/https-json.ts';
import { AuthzClient } from './authz-client.ts';
import { apiTargets, checkRpConfig, resourcesOf, rpConfigSchema, type RpConfig } from './config.ts';
import { entities } from './entities.ts';
import { refreshAt } from './grants.ts';
import { customFetchOf, rawFetchTrusting } from './https-fetch.ts';
import { migrations } from './migrations.ts';
import { CALLBACK_PATH, rpRoutes } from './routes/index.ts';
import type { RpParts } from './routes/context.ts';
import { SessionStore } from './sessions.ts';
import { TokenKeeper } from './tokens.ts';
import { rpUpConfig, rpUpCredentials, rpUpSignInClient } from './up.ts';

/** How often expired sessions and abandoned logins are dropped. */
export const SWEEP_INTERVAL_MS = 60_000;

/** One sweep; a failure is logged by class and retried next time. */
export async function sweepOnce(em: EntityManager, store: SessionStore, log: Logger): Promise<void> {
  try {
    const removed = await store.sweep(em);
    if (removed > 0) log.debug({ removed }, 'expired sessions and logins removed');
  } catch (error) {
    log.warn({ error: errorClass(error) }, 'sweeping expired sessions failed');
  }
}

/** The endpoints' dependencies, built once per runtime. */
export function partsOf(runtime: ServiceRuntime<RpConfig>): RpParts {
  const { rp, auth } = runtime.config;
  const { barrier, hash } = runtime;
  if (barrier === undefined || hash === undefined) throw new Error('identity-rp seals sessions and hashes cookies: its definition must set barrier and hash');
  const fetch = rawFetchTrusting(runtime.ca);
  const client = new AuthzClient({ issuer: () => rp.issuer === '' ? auth.issuer : rp.issuer, clientId: rp.clientId, clientSecret: rp.clientSecret, fetch: customFetchOf(fetch) });
  const store = new SessionStore({ barrier, reads: runtime.reads, lookup: hash.highEntropyDeterministic, sessionTtlSeconds: rp.sessionTtlSeconds });
  // identity-authz's signing keys, for logout tokens: its JWKS as discovery names it, over the suite's trust.
  const authzKeys = new IssuerKeys({
    jwksUri: async () => String((await client.configuration()).serverMetadata().jwks_uri),
    fetchJson: httpsJsonFetcher({ ca: runtime.ca }),
    now: Date.now,
    refreshCooldownMs: 30_000,
    maxAgeMs: 600_000,
  });
  const resources = resourcesOf(rp);
  const redirectUri = (): string => rp.redirectUri === '' ? `${runtime.publicUrl()}${CALLBACK_PATH}` : rp.redirectUri;
  return {
    store,
    tokens: new TokenKeeper({ store, refresh: refreshAt(client), refreshBeforeSeconds: rp.refreshBeforeSeconds, log: runtime.log }),
    client,
    logoutTokenOptions: async () => ({
      issuer: (await client.configuration()).serverMetadata().issuer,
      audience: rp.clientId,
      keys: authzKeys.resolve,
      clockSkewSeconds: auth.clockSkewSeconds,
    }),
    fetch,
    redirectUri,
    postLogoutRedirectUri: () => rp.postLogoutRedirectUri === '' ? `${new URL(redirectUri()).origin}/` : rp.postLogoutRedirectUri,
    ownOrigin: () => new URL(redirectUri()).origin,
    scope: rp.scope,
    resource: resources.primary,
    resources: resources.all,
    apis: apiTargets(rp),
    consoleOrigins: [...rp.consoleOrigins ?? []],
    sessionTtlSeconds: rp.sessionTtlSeconds,
    log: runtime.log,
  };
}

/** The service definition `cryptoutil identity-rp` runs (DESIGN table: port 8183, `up` admin port 9094). */
export const identityRp: ServiceDefinition<RpConfig> = {
  name: 'identity-rp',
  summary: 'Backend-for-frontend: signs users in at identity-authz, keeps their tokens server-side, proxies allowlisted APIs',
  publicPort: 8183,
  upAdminPort: 9094,
  openapi: new URL('./openapi.yaml', import.meta.url),
  configSchema: rpConfigSchema,
  entities,
  migrations,
  barrier: true,
  hash: true,
  upConfig: rpUpConfig,
  upCredentials: rpUpCredentials,
  upSignInClient: rpUpSignInClient,
  setup(runtime) {
    checkRpConfig(runtime.config);
    const parts = partsOf(runtime);
    const timer = setInterval(() => { void sweepOnce(runtime.orm.em.fork(), parts.store, runtime.log); }, SWEEP_INTERVAL_MS);
    timer.unref();
    return { operations: {}, routes: rpRoutes(parts), onStop: () => { clearInterval(timer); } };
  },
};
