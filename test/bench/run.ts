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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { scenarioNames, type BenchRequest } from './targets.ts';

interface Measurement {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** The server's CPU microseconds per request; undefined where /proc cannot tell. */
  readonly cpuUs?: number;
}

const targetScript = fileURLToPath(new URL('./target.ts', import.meta.url));
const slices = Number(process.env.BENCH_SLICES ?? '6');
const sliceSeconds = Number(process.env.BENCH_SLICE_SECONDS ?? '3');
const warmupSeconds = Number(process.env.BENCH_WARMUP ?? '2');
const connections = Number(process.env.BENCH_CONNECTIONS ?? '32');
const profileDir = process.env.BENCH_PROFILE ?? '';

/** Starts `target.ts <name>` and waits for the one JSON line that describes the request to send. */
async function startTarget(name: string, nodeOptions: readonly string[]): Promise<{ child: ChildProcess; request: BenchRequest }> {
  const child = spawn(process.execPath, [...nodeOptions, targetScript, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const request = await new Promise<BenchRequest>((resolve, reject) => {
    child.once('exit', (code) => { reject(new Error(`bench target ${name} exited with ${String(code)} before it was ready`)); });
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as BenchRequest);
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`bench target ${name} printed something else before its request: ${line}`));
      }
    });
  });
  return { child, request };
}

async function stopTarget(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux). */
const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU seconds of a process so far, from /proc/<pid>/stat; undefined elsewhere. */
async function cpuSeconds(child: ChildProcess): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${String(child.pid)}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

async function load(request: BenchRequest, seconds: number, server?: ChildProcess): Promise<Measurement> {
  const cpuBefore = server === undefined ? undefined : await cpuSeconds(server);
  const result = await autocannon({
    url: request.url,
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    connections,
    duration: seconds,
  });
  const cpuAfter = server === undefined ? undefined : await cpuSeconds(server);
  const cpuUs = cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
    ? undefined
    : ((cpuAfter - cpuBefore) * 1e6) / result.requests.total;
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    ...(cpuUs === undefined ? {} : { cpuUs }),
  };
}

/** Resident memory of a child process in MiB, from /proc (Linux); undefined elsewhere. */
async function residentMiB(child: ChildProcess): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${String(child.pid)}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/mu.exec(status)?.[1];
    return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] ?? 0 : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Medians over the slices, errors summed. */
function summary(measurements: readonly Measurement[]): Measurement {
  const cpu = measurements.flatMap((item) => (item.cpuUs === undefined ? [] : [item.cpuUs]));
  return {
    rps: Math.round(median(measurements.map((item) => item.rps))),
    p50: median(measurements.map((item) => item.p50)),
    p99: median(measurements.map((item) => item.p99)),
    errors: measurements.reduce((sum, item) => sum + item.errors, 0),
    ...(cpu.length === measurements.length ? { cpuUs: median(cpu) } : {}),
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
  const cpuLine = (item: Measurement): string => (item.cpuUs === undefined ? '' : `, ${item.cpuUs.toFixed(1)} µs CPU per request`);
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
    ...(baseline.cpuUs === undefined ? {} : { baseline_cpu_us: round(baseline.cpuUs) }),
    ...(cpuRatio === undefined ? {} : { cpu_ratio: cpuRatio }),
  })}\n`);
} finally {
  await stopTarget(target.child);
  await stopTarget(base.child);
}
