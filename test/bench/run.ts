/**
 * `npm run bench -- <scenario>`: the same autocannon load against a bare Koa HTTPS app (the
 * baseline) and against the scenario's service, each served by its own child process so that the
 * load generator never shares an event loop with the server. The last line is one JSON object.
 * `BENCH_PROFILE=<dir>` also writes a V8 CPU profile of the scenario's server into dir
 * (docs/performance.md explains how to read it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { scenarioNames, type BenchRequest } from './targets.ts';

interface Measurement {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

const targetScript = fileURLToPath(new URL('./target.ts', import.meta.url));
const durationSeconds = Number(process.env.BENCH_DURATION ?? '10');
const warmupSeconds = Number(process.env.BENCH_WARMUP ?? '2');
const connections = Number(process.env.BENCH_CONNECTIONS ?? '32');
const profileDir = process.env.BENCH_PROFILE ?? '';

/** Starts `target.ts <name>` and waits for the one JSON line that describes the request to send. */
async function startTarget(name: string, nodeOptions: readonly string[]): Promise<{ child: ChildProcess; request: BenchRequest }> {
  const child = spawn(process.execPath, [...nodeOptions, targetScript, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const request = await new Promise<BenchRequest>((resolve, reject) => {
    child.once('exit', (code) => { reject(new Error(`bench target ${name} exited with ${String(code)} before it was ready`)); });
    lines.once('line', (line) => { resolve(JSON.parse(line) as BenchRequest); });
  });
  return { child, request };
}

async function stopTarget(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function load(request: BenchRequest, seconds: number): Promise<Measurement> {
  const result = await autocannon({
    url: request.url,
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    connections,
    duration: seconds,
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function measure(name: string, nodeOptions: readonly string[] = []): Promise<Measurement> {
  const { child, request } = await startTarget(name, nodeOptions);
  try {
    if (warmupSeconds > 0) await load(request, warmupSeconds);
    return await load(request, durationSeconds);
  } finally {
    await stopTarget(child);
  }
}

const scenario = process.argv[2];
if (scenario === undefined || !scenarioNames.includes(scenario) || scenario === 'baseline') {
  process.stderr.write(`usage: npm run bench -- <scenario>; scenarios: ${scenarioNames.filter((name) => name !== 'baseline').join(', ')}\n`);
  process.exit(2);
}
const baseline = await measure('baseline');
process.stdout.write(`baseline (bare Koa HTTPS): ${baseline.rps} req/s, p50 ${baseline.p50} ms, p99 ${baseline.p99} ms, errors ${baseline.errors}\n`);
// The profile is written when the child exits after SIGTERM; it covers start-up, warm-up and the run.
const measured = await measure(scenario, profileDir === '' ? [] : ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${profileDir}`]);
process.stdout.write(`${scenario}: ${measured.rps} req/s, p50 ${measured.p50} ms, p99 ${measured.p99} ms, errors ${measured.errors}, ratio ${(measured.rps / baseline.rps).toFixed(2)}\n`);
process.stdout.write(`${JSON.stringify({ scenario, rps: measured.rps, p50_ms: measured.p50, p99_ms: measured.p99, errors: measured.errors, baseline_rps: baseline.rps })}\n`);
