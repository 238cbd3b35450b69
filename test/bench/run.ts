/**
 * `npm run bench -- <scenario>`: the same autocannon load against a bare Koa HTTPS app (the
 * baseline) and against the scenario's service, each served by its own child process so that the
 * load generator never shares an event loop with the server. Both run for the whole measurement
 * and take turns in short slices (BENCH_SLICES × BENCH_SLICE_SECONDS, default 6 × 3 s each), so both
 * see the same machine; the ratio is the median of the per-slice ratios, with its spread. The last
 * line is one JSON object (DESIGN "Contract for checks").
 * Each slice also reads the server's CPU time (user + system, all threads) from /proc (Linux), so
 * `cpu_us` is the server's CPU microseconds per request and `cpu_ratio` the baseline's over the
 * scenario's: on a machine shared with other work, where req/s follows the neighbours' load, the
 * CPU a request costs moves far less.
 * `BENCH_PROFILE=<dir>` also writes a V8 CPU profile of the scenario's server into dir
 * (docs/performance.md explains how to read it).
 */
import type { ChildProcess } from 'node:child_process';
import { autocannonLoad, median, residentMiB, startTarget, stopTarget, type Measurement } from './children.ts';
import { scenarioNames, type BenchRequest } from './targets.ts';

const slices = Number(process.env.BENCH_SLICES ?? '6');
const sliceSeconds = Number(process.env.BENCH_SLICE_SECONDS ?? '3');
const warmupSeconds = Number(process.env.BENCH_WARMUP ?? '2');
const connections = Number(process.env.BENCH_CONNECTIONS ?? '32');
const profileDir = process.env.BENCH_PROFILE ?? '';

function load(request: BenchRequest, seconds: number, server?: ChildProcess): Promise<Measurement> {
  return autocannonLoad(request, seconds, connections, server);
}

/** Medians over the slices, errors summed. */
function summary(measurements: readonly Measurement[]): Measurement {
  const cpu = measurements.flatMap((item) => (item.cpuUs === undefined ? [] : [item.cpuUs]));
  const system = measurements.flatMap((item) => (item.systemUs === undefined ? [] : [item.systemUs]));
  return {
    rps: Math.round(median(measurements.map((item) => item.rps))),
    p50: median(measurements.map((item) => item.p50)),
    p99: median(measurements.map((item) => item.p99)),
    errors: measurements.reduce((sum, item) => sum + item.errors, 0),
    ...(cpu.length === measurements.length ? { cpuUs: median(cpu) } : {}),
    ...(system.length === measurements.length ? { systemUs: median(system) } : {}),
  };
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

const scenario = process.argv[2];
if (scenario === undefined || !scenarioNames.includes(scenario) || scenario === 'baseline') {
  process.stderr.write(`usage: npm run bench -- <scenario>; scenarios: ${scenarioNames.filter((name) => name !== 'baseline').join(', ')}\n`);
  process.exit(2);
}
const base = await startTarget('baseline', []);
// The profile is written when the child exits after SIGTERM; it covers start-up, warm-up and the run.
const target = await startTarget(scenario, profileDir === '' ? [] : ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${profileDir}`])
  .catch(async (error: unknown) => {
    await stopTarget(base.child);
    throw error;
  });
try {
  if (warmupSeconds > 0) {
    await load(base.request, warmupSeconds);
    await load(target.request, warmupSeconds);
  }
  const baselineSlices: Measurement[] = [];
  const scenarioSlices: Measurement[] = [];
  for (let slice = 0; slice < slices; slice += 1) {
    baselineSlices.push(await load(base.request, sliceSeconds, base.child));
    scenarioSlices.push(await load(target.request, sliceSeconds, target.child));
  }
  const ratios = scenarioSlices.map((item, index) => item.rps / Math.max(1, baselineSlices[index]?.rps ?? 1));
  const baseline = summary(baselineSlices);
  const measured = summary(scenarioSlices);
  const rssMiB = await residentMiB(target.child);
  const ratio = round(median(ratios));
  const cpuRatio = baseline.cpuUs === undefined || measured.cpuUs === undefined ? undefined : round(baseline.cpuUs / measured.cpuUs);
  const cpuLine = (item: Measurement): string => (item.cpuUs === undefined
    ? ''
    : `, ${item.cpuUs.toFixed(1)} µs CPU per request (${(item.systemUs ?? 0).toFixed(1)} in the kernel)`);
  process.stdout.write(`baseline (bare Koa HTTPS): ${String(baseline.rps)} req/s, p50 ${String(baseline.p50)} ms, p99 ${String(baseline.p99)} ms, errors ${String(baseline.errors)}${cpuLine(baseline)}\n`);
  process.stdout.write(`${scenario}: ${String(measured.rps)} req/s, p50 ${String(measured.p50)} ms, p99 ${String(measured.p99)} ms, errors ${String(measured.errors)}, resident ${String(rssMiB ?? '?')} MiB${cpuLine(measured)}\n`);
  process.stdout.write(`ratio ${String(ratio)} (median of ${String(slices)} interleaved ${String(sliceSeconds)} s slices; ${ratios.map((value) => value.toFixed(3)).join(' ')})\n`);
  if (cpuRatio !== undefined) process.stdout.write(`cpu ratio ${String(cpuRatio)} (baseline's CPU per request over the scenario's, medians of the slices)\n`);
  process.stdout.write(`${JSON.stringify({
    scenario,
    rps: measured.rps,
    p50_ms: measured.p50,
    p99_ms: measured.p99,
    errors: measured.errors,
    baseline_rps: baseline.rps,
    ratio,
    ratio_min: round(Math.min(...ratios)),
    ratio_max: round(Math.max(...ratios)),
    ...(rssMiB === undefined ? {} : { rss_mib: rssMiB }),
    ...(measured.cpuUs === undefined ? {} : { cpu_us: round(measured.cpuUs) }),
    ...(measured.systemUs === undefined ? {} : { system_us: round(measured.systemUs) }),
    ...(baseline.cpuUs === undefined ? {} : { baseline_cpu_us: round(baseline.cpuUs) }),
    ...(baseline.systemUs === undefined ? {} : { baseline_system_us: round(baseline.systemUs) }),
    ...(cpuRatio === undefined ? {} : { cpu_ratio: cpuRatio }),
  })}\n`);
} finally {
  await stopTarget(target.child);
  await stopTarget(base.child);
}
