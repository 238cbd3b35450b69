/**
 * `npm run bench:logins` (issue 19 point 6, issue 15 point 11 `authz-login`): password logins never
 * block. sm-kms and identity-idp run in child processes of their own (target.ts), and so do the
 * browsers (login-crowd.ts); this process runs autocannon. kms-encrypt is measured alone, then again
 * while LOGIN_BROWSERS browsers log in through the real pages without pause (login page, form POST
 * with its CSRF token, consent page, allow: one production PBKDF2 per login), then alone again. Meanwhile identity-idp's
 * `nodejs_eventloop_lag_p99_seconds` is scraped every second (prom-client resets the histogram at
 * each scrape, so each sample is the p99 of that second). Prints a table and a last-line JSON; exits
 * 1 when the worst second's event-loop p99 reaches 50 ms or kms keeps less than 70% of its rate.
 * BENCH_SECONDS (default 8) is the length of each kms window, BENCH_CONNECTIONS (32) its connections.
 */
import { fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { autocannonLoad, median, startTarget, stopTarget } from './children.ts';
import type { CrowdMessage, Login } from './login-crowd.ts';
import { LOGIN_BROWSERS, type LoginBenchRequest } from './login-target.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? '8');
const connections = Number(process.env.BENCH_CONNECTIONS ?? '32');
const EVENT_LOOP_LIMIT_MS = 50;
const KMS_RATIO_LIMIT = 0.7;

/**
 * Starts the crowd of browsers in a child process; `inFlight` resolves once every browser has
 * posted its password, `stop` ends the crowd and resolves with every login.
 */
function crowd(target: LoginBenchRequest): { readonly inFlight: Promise<void>; stop(): Promise<readonly Login[]> } {
  const child = fork(fileURLToPath(new URL('./login-crowd.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let reportInFlight: () => void = () => undefined;
  const inFlight = new Promise<void>((resolve) => { reportInFlight = resolve; });
  const result = new Promise<readonly Login[]>((resolve, reject) => {
    child.on('message', (message: CrowdMessage) => {
      if ('inFlight' in message) reportInFlight();
      if ('logins' in message) resolve(message.logins);
    });
    child.once('exit', (code) => { reject(new Error(`the login crowd exited with ${String(code)} before it reported`)); });
  });
  child.send({ start: target } satisfies CrowdMessage);
  return {
    inFlight,
    stop: async () => {
      child.send({ stop: true } satisfies CrowdMessage);
      return await result;
    },
  };
}

/** The idp's event-loop p99 of the last second, in ms, every second until `stop`. */
function eventLoopSamples(target: LoginBenchRequest): { readonly samples: number[]; stop(): Promise<void> } {
  const samples: number[] = [];
  const state = { running: true };
  const done = (async () => {
    while (state.running) {
      await sleep(1000);
      const metrics = await httpsCall(target.ca, 'GET', target.metricsUrl, {});
      const value = /^nodejs_eventloop_lag_p99_seconds\{[^}]*\} ([\d.e+-]+)$/mu.exec(metrics.text)?.[1];
      if (value !== undefined) samples.push(Number(value) * 1000);
    }
  })();
  return { samples, stop: async () => { state.running = false; await done; } };
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

const kms = await startTarget('kms-encrypt');
const idp = await startTarget('idp-logins').catch(async (error: unknown) => {
  await stopTarget(kms.child);
  throw error;
});
try {
  const target = idp.request as LoginBenchRequest;
  if (target.challenges.length !== LOGIN_BROWSERS) throw new Error('the idp target signed the wrong number of login requests');
  await autocannonLoad(kms.request, 2, connections);
  // The control: the same scrape of the idle idp while kms is loaded, so a busy machine shows as such.
  const idle = eventLoopSamples(target);
  const before = await autocannonLoad(kms.request, seconds, connections);
  await idle.stop();

  const browsers = crowd(target);
  // The browsers arrive over two seconds; the window opens once each has posted its password, so
  // that LOGIN_BROWSERS logins are in flight from its first second to its last.
  const rampStart = Date.now();
  await browsers.inFlight;
  const rampSeconds = (Date.now() - rampStart) / 1000;
  const loop = eventLoopSamples(target);
  const windowStart = Date.now();
  const during = await autocannonLoad(kms.request, seconds, connections);
  const windowEnd = Date.now();
  await loop.stop();
  const logins = await browsers.stop();
  const after = await autocannonLoad(kms.request, seconds, connections);

  const inWindow = logins.filter((item) => item.endedAt >= windowStart && item.endedAt <= windowEnd);
  const failed = logins.filter((item) => !item.ok).length;
  const alone = Math.round((before.rps + after.rps) / 2);
  const kmsRatio = round(during.rps / Math.max(1, alone), 3);
  const eventLoopP99 = round(Math.max(...loop.samples));
  const result = {
    scenario: 'logins',
    logins_per_s: round(inWindow.filter((item) => item.ok).length / ((windowEnd - windowStart) / 1000)),
    login_p99_ms: Math.round(percentile(logins.map((item) => item.ms), 0.99)),
    eventloop_p99_ms: eventLoopP99,
    kms_encrypt_alone: alone,
    kms_encrypt_during: during.rps,
    kms_ratio: kmsRatio,
    eventloop_idle_p99_ms: round(Math.max(...idle.samples)),
    load_average_1m: round(loadavg()[0] ?? Number.NaN, 2),
  };
  const rows = [
    ['kms-encrypt alone (before, after)', `${String(before.rps)}, ${String(after.rps)} req/s (p99 ${String(before.p99)}, ${String(after.p99)} ms)`],
    [`kms-encrypt during ${String(LOGIN_BROWSERS)} logins`, `${String(during.rps)} req/s (p99 ${String(during.p99)} ms, errors ${String(during.errors)})`],
    ['kms ratio', String(kmsRatio)],
    ['ramp (until every browser had posted)', `${rampSeconds.toFixed(1)} s`],
    ['logins', `${String(logins.length)} done, ${String(failed)} failed, ${String(result.logins_per_s)}/s in the window, p50 ${String(Math.round(percentile(logins.map((item) => item.ms), 0.5)))} ms, p99 ${String(result.login_p99_ms)} ms`],
    ['idp event-loop p99 per second', `worst ${String(eventLoopP99)} ms, median ${String(round(median(loop.samples)))} ms over ${String(loop.samples.length)} s`],
    ['the same, idp idle (control)', `worst ${String(result.eventloop_idle_p99_ms)} ms, median ${String(round(median(idle.samples)))} ms over ${String(idle.samples.length)} s`],
    ['machine', `${String(availableParallelism())} cores, load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}`],
  ];
  const width = Math.max(...rows.map(([name = '']) => name.length));
  for (const [name = '', value = ''] of rows) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (failed > 0 || !(eventLoopP99 < EVENT_LOOP_LIMIT_MS) || !(kmsRatio >= KMS_RATIO_LIMIT)) process.exitCode = 1;
} finally {
  await stopTarget(idp.child);
  await stopTarget(kms.child);
}
