/**
 * The password-login target of `npm run bench:logins`: identity-idp as production runs it (its
 * pipeline, the hash gate at its defaults, production PBKDF2 iterations, SQLite), with the
 * template's test issuer standing in for identity-authz: it signs the login requests that
 * identity-authz would send the browser with. Users are created through the admin API, and one
 * login request per simulated browser is signed ahead, so the run itself is only logins.
 * `BENCH_HASH_MAX_CONCURRENT` sets hash.maxConcurrent (0, the default, is cores − 1).
 */
import { devNull } from 'node:os';
import { pino } from 'pino';
import { createLogger } from '../../services/template/telemetry/logger.ts';
import { createUser, PASSWORD } from '../../services/identity-idp/testing/flow.ts';
import { startIdp } from '../../services/identity-idp/testing/harness.ts';
import type { BenchRequest, StartedTarget } from './targets.ts';

/** What the login driver needs besides the first page: who logs in, with what, and where to watch. */
export interface LoginBenchRequest extends BenchRequest {
  readonly ca: string;
  readonly metricsUrl: string;
  readonly password: string;
  readonly users: readonly string[];
  /** One signed login request per browser; the idp keeps no record of them, so each is reused. */
  readonly challenges: readonly string[];
}

/** Browsers the bench runs at once (issue 19 point 6: 200 logins in flight). */
export const LOGIN_BROWSERS = 200;
// Few enough users to create quickly, enough that no per-user throttle window fills with logins in flight.
const USERS = 40;

async function idpLogins(): Promise<StartedTarget> {
  const logger = createLogger({ level: 'info', service: 'identity-idp', destination: pino.destination(devNull) });
  const maxConcurrent = Number(process.env.BENCH_HASH_MAX_CONCURRENT ?? '0');
  const idp = await startIdp({
    logger,
    config: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 }, hash: { maxConcurrent, maxQueued: 256 } },
  });
  const users = Array.from({ length: USERS }, (_, index) => `bench-user-${String(index).padStart(3, '0')}`);
  for (const username of users) await createUser(idp, username);
  // Valid for five minutes: longer than a run.
  const challenges = await Promise.all(Array.from({ length: LOGIN_BROWSERS }, () => idp.challenge()));
  const request: LoginBenchRequest = {
    url: `${idp.url}/login`,
    method: 'GET',
    headers: {},
    ca: idp.service.ca,
    metricsUrl: `${idp.service.adminUrl}/admin/v1/metrics`,
    password: PASSWORD,
    users,
    challenges,
  };
  return { request, stop: () => idp.close() };
}

export const loginTargets: Readonly<Record<string, () => Promise<StartedTarget>>> = {
  'idp-logins': idpLogins,
};
