/**
 * Redis faults (issue 20, point 4), with real service processes sharing a private `redis-server`
 * for their rate-limit counters. learn-ps fails open (`rateLimit.onStoreFailure: open`), sm-kms
 * fails closed. While Redis answers, a burst beyond the budget is refused with 429. When Redis is
 * SIGKILLed, learn-ps answers every request of a steady stream promptly (no 429, no 5xx), logs one
 * warning (and its Redis client one more, not one per reconnection) and counts each request as allowed; sm-kms refuses each with a 503 problem carrying
 * Retry-After, counted as refused. When Redis comes back on the same port, limits apply again
 * within seconds, the recovery is logged once, and sm-kms answers 200 again. The figures (requests
 * during the outage, their outcomes and latency, recovery times) are printed at the end.
 */
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { newUnsealShares } from '../../services/template/barrier/index.ts';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { freePort } from '../../services/template/testing/ports.ts';
import { startRedisServer } from '../../services/template/testing/redis.ts';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { serviceFiles, sourceCli, start, type Running } from '../e2e/processes.ts';

/** How long Redis stays down while requests stream, and how many clients send them at once. */
const OUTAGE_MS = 3_000;
const CLIENTS = 4;
/** A budget of 10 requests per 2 s window: a burst of 20 must meet 429s. */
const PER_SECOND = 5;
const BURST = 5;
/** How long limits (or, failing closed, 200s) may take to return once Redis answers again. */
const RECOVERY_LIMIT_MS = 10_000;

const FAILING = { open: 'rate-limit store failing; requests are let through unlimited', closed: 'rate-limit store failing; requests are refused' } as const;
const ANSWERING = 'rate-limit store answering again; limits apply';
const CLIENT_ERROR = 'rate-limit store unavailable';

type Policy = keyof typeof FAILING;

interface Service {
  readonly name: string;
  readonly policy: Policy;
  readonly process: Running;
  /** One request of the steady stream, as the service's clients send it. */
  readonly request: () => Promise<HttpAnswer>;
  metric(outcome: 'allowed' | 'refused'): Promise<number>;
}

interface Timed {
  readonly answer: HttpAnswer;
  readonly ms: number;
}

interface Figures {
  readonly service: string;
  readonly policy: Policy;
  readonly requests: number;
  readonly outcomes: string;
  readonly p99Ms: number;
  readonly counted: number;
  /** Warnings of the Redis client itself. */
  readonly clientWarnings: number;
  /** Until limits (failing open) or 200s (failing closed) returned; absent if they never did. */
  readonly recoveryMs?: number;
}

/** By service name. */
const figures = new Map<string, Figures>();

async function timed(request: () => Promise<HttpAnswer>): Promise<Timed> {
  const started = performance.now();
  const answer = await request();
  return { answer, ms: performance.now() - started };
}

/** Sends requests from `clients` clients, each waiting for its answer, until `ms` have passed. */
async function stream(request: () => Promise<HttpAnswer>, clients: number, ms: number): Promise<Timed[]> {
  const deadline = Date.now() + ms;
  const answers: Timed[] = [];
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < deadline) answers.push(await timed(request));
  }));
  return answers;
}

/** Sends requests one at a time until one answers `status`; resolves with the milliseconds it took. */
async function untilStatus(request: () => Promise<HttpAnswer>, status: number, seen: number[]): Promise<number> {
  const started = Date.now();
  for (;;) {
    const answer = await request();
    seen.push(answer.status);
    if (answer.status === status) return Date.now() - started;
    if (Date.now() - started > RECOVERY_LIMIT_MS) throw new Error(`no ${String(status)} within ${String(RECOVERY_LIMIT_MS)} ms: ${answer.text}`);
  }
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

function tally(statuses: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([status, count]) => `${String(count)}×${String(status)}`).join(' ');
}

/** The service's JSON log lines whose message is `msg`. */
function logLines(service: Service, msg: string): Record<string, unknown>[] {
  return `${service.process.stdout()}\n${service.process.stderr()}`.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === msg);
}

describe('Redis faults: the shared rate limiter fails open or closed as configured, and limits return with Redis', function () {
  this.timeout(180_000);
  let issuer: TestIssuer;
  let redisPort: number;
  let redis: ChildProcess;
  let open: Service;
  let closed: Service;

  /** `cryptoutil <name> start` with a Redis rate limiter of the given policy, logging at info. */
  async function launch(name: string, policy: Policy, extra: readonly string[], path: string, scopes: readonly string[]): Promise<Service> {
    const files = await serviceFiles(name, {
      issuerCa: issuer.ca,
      issuerUrl: issuer.url,
      logLevel: 'info',
      extra: () => [...extra, `rateLimit: { perSecond: ${String(PER_SECOND)}, burst: ${String(BURST)}, redisUrl: "redis://127.0.0.1:${String(redisPort)}", onStoreFailure: ${policy} }`],
    });
    const process = start(sourceCli, [name, 'start', '--config', files.configFile]);
    await process.waitFor('listening on', 60_000);
    const ca = files.ca();
    const token = await issuer.serviceToken({ clientId: 'faults', audience: `urn:cryptoutil:${name}`, scopes: [...scopes] });
    return {
      name,
      policy,
      process,
      request: () => httpsCall(ca, 'GET', `https://127.0.0.1:${String(files.publicPort)}/service/api/v1${path}`, { token }),
      async metric(outcome) {
        const answer = await httpsCall(ca, 'GET', `https://127.0.0.1:${String(files.adminPort)}/admin/v1/metrics`);
        expect(answer.status, answer.text).to.equal(200);
        const line = answer.text.split('\n').find((row) => row.startsWith('rate_limit_store_failures_total{') && row.includes(`outcome="${outcome}"`));
        return line === undefined ? 0 : Number(line.split(' ').at(-1));
      },
    };
  }

  before(async () => {
    issuer = await createTestIssuer();
    redisPort = await freePort();
    redis = await startRedisServer(redisPort);
    open = await launch('learn-ps', 'open', [], '/pets?size=1', ['pets:read']);
    // Every share at start initializes and unseals the barrier: the API answers 200 behind the limiter.
    closed = await launch('sm-kms', 'closed', [`barrier: { shares: ${JSON.stringify(await newUnsealShares(3, 2))}, threshold: 2 }`], '/elastickeys', ['kms:read']);
  });

  after(async () => {
    for (const service of [open, closed]) {
      service.process.child.kill('SIGTERM');
      await service.process.finished;
    }
    redis.kill('SIGKILL');
    await issuer.close();
    console.log('\n  Redis faults: requests during a Redis outage, their outcomes, p99 latency, counted by the metric, recovery after Redis answers again');
    for (const row of figures.values()) {
      const recovery = row.recoveryMs === undefined ? 'did not recover' : `recovered in ${String(row.recoveryMs)} ms`;
      console.log(`    ${row.service.padEnd(8)} fails ${row.policy.padEnd(6)} ${String(row.requests).padStart(5)} requests  ${row.outcomes.padEnd(10)}  p99 ${row.p99Ms.toFixed(0).padStart(4)} ms  counted ${String(row.counted).padStart(5)}  ${recovery}  (Redis client warnings ${String(row.clientWarnings)})`);
    }
  });

  it('while Redis answers, a burst beyond the budget is refused with 429 on both services', async () => {
    for (const service of [open, closed]) {
      const statuses: number[] = [];
      for (let index = 0; index < 2 * (PER_SECOND + BURST); index += 1) statuses.push((await service.request()).status);
      expect(statuses, service.name).to.include(429);
      expect(statuses.filter((status) => status === 200).length, service.name).to.be.within(1, PER_SECOND + BURST);
      expect(statuses.filter((status) => status !== 200 && status !== 429), service.name).to.deep.equal([]);
    }
  });

  it('Redis SIGKILLed: failing open answers every request promptly, failing closed answers 503 with Retry-After; each logs once and counts', async () => {
    // Each budget starts afresh when the window of the burst above has passed.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    redis.kill('SIGKILL');
    await once(redis, 'exit');
    const [passed, refused] = await Promise.all([stream(open.request, CLIENTS, OUTAGE_MS), stream(closed.request, 1, OUTAGE_MS)]);

    const openStatuses = passed.map((entry) => entry.answer.status);
    expect(openStatuses.length).to.be.greaterThan(20);
    expect(tally(openStatuses), 'fail open: every request answered').to.equal(`${String(openStatuses.length)}×200`);
    const p99 = percentile(passed.map((entry) => entry.ms), 0.99);
    expect(p99, 'p99 latency during the outage (ms)').to.be.lessThan(1_000);
    expect(logLines(open, FAILING.open).map((line) => line.level), 'one warning').to.deep.equal([40]);
    expect(logLines(open, CLIENT_ERROR), 'the Redis client tells the outage once, not each reconnection').to.have.length(1);
    expect(await open.metric('allowed'), 'every request let through is counted').to.equal(passed.length);

    for (const { answer } of refused) {
      expect(answer.status, answer.text).to.equal(503);
      expect(answer.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(answer.headers['retry-after']).to.equal('1');
      expect(answer.json).to.include({ code: 'service_unavailable', detail: 'the rate limiter cannot reach its store' });
    }
    expect(logLines(closed, FAILING.closed).map((line) => line.level), 'one warning').to.deep.equal([40]);
    expect(logLines(closed, CLIENT_ERROR), 'the Redis client tells the outage once, not each reconnection').to.have.length(1);
    expect(await closed.metric('refused'), 'every request refused is counted').to.equal(refused.length);

    figures.set(open.name, { service: open.name, policy: 'open', requests: passed.length, outcomes: tally(openStatuses), p99Ms: p99, counted: passed.length, clientWarnings: logLines(open, CLIENT_ERROR).length });
    figures.set(closed.name, { service: closed.name, policy: 'closed', requests: refused.length, outcomes: tally(refused.map((entry) => entry.answer.status)), p99Ms: percentile(refused.map((entry) => entry.ms), 0.99), counted: refused.length, clientWarnings: logLines(closed, CLIENT_ERROR).length });
  });

  it('Redis back on the same port: limits apply again and failing closed answers 200 again within seconds, each recovery logged once', async () => {
    redis = await startRedisServer(redisPort);
    const seen: number[] = [];
    const [limited, answering] = await Promise.all([
      untilStatus(open.request, 429, seen),
      untilStatus(closed.request, 200, []),
    ]);
    expect(seen.filter((status) => status !== 200 && status !== 429), 'no 5xx while recovering').to.deep.equal([]);
    expect(logLines(open, ANSWERING), 'learn-ps recovery logged once').to.have.length(1);
    expect(logLines(closed, ANSWERING), 'sm-kms recovery logged once').to.have.length(1);
    for (const [service, recoveryMs] of [[open, limited], [closed, answering]] as const) {
      const row = figures.get(service.name);
      if (row !== undefined) figures.set(service.name, { ...row, recoveryMs });
    }
  });
});
