/**
 * What every benchmark runner does with its targets: start one in a child process (target.ts), so
 * the load generator never shares an event loop with the server, read the JSON line that says what
 * to send, load it with autocannon, and stop it. Shared by run.ts and logins.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { BenchRequest } from './targets.ts';

export interface Measurement {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** The server's CPU microseconds per request; undefined where /proc cannot tell. */
  readonly cpuUs?: number;
  /** The part of `cpuUs` spent in the kernel (socket writes and reads, wake-ups, TLS records' system calls). */
  readonly systemUs?: number;
}

const targetScript = fileURLToPath(new URL('./target.ts', import.meta.url));

/** Starts `target.ts <name>` and waits for the one JSON line that describes the request to send. */
export async function startTarget(name: string, nodeOptions: readonly string[] = []): Promise<{ child: ChildProcess; request: BenchRequest }> {
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

export async function stopTarget(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux). */
const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User and system CPU seconds of a process so far, from /proc/<pid>/stat; undefined elsewhere. */
async function cpuSeconds(child: ChildProcess): Promise<{ user: number; system: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${String(child.pid)}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / ticksPerSecond, system: Number(fields[12]) / ticksPerSecond };
  } catch {
    return undefined;
  }
}

/**
 * `seconds` of `request` over `connections` connections: mean req/s, latency p50/p99, every kind of
 * error, and with `server` the CPU it spent per request.
 */
export async function autocannonLoad(request: BenchRequest, seconds: number, connections: number, server?: ChildProcess): Promise<Measurement> {
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
  const perRequest = (seconds: number): number => (seconds * 1e6) / result.requests.total;
  const cpu = cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
    ? {}
    : {
        cpuUs: perRequest(cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system),
        systemUs: perRequest(cpuAfter.system - cpuBefore.system),
      };
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    ...cpu,
  };
}

/** Resident memory of a child process in MiB, from /proc (Linux); undefined elsewhere. */
export async function residentMiB(child: ChildProcess): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${String(child.pid)}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/mu.exec(status)?.[1];
    return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] ?? 0 : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
