/**
 * pki-ca, the Certificate Authority: a root, intermediate and issuing CA hierarchy whose keys live
 * only under the template's barrier, enrollment of PKCS#10 requests through named profiles and an
 * issuance lint, and revocation. Like every service it is a definition; the template runs the
 * listeners, auth and the barrier.
 */
import type { Middleware } from 'koa';
import type { EntityManager } from '@mikro-orm/core';
import type { Authenticate } from '../template/openapi/router.ts';
import type { OperationHandler, OperationHandlers, RequestState, ServiceDefinition, ServiceRuntime } from '../template/service.ts';
import { HierarchyBootstrap } from './bootstrap.ts';
import { pkiSchema, type PkiConfig } from './config.ts';
import { publicBaseUrl, type PkiContext } from './context.ts';
import { CertificateAuthority, entities } from './entities.ts';
import { CaExpiryWatch } from './expiry.ts';
import { SignerCache } from './keys.ts';
import { migrations } from './migrations.ts';
import { caHandlers } from './routes/cas.ts';
import { caRequestHandlers } from './routes/ca-requests.ts';
import { certificateHandlers } from './routes/certificates.ts';
import { caBundleRoute, caCertificateRoute, chainRoutes } from './routes/public.ts';
import { RetirementSweep } from './rotation.ts';
import { memoizeRules, type RulesLoader } from './rules.ts';
import { loadProfileCatalog } from './profiles/catalog.ts';
import { lintCertificate } from './lint/index.ts';
import type { CrlPublisher } from './crl/publisher.ts';
import { crlRoutes } from './crl/routes.ts';
import { ocspRoutes } from './ocsp/index.ts';
import { tsaRoute } from './tsa/index.ts';
import { estRoutes } from './est/routes.ts';
import { acmeDeps, crlPublisher, estDeps, ocspAuthority, tsaAuthority } from './protocols.ts';
import { acmeRoutes } from './acme/routes.ts';
import { pkiUpCredentials } from './up.ts';

/** The rules this build issues by: the built-in profiles plus `pki.profilesDir`, and the issuance lint. */
export const loadRules: RulesLoader = async (dir) => ({ catalog: await loadProfileCatalog(dir === '' ? {} : { dir }), lint: lintCertificate });

/** One running pki-ca: its context, its bootstrap and its CRL schedule, wired to the runtime. */
export interface PkiProcess {
  readonly pki: PkiContext;
  readonly bootstrap: HierarchyBootstrap;
  readonly crls: CrlPublisher;
  readonly expiry: CaExpiryWatch;
  readonly retirement: RetirementSweep;
  readonly fork: () => EntityManager;
  readonly authenticate: Authenticate;
}

/** Builds the context of one process (once per runtime, by setup: operations, routes and readiness share it). */
export function createPki(runtime: ServiceRuntime<PkiConfig>, rules: RulesLoader, now: () => number = Date.now): PkiProcess {
  const { barrier } = runtime;
  if (barrier === undefined) throw new Error('pki-ca keeps its CA keys under the barrier: its definition must set barrier: true');
  const config = runtime.config.pki;
  const pki: PkiContext = {
    barrier,
    signers: new SignerCache(barrier),
    rules: memoizeRules(() => rules(config.profilesDir)),
    config,
    publicUrl: publicBaseUrl(config.publicUrl, runtime.publicUrl),
    now: () => new Date(now()),
  };
  const fork = (): EntityManager => runtime.orm.em.fork();
  const bootstrap = new HierarchyBootstrap({ pki, fork, log: runtime.log });
  bootstrap.start();
  const crls = crlPublisher(fork, pki, runtime.log);
  crls.start();
  const expiry = new CaExpiryWatch({ listCas: () => fork().find(CertificateAuthority, {}), log: runtime.log, metrics: runtime.metrics, now: () => pki.now() });
  expiry.start();
  const retirement = new RetirementSweep(fork, () => pki.now(), runtime.log);
  retirement.start();
  runtime.onStop(async () => {
    bootstrap.stop();
    expiry.stop();
    await retirement.stop();
    await crls.stop();
  });
  return { pki, bootstrap, crls, expiry, retirement, fork, authenticate: runtime.authenticate };
}

/** Every handler, each first making sure the hierarchy was bootstrapped since the last unseal. */
export function pkiHandlers({ pki, bootstrap, crls }: PkiProcess): OperationHandlers {
  const handlers: OperationHandlers = { ...caHandlers(pki, crls), ...caRequestHandlers(pki), ...certificateHandlers(pki) };
  return Object.fromEntries(Object.entries(handlers).map(([operationId, handler]): [string, OperationHandler] => [operationId, async (ctx) => {
    await bootstrap.ensure();
    await handler(ctx);
  }]));
}

/** The unauthenticated routes, after the bootstrap like the API. */
export function pkiRoutes({ pki, bootstrap, crls, fork, authenticate }: PkiProcess): Middleware<RequestState> {
  return chainRoutes([
    async (_ctx, next) => { await bootstrap.ensure(); await next(); },
    caCertificateRoute(),
    caBundleRoute(),
    crlRoutes(crls),
    ocspRoutes(ocspAuthority(fork, pki)),
    tsaRoute(tsaAuthority(fork, pki)),
    estRoutes(estDeps(fork, pki, authenticate)),
    acmeRoutes(acmeDeps(fork, pki)),
  ]);
}

/** The definition on `rules` and the clock `now`; tests and the integration build pass their own. */
export function pkiCaWith(rules: RulesLoader, now: () => number = Date.now): ServiceDefinition<PkiConfig> {
  return {
    name: 'pki-ca',
    summary: 'Certificate Authority: root/intermediate/issuing hierarchy under a sealed barrier, profiles, CSR issuance, revocation',
    publicPort: 8380,
    upAdminPort: 9097,
    openapi: new URL('./openapi.yaml', import.meta.url),
    configSchema: pkiSchema,
    entities,
    migrations,
    barrier: true,
    // EST authenticates devices by the certificate they hold (RFC 7030 §3.3.2).
    clientCertificates: true,
    setup: (runtime) => {
      const process = createPki(runtime, rules, now);
      return { operations: pkiHandlers(process), routes: pkiRoutes(process), checks: [process.bootstrap.readiness(), process.expiry.readiness()] };
    },
    upConfig: () => Promise.resolve({ pki: { bootstrap: true } }),
    // The bootstrapped issuing CA and its URLs, so a reader of credentials.json can enroll and check revocation.
    upCredentials: (suite) => pkiUpCredentials(suite, 'pki-ca'),
  };
}

/** The service definition `cryptoutil pki-ca` runs (DESIGN "Service APIs": pki-ca, port 8380). */
export const pkiCa: ServiceDefinition<PkiConfig> = pkiCaWith(loadRules);
