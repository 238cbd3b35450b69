/**
 * identity-authz, the OAuth 2.1 / OpenID Connect authorization server every other service trusts.
 * oidc-provider runs the protocol; this folder supplies what the library leaves open: storage on
 * MikroORM, signing keys under the barrier, clients, accounts vouched for by identity-idp, and the
 * wiring into the template (DESIGN table: port 8180, `up` admin port 9091).
 */
import type { ServiceDefinition, UpSuite } from '../template/service.ts';
import { signingKeyEntities, signingKeyMigrations } from '../template/signing-keys/index.ts';
import { authzSchema, checkAuthzConfig, type AuthzConfig } from './config.ts';
import { authzOwnEntities } from './entities.ts';
import { AuthzHost } from './host.ts';
import { authzOwnMigrations } from './migrations.ts';
import type { ResourceSource } from './resources.ts';
import { clientHandlers } from './routes/clients.ts';
import { resourceServerHandlers } from './routes/resource-servers.ts';
import { keyAdminRoutes } from './routes/keys.ts';
import { accountEventRoutes } from './account-events.ts';
import { protocolRoutes } from './routes/protocol.ts';
import { storageEntities, storageMigrations } from './storage/adapter.ts';

export const IDENTITY_AUTHZ = 'identity-authz';
const IDENTITY_IDP = 'identity-idp';

/** A service's public URL in this `up` suite, or undefined when the suite does not run it. */
function urlInSuite(suite: UpSuite, name: string): string | undefined {
  try {
    return suite.publicUrl(name);
  } catch {
    return undefined;
  }
}

/** Runs `task` every `ms` milliseconds until the returned function is called. */
export type Repeat = (ms: number, task: () => Promise<unknown>) => () => void;

/** The real timer; it never keeps the process alive. */
export const repeatOnTimer: Repeat = (ms, task) => {
  const timer = setInterval(() => { void task(); }, ms);
  timer.unref();
  return () => { clearInterval(timer); };
};

/**
 * The definition, given the services whose resources it issues tokens for (itself included
 * automatically). A factory rather than a constant so that the registry can pass the others
 * without a circular import; `repeat` runs the sweep (tests run its ticks themselves).
 */
export function identityAuthz(resources: () => readonly ResourceSource[], repeat: Repeat = repeatOnTimer): ServiceDefinition<AuthzConfig> {
  const definition: ServiceDefinition<AuthzConfig> = {
    name: IDENTITY_AUTHZ,
    summary: 'OAuth 2.1 / OpenID Connect authorization server (oidc-provider): clients, tokens, keys under the barrier',
    publicPort: 8180,
    upAdminPort: 9091,
    openapi: new URL('./openapi.yaml', import.meta.url),
    configSchema: authzSchema,
    entities: [...signingKeyEntities, ...storageEntities, ...authzOwnEntities],
    migrations: [...signingKeyMigrations, ...storageMigrations, ...authzOwnMigrations],
    barrier: true,
    hash: true,
    issuesTokens: true,
    async upConfig(suite) {
      // A suite without identity-idp still issues client-credentials tokens.
      const idpUrl = urlInSuite(suite, IDENTITY_IDP) ?? '';
      // Every service's Swagger UI may ask for a token (the demo client's, typed in by a person).
      const corsOrigins = [definition, ...resources()].map((service) => urlInSuite(suite, service.name)).filter((url) => url !== undefined);
      return { authz: {
        idpUrl, corsOrigins, bootstrapClient: { id: suite.demoClientId, secret: await suite.secret(suite.demoClientId) },
        // Services that sign users in here (identity-rp) get their confidential client.
        signInClients: await suite.signInClients(),
      } };
    },
    setup: (runtime) => {
      checkAuthzConfig(runtime.config);
      // The API, the protocol routes and the admin rows share one host (keys, provider, sweep).
      const host = new AuthzHost({ runtime, resources: () => [definition, ...resources()] });
      const events = accountEventRoutes(host);
      const protocol = protocolRoutes(host);
      return {
        operations: { ...clientHandlers(host), ...resourceServerHandlers(host) },
        routes: async (ctx, next): Promise<void> => { await events(ctx, async () => { await protocol(ctx, next); }); },
        adminRoutes: keyAdminRoutes(host),
        onStop: repeat(runtime.config.authz.sweepIntervalSeconds * 1000, () => host.sweep()),
      };
    },
  };
  return definition;
}
