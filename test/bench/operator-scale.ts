/**
 * `node test/bench/operator-scale.ts [N]`: kube-sim and the operator as two separate processes, then N
 * resources (default 200, half PetStore and half KmsInstance from `kind/samples/`, in a few namespaces)
 * created at once through the admin kubeconfig. Prints one JSON line and a table: seconds until all N
 * are Ready, CPU seconds of the operator and of kube-sim apart, the operator's resident memory idle,
 * at its peak and settled (no reconcile for 10 s), its CPU when settled, and the API requests the
 * operator made per reconcile.
 * `OPERATOR_CLI=dist/services/cli.js` measures a build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localCaFile } from '../../services/template/tls/trust.ts';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** What one run measured; the JSON line the command prints. */
export interface ScaleFigures {
  readonly resources: number;
  /** First create to every resource showing condition Ready=True. */
  readonly readySeconds: number;
  readonly ready: number;
  /** CPU (user + system) from the first create until all are Ready, and until settled. */
  readonly cpuSeconds: { readonly operatorToReady: number; readonly kubeSimToReady: number; readonly operatorSettled: number; readonly kubeSimSettled: number };
  /** The operator's CPU once settled, with every resource in place and nothing changing (millicores, over 5 s). */
  readonly operatorIdleMillicores: number;
  /** Resident memory of the operator in MiB: leading with nothing to do, the highest 100 ms sample, after all Ready and a quiet spell, and the kernel's high-water mark. */
  readonly operatorRssMb: { readonly idle: number; readonly peak: number; readonly settled: number; readonly highWater: number };
  readonly reconciles: number;
  readonly operatorRequests: number;
  readonly requestsPerReconcile: number;
}

export interface ScaleOptions {
  /** Resources to create; default 200. */
  readonly count?: number;
  /** Namespaces they are spread over; default 4. */
  readonly namespaces?: number;
  /** Give up waiting for Ready after this long; default 120 s. */
  readonly timeoutMs?: number;
  /** How long no reconcile may finish, after all are Ready, before the settled figures; default 10 s. */
  readonly quietMs?: number;
  /** The cryptoutil command line run as the operator; default `services/cli.ts`, or `OPERATOR_CLI`. */
  readonly cli?: string;
  /** Progress lines; default none. */
  readonly log?: (line: string) => void;
}

interface Admin {
  readonly server: string;
  readonly ca: string;
  readonly token: string;
  readonly agent: Agent;
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

const KB_PER_MB = 1024;
/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;
const SAMPLE_MS = 100;
/** How long the settled operator's CPU is sampled for its idle figure. */
const IDLE_WINDOW_MS = 5_000;
/** Creates in flight at once: enough that creation is never what the figure waits for. */
const CREATE_CONCURRENCY = 16;
const KUBE_SIM = fileURLToPath(new URL('../kube-sim/main.ts', import.meta.url));
const SAMPLES = fileURLToPath(new URL('../../kind/samples/', import.meta.url));
const DEFAULT_CLI = fileURLToPath(new URL('../../services/cli.ts', import.meta.url));
const KINDS = [
  { file: 'petstore.yaml', plural: 'petstores' },
  { file: 'kmsinstance.yaml', plural: 'kmsinstances' },
] as const;
const GROUP_PATH = '/apis/cryptoutil.io/v1alpha1';

/** utime + stime of a process, in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** VmRSS and VmHWM of a process, in KiB. */
async function memoryKb(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'mu').exec(status)?.[1] ?? 'NaN');
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

function call(admin: Admin, method: string, path: string, body?: unknown): Promise<Reply> {
  const text = body === undefined ? '' : JSON.stringify(body);
  return new Promise((done, fail) => {
    const outgoing = request(`${admin.server}${path}`, { method, ca: admin.ca, agent: admin.agent, headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => { done({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }); });
    });
    outgoing.on('error', fail);
    outgoing.end(text);
  });
}

async function expectStatus(reply: Promise<Reply>, status: number, what: string): Promise<Reply> {
  const answer = await reply;
  if (answer.status !== status) throw new Error(`${what}: HTTP ${String(answer.status)} ${answer.body.slice(0, 500)}`);
  return answer;
}

/** Children still running: stopped on a signal to the bench as well as at the end of a run. */
const live = new Set<Child>();

/** A child `node` process whose output is scanned for a line; only the tail of it is kept. */
class Child {
  readonly process: ChildProcess;
  #tail = '';
  readonly exited: Promise<void>;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    // SCALE_CPU_PROF=DIR: a V8 profile of each child in DIR, for test/bench/profile-summary.ts.
    const profile = process.env.SCALE_CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.SCALE_CPU_PROF}`];
    this.process = spawn(process.execPath, [...profile, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => { this.#tail = (this.#tail + chunk.toString()).slice(-16_384); };
    this.process.stdout?.on('data', keep);
    this.process.stderr?.on('data', keep);
    live.add(this);
    this.exited = new Promise((done) => {
      this.process.on('exit', () => {
        live.delete(this);
        done();
      });
    });
  }

  get pid(): number {
    if (this.process.pid === undefined) throw new Error('the process did not start');
    return this.process.pid;
  }

  /** The first match of `pattern` in the output; rejects when the process exits first or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.#tail);
      if (match !== null) return match;
      if (this.process.exitCode !== null || this.process.signalCode !== null) throw new Error(`exited before printing ${String(pattern)}: ${this.#tail}`);
      if (Date.now() > deadline) throw new Error(`${String(pattern)} not printed within ${String(timeoutMs)} ms: ${this.#tail}`);
      await new Promise((done) => setTimeout(done, 25));
    }
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGTERM');
    const killer = setTimeout(() => { this.process.kill('SIGKILL'); }, 10_000);
    await this.exited;
    clearTimeout(killer);
  }
}

/** The sum of every sample of a Prometheus counter in a text exposition. */
function counterSum(metrics: string, name: string): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function operatorMetrics(adminUrl: string, ca: string): Promise<string> {
  return new Promise((done, fail) => {
    const outgoing = request(`${adminUrl}/admin/v1/metrics`, { ca }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => { done(Buffer.concat(chunks).toString('utf8')); });
    });
    outgoing.on('error', fail);
    outgoing.end();
  });
}

/** Samples the operator's resident memory every 100 ms until stopped; the highest sample in KiB. */
function rssSampler(pid: number): { stop(): Promise<number> } {
  let peak = 0;
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(async () => { peak = Math.max(peak, (await memoryKb(pid)).rss); }).catch(() => undefined);
  }, SAMPLE_MS);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      return peak;
    },
  };
}

/**
 * Watches one plural across namespaces and records which resources show Ready=True. Watching, not polling, keeps the observer's own load off kube-sim.
 */
function readyWatch(admin: Admin, plural: string): { readonly readyNames: Set<string>; close(): void } {
  const readyNames = new Set<string>();
  let buffer = '';
  const outgoing = request(`${admin.server}${GROUP_PATH}/${plural}?watch=true`, { ca: admin.ca, headers: { authorization: `Bearer ${admin.token}` } }, (response) => {
    response.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const event = JSON.parse(buffer.slice(0, newline)) as { type: string; object: { metadata: { name: string; namespace: string }; status?: { conditions?: { type: string; status: string }[] } } };
        buffer = buffer.slice(newline + 1);
        const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
        const ready = event.type !== 'DELETED' && event.object.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true;
        if (ready) readyNames.add(key);
        else readyNames.delete(key);
        newline = buffer.indexOf('\n');
      }
    });
  });
  outgoing.on('error', () => undefined);
  outgoing.end();
  return { readyNames, close: () => { outgoing.destroy(); } };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what()} not within ${String(timeoutMs)} ms`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

/** Runs every task with at most `limit` in flight. */
async function pooled<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Starts kube-sim and the operator, creates the resources and measures; always stops both. */
export async function runOperatorScale(options: ScaleOptions = {}): Promise<ScaleFigures> {
  const count = options.count ?? 200;
  const namespaceCount = options.namespaces ?? 4;
  const timeoutMs = options.timeoutMs ?? Number(process.env.SCALE_TIMEOUT_MS ?? '120000');
  const quietMs = options.quietMs ?? 10_000;
  const cli = resolve(options.cli ?? process.env.OPERATOR_CLI ?? DEFAULT_CLI);
  const log = options.log ?? ((): void => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'operator-scale-'));
  const agent = new Agent({ keepAlive: true, maxSockets: CREATE_CONCURRENCY });
  const children: Child[] = [];
  const watches: ReturnType<typeof readyWatch>[] = [];
  try {
    const sim = new Child([KUBE_SIM, '--kubeconfig', join(dir, 'admin.yaml'), '--operator-kubeconfig', join(dir, 'operator.yaml'), '--request-stats']);
    children.push(sim);
    await sim.waitFor(/listening on/u);
    const config = parse(await readFile(join(dir, 'admin.yaml'), 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
    const cluster = config.clusters[0]?.cluster;
    const admin: Admin = { server: cluster?.server ?? '', ca: Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString(), token: config.users[0]?.user.token ?? '', agent };
    const namespaces = Array.from({ length: namespaceCount }, (_unused, index) => `scale-${String(index)}`);
    for (const namespace of namespaces) {
      await expectStatus(call(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }), 201, `namespace ${namespace}`);
    }
    const templates = await Promise.all(KINDS.map(async (kind) => ({ ...kind, object: parse(await readFile(join(SAMPLES, kind.file), 'utf8')) as { metadata: Record<string, unknown> } })));

    const operator = new Child([cli, 'operator', 'start', '--kubeconfig', join(dir, 'operator.yaml'), '--admin-port', '0', '--data-dir', join(dir, 'operator')], {
      ...process.env,
      // The chart's release namespace, where its Role grants the Lease.
      POD_NAMESPACE: 'cryptoutil-system',
      POD_NAME: 'scale-bench',
    });
    children.push(operator);
    const adminUrl = (await operator.waitFor(/operator started \(admin (https:\/\/\S+)\)/u))[1] ?? '';
    const operatorCa = await readFile(localCaFile(join(dir, 'operator')), 'utf8');
    const metricsOf = (): Promise<string> => operatorMetrics(adminUrl, operatorCa);
    await until(async () => counterSum(await metricsOf(), 'cryptoutil_operator_leader') === 1, 30_000, () => 'leadership');
    // Let start-up work (module loading, the first lists) finish before calling the operator idle.
    await new Promise((done) => setTimeout(done, 3_000));
    const idle = await memoryKb(operator.pid);
    log(`operator leading, idle ${String(Math.round(idle.rss / KB_PER_MB))} MiB`);

    watches.push(...KINDS.map((kind) => readyWatch(admin, kind.plural)));
    const sampler = rssSampler(operator.pid);
    const stats = async (): Promise<{ operator: number }> => JSON.parse((await expectStatus(call(admin, 'GET', '/kube-sim/v1/requests'), 200, 'request stats')).body) as { operator: number };
    const start = { operatorCpu: await cpuSeconds(operator.pid), simCpu: await cpuSeconds(sim.pid), requests: (await stats()).operator, reconciles: counterSum(await metricsOf(), 'cryptoutil_operator_reconcile_total') };
    const wanted = Array.from({ length: count }, (_unused, index) => {
      const template = templates[index % templates.length] ?? templates[0];
      const namespace = namespaces[index % namespaces.length] ?? 'default';
      const name = `scale-${String(index)}`;
      return { plural: template?.plural ?? '', namespace, object: { ...template?.object, metadata: { ...template?.object.metadata, name, namespace } } };
    });
    const started = performance.now();
    await pooled(wanted, CREATE_CONCURRENCY, (item) => expectStatus(call(admin, 'POST', `${GROUP_PATH}/namespaces/${item.namespace}/${item.plural}`, item.object), 201, `create ${item.namespace}/${item.object.metadata.name}`));
    log(`created ${String(count)} in ${String(Math.round(performance.now() - started))} ms`);
    const readyCount = (): number => watches.reduce((sum, watch) => sum + watch.readyNames.size, 0);
    const progress = setInterval(() => {
      void Promise.all([metricsOf(), cpuSeconds(operator.pid), cpuSeconds(sim.pid)]).then(([metrics, operatorCpu, simCpu]) => {
        log(`${((performance.now() - started) / 1000).toFixed(0)} s: ${String(readyCount())} Ready, ${String(counterSum(metrics, 'cryptoutil_operator_reconcile_total') - start.reconciles)} reconciles, queue ${String(counterSum(metrics, 'cryptoutil_operator_queue_depth'))}, CPU s operator ${(operatorCpu - start.operatorCpu).toFixed(1)} kube-sim ${(simCpu - start.simCpu).toFixed(1)}`);
      }, () => undefined);
    }, 5_000);
    try {
      await until(() => readyCount() >= count, timeoutMs, () => `${String(count)} resources Ready (${String(readyCount())} were)`);
    } finally {
      clearInterval(progress);
    }
    const readySeconds = (performance.now() - started) / 1000;
    const atReady = { operatorCpu: await cpuSeconds(operator.pid), simCpu: await cpuSeconds(sim.pid) };
    log(`all Ready after ${readySeconds.toFixed(1)} s; waiting for ${String(quietMs)} ms without a reconcile`);
    // Settled: no reconcile finished for a quiet spell (Ready comes before the last reconciles).
    let lastCount = -1;
    let lastChange = Date.now();
    await until(async () => {
      const reconciled = counterSum(await metricsOf(), 'cryptoutil_operator_reconcile_total');
      if (reconciled !== lastCount) {
        lastCount = reconciled;
        lastChange = Date.now();
      }
      await new Promise((done) => setTimeout(done, 250));
      return Date.now() - lastChange >= quietMs;
    }, timeoutMs, () => 'a quiet spell');
    const peakKb = await sampler.stop();
    const settled = await memoryKb(operator.pid);
    const end = { operatorCpu: await cpuSeconds(operator.pid), simCpu: await cpuSeconds(sim.pid), requests: (await stats()).operator, reconciles: counterSum(await metricsOf(), 'cryptoutil_operator_reconcile_total') };
    // What the operator burns with N resources and nothing changing: Lease renewals, bookmarks, resyncs.
    await new Promise((done) => setTimeout(done, IDLE_WINDOW_MS));
    const idleMillicores = Math.round(((await cpuSeconds(operator.pid)) - end.operatorCpu) / (IDLE_WINDOW_MS / 1000) * 1000);
    const reconciles = end.reconciles - start.reconciles;
    const operatorRequests = end.requests - start.requests;
    return {
      resources: count,
      readySeconds: round(readySeconds),
      ready: readyCount(),
      cpuSeconds: {
        operatorToReady: round(atReady.operatorCpu - start.operatorCpu),
        kubeSimToReady: round(atReady.simCpu - start.simCpu),
        operatorSettled: round(end.operatorCpu - start.operatorCpu),
        kubeSimSettled: round(end.simCpu - start.simCpu),
      },
      operatorIdleMillicores: idleMillicores,
      operatorRssMb: { idle: round(idle.rss / KB_PER_MB, 0), peak: round(Math.max(peakKb, settled.rss) / KB_PER_MB, 0), settled: round(settled.rss / KB_PER_MB, 0), highWater: round(settled.hwm / KB_PER_MB, 0) },
      reconciles,
      operatorRequests,
      requestsPerReconcile: reconciles === 0 ? 0 : round(operatorRequests / reconciles),
    };
  } finally {
    for (const watch of watches) watch.close();
    agent.destroy();
    await Promise.all(children.reverse().map((child) => child.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}

/** The figures as a two-column table for a terminal. */
export function figuresTable(figures: ScaleFigures): string {
  const rows: [string, string][] = [
    ['resources Ready', `${String(figures.ready)} / ${String(figures.resources)}`],
    ['ready_s (first create to all Ready)', figures.readySeconds.toFixed(2)],
    ['CPU s to Ready: operator / kube-sim', `${figures.cpuSeconds.operatorToReady.toFixed(2)} / ${figures.cpuSeconds.kubeSimToReady.toFixed(2)}`],
    ['CPU s to settled: operator / kube-sim', `${figures.cpuSeconds.operatorSettled.toFixed(2)} / ${figures.cpuSeconds.kubeSimSettled.toFixed(2)}`],
    ['operator CPU settled, millicores', String(figures.operatorIdleMillicores)],
    ['operator RSS MiB idle / peak / settled', `${String(figures.operatorRssMb.idle)} / ${String(figures.operatorRssMb.peak)} / ${String(figures.operatorRssMb.settled)}`],
    ['operator VmHWM MiB', String(figures.operatorRssMb.highWater)],
    ['reconciles / operator API requests', `${String(figures.reconciles)} / ${String(figures.operatorRequests)}`],
    ['API requests per reconcile', figures.requestsPerReconcile.toFixed(2)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const interrupted = (): void => {
    for (const child of live) child.process.kill('SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const figures = await runOperatorScale({ count: Number(process.argv[2] ?? '200'), log: (line) => { process.stderr.write(`${line}\n`); } });
  process.stdout.write(`${JSON.stringify(figures)}\n${figuresTable(figures)}\n`);
}
