/**
 * identity-idp: users, login, consent and sessions for identity-authz, split as ORY Hydra splits
 * them (docs/identity-idp/README.md). The authz sends the browser here with a signed login request;
 * the idp authenticates the user, asks consent and sends the browser back with a signed, short-lived
 * login result. Like every service it is a definition the template runs.
 */
import type { Logger } from 'pino';
import type { EntityManager } from '@mikro-orm/core';
import type { ReadinessCheck, ServiceDefinition, ServiceRuntime, UpSuite } from '../template/service.ts';
import type { HashService } from '../template/hash/index.ts';
import type { Barrier } from '../template/barrier/index.ts';
import { httpsJsonFetcher } from '../template/auth/https-json.ts';
import { createSigningKeys, signingKeyEntities, signingKeyMigrations, type SigningKeys } from '../template/signing-keys/index.ts';
import { errorClass } from '../template/middleware/problem-details.ts';
import { checkIdpConfig, idpConfigSchema, idpPublicUrl, type IdpConfig } from './config.ts';
import { entities, IdpLoginCounter, IdpPasskeyChallenge, IdpPendingLogin } from './entities.ts';
import { Lockout } from './lockout.ts';
import { LoginRequestVerifier } from './login-request.ts';
import { LoginResultSigner } from './login-result.ts';
import { migrations } from './migrations.ts';
import { idpRoutes } from './routes/index.ts';
import type { IdpPages } from './routes/context.ts';
import { decoyHash } from './routes/login.ts';
import { userHandlers } from './routes/users.ts';
import { groupHandlers } from './routes/groups.ts';
import { secondFactorHandlers } from './routes/second-factor-admin.ts';
import { PendingLogins } from './pending-logins.ts';
import { Passkeys, relyingPartyOf } from './passkeys.ts';
import { RecoveryCodes } from './recovery-codes.ts';
import { secondFactors } from './second-factors.ts';
import { TotpAuthenticators } from './totp.ts';
import { SessionStore } from './sessions.ts';
import { AccountEvents, httpsDeliverer, type DeliverEvent } from './account-events.ts';
import { ensureBootstrapAdmin } from './users.ts';
import { FailureThrottle } from './throttle.ts';

/** The administrator `cryptoutil up` creates, and the name of the up secret holding its password. */
export const UP_ADMIN_USERNAME = 'admin';
export const UP_ADMIN_SECRET = 'idp-admin.password';

async function upAdmin(suite: UpSuite): Promise<{ username: string; password: string }> {
  return { username: UP_ADMIN_USERNAME, password: await suite.secret(UP_ADMIN_SECRET) };
}

/** How often expired sessions, ended throttle windows and ended locks of unknown usernames are dropped. */
export const SWEEP_INTERVAL_MS = 60_000;

/** Login-result keys: rotated monthly; a retired key stays published a day, far beyond a 60 s result. */
export const RESULT_KEY_ROTATE_AFTER_MS = 30 * 24 * 3600_000;
export const RESULT_KEY_RETAIN_MS = 24 * 3600_000;

function hashOf(runtime: ServiceRuntime): HashService {
  if (runtime.hash === undefined) throw new Error('identity-idp hashes passwords: its definition must set hash: true');
  return runtime.hash;
}

function barrierOf(runtime: ServiceRuntime): Barrier {
  if (runtime.barrier === undefined) throw new Error('identity-idp keeps its signing key under the barrier: its definition must set barrier: true');
  return runtime.barrier;
}

/**
 * Removes expired sessions, pending logins and passkey challenges, ended throttle windows and the counters of unknown usernames whose lock
 * has ended (an ended lock starts the count afresh, as no row does); failures are logged by class
 * and retried next time.
 */
export async function sweepOnce(fork: () => EntityManager, sessions: SessionStore, throttle: FailureThrottle, log: Logger): Promise<void> {
  throttle.prune();
  try {
    const removed = await sessions.sweep(fork());
    if (removed > 0) log.debug({ removed }, 'expired sessions removed');
    await fork().nativeDelete(IdpLoginCounter, { lockedUntil: { $lte: new Date() } });
    await fork().nativeDelete(IdpPendingLogin, { expiresAt: { $lte: new Date() } });
    await fork().nativeDelete(IdpPasskeyChallenge, { expiresAt: { $lte: new Date() } });
  } catch (error) {
    log.warn({ error: errorClass(error) }, 'sweeping expired sessions failed');
  }
}

/** The timer's task: one sweep with forks of the service's ORM. */
export function sweeper(runtime: Pick<ServiceRuntime, 'orm' | 'log'>, sessions: SessionStore, throttle: FailureThrottle): () => void {
  return () => { void sweepOnce(() => runtime.orm.em.fork(), sessions, throttle, runtime.log); };
}

/** The keys of one running idp, built once by its setup: the API and the pages share them. */
interface IdpParts {
  readonly keys: SigningKeys;
  readonly sessions: SessionStore;
  readonly throttle: FailureThrottle;
  /** Signs login results and account events with the 'login-results' key ring. */
  readonly signer: LoginResultSigner;
}

function createParts(runtime: ServiceRuntime<IdpConfig>): IdpParts {
  const { idp } = runtime.config;
  const sessions = new SessionStore({ hash: hashOf(runtime), ttlSeconds: idp.sessionTtlSeconds });
  const throttle = new FailureThrottle({ maxFailures: idp.throttle.maxFailures, windowSeconds: idp.throttle.windowSeconds });
  const keys = createSigningKeys({
    orm: runtime.orm,
    barrier: barrierOf(runtime),
    purpose: 'login-results',
    algorithm: 'ES256',
    rotateAfterMs: RESULT_KEY_ROTATE_AFTER_MS,
    retainMs: RESULT_KEY_RETAIN_MS,
  });
  const signer = new LoginResultSigner({ keys, issuer: () => idpPublicUrl(runtime.config, runtime.publicUrl) });
  return { keys, sessions, throttle, signer };
}

/** Account events go to identity-authz over https, trusting the CA the service trusts. */
export function httpsDeliveryOf(runtime: Pick<ServiceRuntime, 'ca'>): DeliverEvent {
  return httpsDeliverer(runtime.ca);
}

/**
 * Starts making `idp.bootstrapAdmin` (once per runtime, from setup) and returns the readiness check
 * that waits for it: ready when made or not configured, else not ready, naming the error class.
 */
export function bootstrapAdminCheck(runtime: ServiceRuntime<IdpConfig>): ReadinessCheck {
  const admin = runtime.config.idp.bootstrapAdmin;
  const done: Promise<string | undefined> = admin.username === ''
    ? Promise.resolve(undefined)
    : ensureBootstrapAdmin(runtime.orm.em.fork(), hashOf(runtime), admin).then(() => undefined, (error: unknown) => {
      runtime.log.error({ error: errorClass(error) }, 'creating idp.bootstrapAdmin failed');
      return errorClass(error);
    });
  return {
    name: 'bootstrap-admin',
    check: async () => {
      const error = await done;
      return error === undefined ? { ok: true } : { ok: false, detail: `idp.bootstrapAdmin could not be created (${error})` };
    },
  };
}

/** The pages' dependencies: the shared parts, a login-request verifier, the lockout and the account events. */
function pagesOf(runtime: ServiceRuntime<IdpConfig>, { sessions, throttle, signer }: IdpParts, now: () => Date, events: AccountEvents): IdpPages {
  const { config } = runtime;
  const hash = hashOf(runtime);
  const ownUrl = (): string => idpPublicUrl(config, runtime.publicUrl);
  const totp = new TotpAuthenticators({ barrier: barrierOf(runtime), now });
  const recoveryCodes = new RecoveryCodes({ hash, now });
  const pendingLogins = new PendingLogins({ hash, now });
  const passkeys = new Passkeys({ relyingParty: () => relyingPartyOf(ownUrl()), now });
  return {
    verifier: new LoginRequestVerifier({
      issuer: config.auth.issuer,
      audience: ownUrl,
      fetchJson: httpsJsonFetcher({ ca: runtime.ca }),
      clockSkewSeconds: config.auth.clockSkewSeconds,
    }),
    signer,
    sessions,
    lockout: new Lockout(config.idp.lockout),
    throttle,
    hash,
    factors: secondFactors({ totp, recoveryCodes, passkeys }),
    mfa: config.idp.mfa,
    pendingLogins,
    totp,
    recoveryCodes,
    passkeys,
    events,
    decoyHash: decoyHash(hash),
    ownOrigin: () => new URL(ownUrl()).origin,
    now,
    log: runtime.log,
  };
}

/**
 * The definition on the clock `now`, which decides lockouts and what the users API shows of them:
 * tests move it past a lockout instead of waiting it out. `deliver` carries account events to
 * identity-authz (default: an https POST to `auth.issuer`).
 */
export function identityIdpOn(now: () => Date, deliver: (runtime: Pick<ServiceRuntime, 'ca'>) => DeliverEvent = httpsDeliveryOf): ServiceDefinition<IdpConfig> {
  return {
    name: 'identity-idp',
    summary: 'Users, login, consent and sessions for the identity-authz authorization server',
    publicPort: 8181,
    upAdminPort: 9092,
    openapi: new URL('./openapi.yaml', import.meta.url),
    configSchema: idpConfigSchema,
    // The signing-key ring's table comes first: it is the template's, shared by every service using it.
    entities: [...signingKeyEntities, ...entities],
    migrations: [...signingKeyMigrations, ...migrations],
    barrier: true,
    hash: true,
    // The suite's administrator: its password sits in credentials.json beside the demo client's.
    upConfig: async (suite) => ({ idp: { bootstrapAdmin: await upAdmin(suite) } }),
    upCredentials: async (suite) => ({ admin: await upAdmin(suite) }),
    setup(runtime) {
      checkIdpConfig(runtime.config);
      const parts = createParts(runtime);
      const events = new AccountEvents({ signer: parts.signer, authz: () => runtime.config.auth.issuer, deliver: deliver(runtime) });
      const timer = setInterval(sweeper(runtime, parts.sessions, parts.throttle), SWEEP_INTERVAL_MS);
      timer.unref();
      return {
        operations: { ...userHandlers(hashOf(runtime), now, events), ...groupHandlers(), ...secondFactorHandlers() },
        routes: idpRoutes({ keys: parts.keys, pages: pagesOf(runtime, parts, now, events) }),
        checks: [bootstrapAdminCheck(runtime)],
        onStop: () => { clearInterval(timer); },
      };
    },
  };
}

/** The service definition `cryptoutil identity-idp` runs (DESIGN table: port 8181, `up` admin port 9092). */
export const identityIdp: ServiceDefinition = identityIdpOn(() => new Date());
