/**
 * `npm run bench:footprint`: start-up time and idle resident memory of real `cryptoutil` processes
 * (issue 19, point 5). Each target is started FOOTPRINT_RUNS times (default 3) in a fresh data
 * directory on free ports: learn-ps, sm-kms and identity-authz standalone on SQLite (ready when
 * `GET /admin/v1/readyz` answers 200), and `cryptoutil up` (ready when it prints "Press Ctrl-C to
 * stop."). After FOOTPRINT_IDLE_SECONDS (default 10) of idling, VmRSS and VmHWM are read from
 * `/proc/<pid>/status`. Prints a table of medians, then one JSON line. `FOOTPRINT_CLI` chooses the
 * entry point (default: `dist/services/cli.js` when built, else `services/cli.ts`);
 * `FOOTPRINT_NODE_OPTIONS` adds Node flags to the measured processes; `FOOTPRINT_TARGETS` keeps
 * some targets (comma-separated).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { freePortOffset } from '../../services/template/testing/ports.ts';
import { newUnsealShares } from '../../services/template/barrier/index.ts';
import { services } from '../../services/registry.ts';
import { builtCli, serviceFiles, sourceCli, type ServiceFiles } from '../e2e/processes.ts';

interface Sample {
  readonly readyMs: number;
  readonly rssMb: number;
  readonly peakMb: number;
}

interface Figures extends Sample {
  readonly target: string;
  readonly runs: number;
}

/** How to start one target and tell when it is ready. */
interface Launch {
  readonly args: readonly string[];
  readonly dataDir: string;
  /** Resolves once the process is ready; `output` is its stdout so far. */
  ready(output: () => string, exited: () => boolean): Promise<void>;
}

const KB_PER_MB = 1024;
const runs = Number(process.env.FOOTPRINT_RUNS ?? '3');
const idleSeconds = Number(process.env.FOOTPRINT_IDLE_SECONDS ?? '10');
const cli = resolve(process.env.FOOTPRINT_CLI ?? (existsSync(builtCli) ? builtCli : sourceCli));
const nodeOptions = (process.env.FOOTPRINT_NODE_OPTIONS ?? '').split(' ').filter((flag) => flag !== '');
const READY_TIMEOUT_MS = 60_000;
const POLL_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((done) => { setTimeout(done, ms); });

/** Median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] ?? 0 : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** One `VmXxx:  N kB` line of `/proc/<pid>/status`, in MiB. */
async function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (match?.[1] === undefined) throw new Error(`no ${field} for process ${String(pid)}`);
  return Math.round(Number(match[1]) / KB_PER_MB);
}

/** Polls until `ok` holds, the process has exited or time runs out. */
async function until(ok: () => Promise<boolean> | boolean, exited: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!await ok()) {
    if (exited()) throw new Error(`the process exited before ${what}`);
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${String(READY_TIMEOUT_MS)} ms`);
    await sleep(POLL_MS);
  }
}

/** Ready when readyz answers 200; the CA exists once the service has created its TLS material. */
function readyzAnswers(files: ServiceFiles): Launch['ready'] {
  return async (_output, exited) => {
    await until(async () => {
      try {
        return (await httpsCall(files.ca(), 'GET', `https://127.0.0.1:${String(files.adminPort)}/admin/v1/readyz`)).status === 200;
      } catch {
        return false;
      }
    }, exited, 'readyz 200');
  };
}

/** What a service refuses to start without besides the template's keys (identity-rp's client, identity-spa's identity-rp). */
const OWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  'identity-rp': [`rp: { clientId: footprint, clientSecret: "${randomBytes(32).toString('base64url')}" }`],
  'identity-spa': ['spa: { rpUrl: "https://127.0.0.1:1" }'],
};

/** A standalone service on SQLite trusting the bench's issuer; barrier and hash secrets in its file. */
async function standalone(name: string, issuer: TestIssuer): Promise<Launch> {
  const definition = services.find((service) => service.name === name);
  if (definition === undefined) throw new Error(`no service ${name}`);
  const extra = [
    ...(definition.barrier === true ? [`barrier: { shares: ${JSON.stringify(await newUnsealShares(3, 2))}, threshold: 2 }`] : []),
    ...(definition.hash === true ? [`hash: { pepper: "${randomBytes(32).toString('base64url')}" }`] : []),
    ...(OWN_KEYS[name] ?? []),
  ];
  const files = await serviceFiles(name, {
    issuerCa: issuer.ca,
    ...(definition.issuesTokens === true ? { ownIssuer: true } : { issuerUrl: issuer.url }),
    extra: () => extra,
  });
  return { args: [name, 'start', '--config', files.configFile], dataDir: files.dir, ready: readyzAnswers(files) };
}

/** The whole suite on an offset where every port is free. */
async function up(): Promise<Launch> {
  const dataDir = await mkdtemp(join(tmpdir(), 'footprint-up-'));
  const offset = await freePortOffset(services.flatMap((service) => [service.publicPort, service.upAdminPort]));
  return {
    args: ['up', '--data-dir', dataDir, '--port-offset', String(offset)],
    dataDir,
    ready: (output, exited) => until(() => output().includes('Press Ctrl-C to stop.'), exited, '"Press Ctrl-C to stop."'),
  };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<boolean>((done) => child.once('exit', () => { done(true); }));
  child.kill('SIGTERM');
  if (!await Promise.race([exited, sleep(15_000).then(() => false)])) child.kill('SIGKILL');
}

/** Spawn to ready, then idle, then the memory figures; the process is stopped and its directory removed. */
async function sample(launch: Launch): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeOptions, cli, ...launch.args], { stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  try {
    await launch.ready(() => out, exited).catch((error: unknown) => {
      throw new Error(`${launch.args.join(' ')}: ${(error as Error).message}\n${err}${out}`);
    });
    const readyMs = Math.round(performance.now() - started);
    await sleep(idleSeconds * 1000);
    const pid = child.pid ?? 0;
    return { readyMs, rssMb: await statusMb(pid, 'VmRSS'), peakMb: await statusMb(pid, 'VmHWM') };
  } finally {
    await stop(child);
    await rm(launch.dataDir, { recursive: true, force: true });
  }
}

async function measure(target: string, make: () => Promise<Launch>): Promise<Figures> {
  const samples: Sample[] = [];
  // One at a time: the figures are of one process on an otherwise quiet machine.
  for (let index = 0; index < runs; index += 1) samples.push(await sample(await make()));
  return {
    target,
    runs,
    readyMs: median(samples.map((one) => one.readyMs)),
    rssMb: median(samples.map((one) => one.rssMb)),
    peakMb: median(samples.map((one) => one.peakMb)),
  };
}

const issuer = await createTestIssuer();
const targets: readonly [string, () => Promise<Launch>][] = [
  ...services.map((service): [string, () => Promise<Launch>] => [service.name, () => standalone(service.name, issuer)]),
  ['up', up],
];
const wanted = (process.env.FOOTPRINT_TARGETS ?? '').split(',').filter((name) => name !== '');
const results: Figures[] = [];
try {
  for (const [target, make] of targets) {
    if (wanted.length === 0 || wanted.includes(target)) results.push(await measure(target, make));
  }
} finally {
  await issuer.close();
}
process.stdout.write(`${'target'.padEnd(16)}${'ready ms'.padStart(10)}${'idle RSS MiB'.padStart(14)}${'peak RSS MiB'.padStart(14)}\n`);
for (const row of results) {
  process.stdout.write(`${row.target.padEnd(16)}${String(row.readyMs).padStart(10)}${String(row.rssMb).padStart(14)}${String(row.peakMb).padStart(14)}\n`);
}
process.stdout.write(`${JSON.stringify({ cli, nodeOptions, runs, idleSeconds, results })}\n`);
