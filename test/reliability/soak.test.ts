/**
 * Soak (issue 20, point 5): every service at once, each in its own process with its production
 * pipeline (the benchmark targets of test/bench/targets.ts: learn-ps reads, sm-kms encryption and
 * signing, jose-ja JWT issuance, pki-ca issuance, identity-authz tokens, identity-rp's BFF proxying a
 * signed-in browser session's read to learn-ps), each driven at a fixed
 * rate for RELIABILITY_SOAK_S seconds (default 120; 600 for the ten-minute run) in slices of 5 s,
 * after a 60 s warm-up at the same rates (the heap of a service grows to its working size in
 * about a minute of traffic; what is held to the figures is what follows). Each service's rate is
 * its capacity measured alone, halved, and shared by the services that run together, so the
 * machine as a whole runs at about half its capacity. Holds: no error; the last minute's p99
 * within 1.5× the first minute's (each minute's p99 is the median of its twelve slices' p99, so
 * the few slices that a collection or the scheduler spiked do not decide it, and
 * differences under 5 ms are below what a 2-core machine's scheduling and GC can promise). The
 * machine is measured beside them: a bare Koa HTTPS app (the benchmark's baseline) at the rate of
 * the busiest service. When its own p99 rose from the first minute to the last, the machine slowed
 * (another job, reclaim, a slice of bad luck on two cores), and each service is allowed that much
 * more: 1.5× its first minute times the machine's rise (at most 2), never less than 1.5×. The
 * last minute's peak resident memory under 1.1× the first minute's, and its peak of open file
 * descriptors no higher (sampled every second: RSS rises and falls with each major collection, so
 * a leak shows as peaks that keep rising).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { expect } from 'chai';
import type { BenchRequest } from '../bench/targets.ts';

const SOAK_SECONDS = Number(process.env.RELIABILITY_SOAK_S ?? '120');
const SLICE_SECONDS = 5;
const SCENARIOS = ['learn-ps-read', 'kms-encrypt', 'kms-sign', 'ja-jwt-issue', 'pki-issue', 'authz-token', 'rp-bff'] as const;
const WARM_UP_SLICES = 60 / SLICE_SECONDS;
/** The bare Koa app that measures the machine itself. */
const CONTROL = 'baseline';
const SLICES_PER_MINUTE = 60 / SLICE_SECONDS;
const targetScript = fileURLToPath(new URL('../bench/target.ts', import.meta.url));

interface Target {
  readonly name: string;
  readonly child: ChildProcess;
  readonly request: BenchRequest;
}

interface Load {
  readonly rps: number;
  readonly p99: number;
  readonly errors: number;
}

interface Slice extends Load {
  /** The highest resident memory (KiB) and open descriptors sampled during the slice. */
  readonly rssKb: number;
  readonly fds: number;
}

/** The middle value, or the mean of the two middle ones. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[half] ?? 0 : ((sorted[half - 1] ?? 0) + (sorted[half] ?? 0)) / 2;
}

async function startTarget(name: string): Promise<Target> {
  const child = spawn(process.execPath, [targetScript, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const request = await new Promise<BenchRequest>((resolve, reject) => {
    child.once('exit', (code) => { reject(new Error(`${name} exited with ${String(code)} before it was ready`)); });
    lines.once('line', (line) => { resolve(JSON.parse(line) as BenchRequest); });
  });
  return { name, child, request };
}

async function load(target: Target, seconds: number, connections: number, rate?: number): Promise<Load> {
  const result = await autocannon({
    url: target.request.url,
    method: target.request.method,
    headers: target.request.headers,
    ...(target.request.body === undefined ? {} : { body: target.request.body }),
    connections,
    duration: seconds,
    // Each load in its own thread: seven clients on one event loop would share its pauses (one
    // collection of the test's heap shows as a spike in every service's p99 at once).
    workers: 1,
    ...(rate === undefined ? {} : { overallRate: rate }),
  });
  return { rps: Math.round(result.requests.average), p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx };
}

/** Resident memory in KiB and open file descriptors of a process. */
async function usage(pid: number): Promise<{ rssKb: number; fds: number }> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  return { rssKb: Number(/^VmRSS:\s+(\d+) kB$/mu.exec(status)?.[1] ?? '0'), fds: (await readdir(`/proc/${String(pid)}/fd`)).length };
}

describe('soak: every service at about half the machine\'s capacity', function () {
  this.timeout((SOAK_SECONDS + 240) * 1000);
  const targets: Target[] = [];

  after(async () => {
    for (const target of targets) target.child.kill('SIGTERM');
    await Promise.all(targets.map((target) => new Promise((resolve) => { if (target.child.exitCode === null) target.child.once('exit', resolve); else resolve(undefined); })));
  });

  it(`holds for ${String(SOAK_SECONDS)} s: no error, p99 stable, memory and descriptors flat`, async () => {
    for (const name of SCENARIOS) targets.push(await startTarget(name));
    // Capacity of each alone, then each at its share of half of it, all together.
    const rates = new Map<string, number>();
    for (const target of targets) rates.set(target.name, Math.max(1, Math.round((await load(target, 3, 16)).rps / 2 / SCENARIOS.length)));
    targets.push(await startTarget(CONTROL));
    rates.set(CONTROL, Math.max(...rates.values()));
    const slices = Math.max(2, Math.round(SOAK_SECONDS / SLICE_SECONDS));
    const history = new Map<string, Slice[]>(targets.map((target) => [target.name, []]));
    for (let slice = -WARM_UP_SLICES; slice < slices; slice += 1) {
      // Memory and descriptors every second: a slice keeps its highest (RSS rises and falls with each
      // major collection, so only peaks that keep rising mean a leak).
      const peaks = targets.map(() => ({ rssKb: 0, fds: 0 }));
      const sampler = setInterval(() => {
        targets.forEach((target, index) => {
          void usage(Number(target.child.pid)).then((now) => {
            const peak = peaks[index];
            if (peak !== undefined) {
              peak.rssKb = Math.max(peak.rssKb, now.rssKb);
              peak.fds = Math.max(peak.fds, now.fds);
            }
          }, () => undefined);
        });
      }, 1_000);
      const measured = await Promise.all(targets.map((target) => load(target, SLICE_SECONDS, 4, rates.get(target.name))));
      clearInterval(sampler);
      // The warm-up slices grow caches, JIT code, pools and the heap; only what follows is held to the figures.
      if (slice < 0) continue;
      measured.forEach((result, index) => history.get(targets[index]?.name ?? '')?.push({ ...result, ...(peaks[index] ?? { rssKb: 0, fds: 0 }) }));
    }
    const rows: string[] = [];
    const findings: string[] = [];
    const minuteP99 = (runs: readonly Slice[], which: 'first' | 'last'): number => median((which === 'first' ? runs.slice(0, SLICES_PER_MINUTE) : runs.slice(-SLICES_PER_MINUTE)).map((run) => run.p99));
    const machine = history.get(CONTROL) ?? [];
    // A machine that slowed more than twice over is too disturbed to judge by: the allowance stops at 3×.
    const machineRise = Math.min(2, Math.max(1, minuteP99(machine, 'last') / minuteP99(machine, 'first')));
    rows.push(`    ${'machine'.padEnd(14)} ${String(rates.get(CONTROL)).padStart(5)}/s  bare Koa p99 first minute ${String(minuteP99(machine, 'first'))} ms, last ${String(minuteP99(machine, 'last'))} ms: each service may rise to ${(1.5 * machineRise).toFixed(2)}× its first minute\n${' '.repeat(26)}p99 per slice ${machine.map((run) => String(run.p99)).join(' ')} ms`);
    for (const target of targets.filter((each) => each.name !== CONTROL)) {
      const runs = history.get(target.name) ?? [];
      const first = { p99: minuteP99(runs, 'first') };
      const last = { p99: minuteP99(runs, 'last') };
      const window = (part: readonly Slice[]): { rssKb: number; fds: number } => ({ rssKb: Math.max(...part.map((run) => run.rssKb)), fds: Math.max(...part.map((run) => run.fds)) });
      const start = window(runs.slice(0, SLICES_PER_MINUTE));
      const end = window(runs.slice(-SLICES_PER_MINUTE));
      const errors = runs.reduce((sum, run) => sum + run.errors, 0);
      const growth = (end.rssKb - start.rssKb) / start.rssKb;
      rows.push(`    ${target.name.padEnd(14)} ${String(rates.get(target.name)).padStart(5)}/s  p99 first minute ${String(first.p99)} ms, last ${String(last.p99)} ms  errors ${String(errors)}  peak RSS ${String(Math.round(start.rssKb / 1024))} → ${String(Math.round(end.rssKb / 1024))} MiB (${(growth * 100).toFixed(1)} %)  peak fds ${String(start.fds)} → ${String(end.fds)}\n${' '.repeat(26)}p99 per slice ${runs.map((run) => String(run.p99)).join(' ')} ms`);
      if (errors > 0) findings.push(`${target.name}: ${String(errors)} errors`);
      if (last.p99 > Math.max(first.p99 * 1.5 * machineRise, first.p99 + 5)) findings.push(`${target.name}: p99 went from ${String(first.p99)} to ${String(last.p99)} ms`);
      if (growth >= 0.1) findings.push(`${target.name}: resident memory grew ${(growth * 100).toFixed(1)} %`);
      if (end.fds > start.fds) findings.push(`${target.name}: open descriptors grew from ${String(start.fds)} to ${String(end.fds)}`);
    }
    console.log(`\n  soak: ${String(slices * SLICE_SECONDS)} s after a ${String(WARM_UP_SLICES * SLICE_SECONDS)} s warm-up, all services at once\n${rows.join('\n')}`);
    expect(findings).to.deep.equal([]);
  });
});
