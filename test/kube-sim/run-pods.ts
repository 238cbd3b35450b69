/**
 * `--run-pods`: the part of a kubelet that kube-sim can play on one machine without a container
 * engine. For each desired replica of a Deployment running the cryptoutil image it starts the real
 * `cryptoutil <service> start` (`node services/cli.ts`) on the pod's ConfigMap and Secret volumes
 * written as files, with the pod's env and its ports moved to free loopback ports; it runs the pod's
 * exec probes with the same CLI about once a second and reports `readyReplicas` from the readiness
 * probe; it stops the process when the pod goes. A PostgreSQL StatefulSet gets a scratch role and
 * database on the local server in place of a pod. README "Running pods (--run-pods)" says exactly
 * what is real and what is not.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openDatabase } from '../../services/template/database/index.ts';
import { freePort } from '../../services/template/testing/ports.ts';
import type { Api } from './api.ts';
import { readyStatus } from './kubelet.ts';
import { isObject, type Json, type KObject } from './objects.ts';
import { mountPod, type PodTemplateOwner } from './pod-files.ts';
import { ADDRESS_MAP_ENV, formatAddressMap, formatPodPorts, POD_PORTS_ENV } from './pod-network.ts';
import type { ResourceType } from './resources.ts';
import type { StoredEvent } from './storage.ts';

/** The image's `cryptoutil` launcher, run from source: what `cryptoutil` in a command means here. */
const CLI_SCRIPT = fileURLToPath(new URL('../../services/cli.ts', import.meta.url));
/** The preload every pod process imports: its connections to `*.svc` names follow the address map file (pod-network.ts). */
const POD_NETWORK = pathToFileURL(fileURLToPath(new URL('./pod-network.ts', import.meta.url))).href;
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Kept of each pod's output, for `pods()` (kube-sim serves no `kubectl logs`). */
const OUTPUT_TAIL = 64 * 1024;
/** CrashLoopBackOff: 1 s, doubling, at most 10 s (the kubelet's cap is five minutes). */
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;

export interface RunPodsOptions {
  /** PEM added to every pod's `tls.caFile` bundle: CAs the pods must trust besides the operator's (a test issuer). */
  readonly trustedCa?: string;
  /** Milliseconds between probe rounds; default 1000 (the pod template's periodSeconds are not followed). */
  readonly probeIntervalMs?: number;
  /** SIGTERM, then SIGKILL after this many milliseconds; default 10000. */
  readonly terminationGraceMs?: number;
  /** The server PostgreSQL StatefulSets get scratch databases on; default CRYPTOUTIL_TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres. */
  readonly postgresUrl?: string;
  /** Told each pod and database event, one line each (the CLI prints them); never a secret. */
  readonly log?: (line: string) => void;
}

/** What a test may know about a running pod. */
export interface PodInfo {
  readonly name: string;
  readonly namespace: string;
  /** The Deployment the pod belongs to. */
  readonly workload: string;
  /** The process id of the current container, undefined between restarts. */
  readonly pid: number | undefined;
  readonly publicPort: number | undefined;
  readonly adminPort: number | undefined;
  /** The materialised configuration, for running `cryptoutil <service> <action> --config` against the pod. */
  readonly configFile: string | undefined;
  readonly ready: boolean;
  readonly restarts: number;
  /** The last 64 KiB of the container's stdout and stderr, with kube-sim's own notes. */
  readonly output: string;
}

interface KeyRef {
  readonly name: string;
  readonly key: string;
}

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: KeyRef; readonly configMapKeyRef?: KeyRef };
}

interface Probe {
  readonly exec?: { readonly command?: readonly string[] };
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
}

interface Container {
  readonly image?: string;
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly volumeMounts?: readonly { readonly mountPath: string }[];
}

interface WorkloadSpec {
  readonly replicas?: number;
  readonly serviceName?: string;
  readonly template?: { readonly metadata?: { readonly labels?: Readonly<Record<string, string>> }; readonly spec?: { readonly containers?: readonly Container[] } };
}

interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly workload: string;
  /** The pod template it was made from: a changed template replaces the pod. */
  readonly template: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly container: Container;
  readonly deployment: KObject;
  root: string | undefined;
  configFile: string | undefined;
  publicPort: number | undefined;
  adminPort: number | undefined;
  /** Container port → loopback port, and port name → container port. */
  readonly hostPorts: Map<number, number>;
  env: Record<string, string>;
  child: ChildProcess | undefined;
  ready: boolean;
  wanted: boolean;
  restarts: number;
  output: string;
  wake: (() => void) | undefined;
  done: Promise<void>;
}

interface ScratchDatabase {
  /** The in-cluster host of the StatefulSet's Service, `<serviceName>.<namespace>.svc`. */
  readonly host: string;
  readonly name: string;
}

function specOf(object: KObject): WorkloadSpec {
  return isObject(object.spec) ? object.spec : {};
}

function containerOf(object: KObject): Container | undefined {
  return specOf(object).template?.spec?.containers?.[0];
}

/** The last path segment of an image reference without tag or digest: `ghcr.io/a/cryptoutil:1` → `cryptoutil`. */
function repositoryName(image: string | undefined): string {
  const withoutDigest = (image ?? '').split('@')[0] ?? '';
  const last = withoutDigest.split('/').pop() ?? '';
  return last.split(':')[0] ?? '';
}

function decode(data: Json | undefined): Record<string, string> {
  if (!isObject(data)) return {};
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(typeof value === 'string' ? value : '', 'base64').toString('utf8')]));
}

function stringMap(data: Json | undefined): Record<string, string> {
  if (!isObject(data)) return {};
  return Object.fromEntries(Object.entries(data).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Read afresh after each await (another step may have stopped the pod meanwhile). */
function stillWanted(pod: { readonly wanted: boolean }): boolean {
  return pod.wanted;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function running(child: ChildProcess | undefined): child is ChildProcess {
  return child?.exitCode === null && child.signalCode === null;
}

/** A PostgreSQL identifier or literal cannot hold what these names and passwords hold unquoted. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export class RunPods {
  readonly #api: Api;
  readonly #options: RunPodsOptions;
  readonly #dir: string;
  readonly #pods = new Map<string, Pod[]>();
  readonly #databases = new Map<string, ScratchDatabase>();
  readonly #queues = new Map<string, Promise<void>>();
  readonly #retries = new Set<NodeJS.Timeout>();
  readonly #unsubscribe: () => void;
  #sequence = 0;
  #stopped = false;
  /**
   * The address map: `<service>.<namespace>.svc:<port>` (and `.svc.cluster.local`) → the loopback
   * port of the first ready pod behind that Service port. One live Map, changed in place as pods
   * become ready or go: an operator run in the same process takes it as its resolve list.
   */
  readonly addresses = new Map<string, { readonly address: string; readonly port: number }>();

  private constructor(api: Api, options: RunPodsOptions, dir: string) {
    this.#api = api;
    this.#options = options;
    this.#dir = dir;
    api.runsPodsOf = (workload) => this.runs(workload);
    this.#unsubscribe = api.store.subscribe((event) => { this.#onEvent(event); });
  }

  /** Starts running the pods of the workloads `api` holds now and later. */
  static async start(api: Api, options: RunPodsOptions = {}): Promise<RunPods> {
    const runner = new RunPods(api, options, await mkdtemp(join(tmpdir(), 'kube-sim-pods-')));
    runner.#writeAddressFile();
    for (const entry of api.store.entries()) runner.#onEvent({ type: 'ADDED', resource: entry.type, object: entry.object, revision: api.store.revision });
    return runner;
  }

  /** Whether this runner, not the simulated kubelet, reports the workload's status. */
  runs(workload: KObject): boolean {
    const image = repositoryName(containerOf(workload)?.image);
    return (workload.kind === 'Deployment' && image === 'cryptoutil') || (workload.kind === 'StatefulSet' && image === 'postgres');
  }

  /** The pods running now, by namespace, workload and name. */
  pods(): PodInfo[] {
    return [...this.#pods.values()].flat().map((pod) => ({
      name: pod.name,
      namespace: pod.namespace,
      workload: pod.workload,
      pid: running(pod.child) ? pod.child.pid : undefined,
      publicPort: pod.publicPort,
      adminPort: pod.adminPort,
      configFile: pod.configFile,
      ready: pod.ready,
      restarts: pod.restarts,
      output: pod.output,
    })).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  }

  /** The scratch databases (each also the name of its role) made so far for PostgreSQL StatefulSets, by `<namespace>/<set>`. */
  databases(): Record<string, string> {
    return Object.fromEntries([...this.#databases].map(([key, database]) => [key.slice('statefulsets/'.length), database.name]));
  }

  /** Stops every pod (SIGTERM, then SIGKILL after the grace period) and drops the scratch databases. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    this.#api.runsPodsOf = undefined;
    for (const timer of this.#retries) clearTimeout(timer);
    await Promise.all([...this.#queues.values()]);
    await Promise.all([...this.#pods.values()].flat().map((pod) => this.#stopPod(pod)));
    this.#pods.clear();
    this.addresses.clear();
    for (const database of this.#databases.values()) {
      await this.#manage(`drop database if exists ${database.name} with (force)`);
      await this.#manage(`drop role if exists ${database.name}`);
    }
    this.#databases.clear();
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** The address map as the pods' preload reads it: `<dir>/addresses.json`. */
  get addressFile(): string {
    return join(this.#dir, 'addresses.json');
  }

  /** Rewrites the address map file atomically (a new file renamed over the old): a pod never reads half of it. */
  #writeAddressFile(): void {
    const next = `${this.addressFile}.next`;
    writeFileSync(next, formatAddressMap(this.addresses));
    renameSync(next, this.addressFile);
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }

  #onEvent(event: StoredEvent): void {
    if (this.#stopped) return;
    const { resource, object } = event;
    const key = `${resource.plural}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (resource.group === 'apps' && resource.plural === 'deployments' && (this.runs(object) || this.#pods.has(key))) {
      this.#enqueue(key, () => this.#syncDeployment(resource, object.metadata.namespace ?? 'default', object.metadata.name, key));
    } else if (resource.group === 'apps' && resource.plural === 'statefulsets' && this.runs(object) && event.type !== 'DELETED') {
      this.#enqueue(key, () => this.#syncDatabase(resource, object.metadata.namespace ?? 'default', object.metadata.name, key));
    } else if (resource.group === '' && resource.plural === 'services') {
      this.#refreshAddresses();
    }
  }

  /** Work on one workload runs in order, one step at a time; a step that fails runs again a second later. */
  #enqueue(key: string, step: () => Promise<void>): void {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.then(step).catch((error: unknown) => {
      this.#log(`kube-sim: ${key}: ${(error as Error).message}; retrying`);
      const timer = setTimeout(() => {
        this.#retries.delete(timer);
        if (!this.#stopped) this.#enqueue(key, step);
      }, FIRST_BACKOFF_MS);
      this.#retries.add(timer);
    });
    this.#queues.set(key, next);
    void next.then(() => {
      if (this.#queues.get(key) === next) this.#queues.delete(key);
    });
  }

  /** The Deployment controller and kubelet in one step: as many pods of the current template as `spec.replicas`. */
  async #syncDeployment(type: ResourceType, namespace: string, name: string, key: string): Promise<void> {
    const current = this.#api.store.get(type, namespace, name);
    const wanted = current !== undefined && current.metadata.deletionTimestamp === undefined && !this.#stopped && this.runs(current);
    const desired = wanted ? specOf(current).replicas ?? 1 : 0;
    const template = wanted ? JSON.stringify(specOf(current).template) : '';
    const pods = this.#pods.get(key) ?? [];
    // A changed template replaces every pod at once (the Recreate strategy, not a rolling update).
    const kept = pods.filter((pod) => pod.template === template);
    const gone = [...pods.filter((pod) => pod.template !== template), ...kept.splice(desired)];
    const started = current === undefined ? [] : Array.from({ length: Math.max(0, desired - kept.length) }, () => this.#startPod(current, namespace, name, template));
    const now = [...kept, ...started];
    if (now.length > 0) this.#pods.set(key, now);
    else this.#pods.delete(key);
    this.#writeStatus(type, namespace, name);
    await Promise.all(gone.map((pod) => this.#stopPod(pod)));
    this.#refreshAddresses();
  }

  #startPod(deployment: KObject, namespace: string, workload: string, template: string): Pod {
    this.#sequence += 1;
    const container = containerOf(deployment) ?? {};
    const pod: Pod = {
      name: `${workload}-sim-${String(this.#sequence)}`,
      namespace,
      workload,
      template,
      labels: specOf(deployment).template?.metadata?.labels ?? {},
      container,
      deployment,
      root: undefined,
      configFile: undefined,
      publicPort: undefined,
      adminPort: undefined,
      hostPorts: new Map(),
      env: {},
      child: undefined,
      ready: false,
      wanted: true,
      restarts: 0,
      output: '',
      wake: undefined,
      done: Promise.resolve(),
    };
    pod.done = this.#run(pod);
    return pod;
  }

  #note(pod: Pod, text: string): void {
    pod.output = `${pod.output}${text}`.slice(-OUTPUT_TAIL);
  }

  /** The container's life: start, wait for it to exit, back off, start again, until the pod is not wanted. */
  async #run(pod: Pod): Promise<void> {
    let backoffMs = FIRST_BACKOFF_MS;
    while (stillWanted(pod)) {
      let container: { readonly exited: Promise<void> } | undefined;
      try {
        container = await this.#startContainer(pod);
      } catch (error) {
        this.#note(pod, `kube-sim: the container cannot start: ${(error as Error).message}\n`);
        this.#log(`pod ${pod.namespace}/${pod.name} cannot start: ${(error as Error).message}`);
      }
      if (container !== undefined) await container.exited;
      this.#setReady(pod, false);
      if (!stillWanted(pod)) return;
      pod.restarts += 1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoffMs);
        pod.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      pod.wake = undefined;
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
  }

  /** Mounts the volumes and spawns the process; undefined when the pod went meanwhile. */
  async #startContainer(pod: Pod): Promise<{ readonly exited: Promise<void> } | undefined> {
    pod.root ??= await mkdtemp(join(this.#dir, `${pod.name}-`));
    const { root } = pod;
    pod.publicPort ??= await freePort();
    pod.adminPort ??= await freePort();
    const { publicPort, adminPort } = pod;
    const source = (kind: 'ConfigMap' | 'Secret', name: string): Promise<Readonly<Record<string, string>>> => Promise.resolve(this.#volumeData(pod.namespace, kind, name));
    const mounted = await mountPod(pod.deployment as unknown as PodTemplateOwner, source, root, (config) => {
      const listener = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {});
      const ports = [[listener(config.public).port, publicPort], [listener(config.admin).port, adminPort]] as const;
      for (const [inPod, onHost] of ports) if (typeof inPod === 'number') pod.hostPorts.set(inPod, onHost);
      const tls = listener(config.tls);
      let { caFile } = tls;
      if (this.#options.trustedCa !== undefined && typeof caFile === 'string') {
        const bundle = join(root, 'trusted-ca.pem');
        writeFileSync(bundle, `${readFileSync(caFile, 'utf8')}\n${this.#options.trustedCa}`, { mode: 0o600 });
        caFile = bundle;
      }
      return {
        ...config,
        public: { ...listener(config.public), address: '127.0.0.1', port: publicPort },
        admin: { ...listener(config.admin), address: '127.0.0.1', port: adminPort },
        ...(caFile === undefined ? {} : { tls: { ...tls, caFile } }),
      };
    });
    pod.configFile = mounted.configFile;
    pod.env = this.#env(pod);
    if (!pod.wanted) return undefined;
    const child = spawn(process.execPath, [CLI_SCRIPT, ...mounted.args], { cwd: root, env: pod.env, stdio: ['ignore', 'pipe', 'pipe'] });
    pod.child = child;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#note(pod, `kube-sim: the container exited (${signal ?? `code ${String(code)}`})\n`);
        this.#log(`pod ${pod.namespace}/${pod.name} exited (${signal ?? `code ${String(code)}`})`);
        resolve();
      });
    });
    child.stdout.on('data', (chunk: Buffer) => { this.#note(pod, chunk.toString('utf8')); });
    child.stderr.on('data', (chunk: Buffer) => { this.#note(pod, chunk.toString('utf8')); });
    this.#log(`pod ${pod.namespace}/${pod.name} started: pid ${String(child.pid)}, public 127.0.0.1:${String(publicPort)}, admin 127.0.0.1:${String(adminPort)}`);
    void this.#probe(pod, child);
    return { exited };
  }

  /**
   * A pod's environment: its env entries (values, Secret and ConfigMap keys) over PATH and a HOME in
   * its root, and the cluster DNS preload with the address map file and the pod's own ports; nothing else of kube-sim's own
   * environment (CRYPTOUTIL_* there would configure the service).
   */
  #env(pod: Pod): Record<string, string> {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: pod.root ?? this.#dir, NODE_OPTIONS: `--import=${POD_NETWORK}`, [ADDRESS_MAP_ENV]: this.addressFile, [POD_PORTS_ENV]: formatPodPorts(pod.hostPorts) };
    for (const entry of pod.container.env ?? []) {
      const from = entry.valueFrom;
      if (entry.value !== undefined) env[entry.name] = entry.value;
      else if (from?.secretKeyRef !== undefined) env[entry.name] = this.#volumeData(pod.namespace, 'Secret', from.secretKeyRef.name)[from.secretKeyRef.key] ?? '';
      else if (from?.configMapKeyRef !== undefined) env[entry.name] = this.#volumeData(pod.namespace, 'ConfigMap', from.configMapKeyRef.name)[from.configMapKeyRef.key] ?? '';
    }
    return env;
  }

  /** A ConfigMap's data or a Secret's decoded data, with the database URLs of simulated StatefulSets moved to their scratch databases. */
  #volumeData(namespace: string, kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> {
    const type = kind === 'Secret' ? this.#api.type('', 'v1', 'secrets') : this.#api.type('', 'v1', 'configmaps');
    const object = this.#api.store.get(type, namespace, name);
    // As the kubelet, which keeps such a pod in ContainerCreating: the run loop retries.
    if (object === undefined) throw new Error(`${kind} ${namespace}/${name} not found`);
    const record = object as unknown as Record<string, Json | undefined>;
    if (kind === 'ConfigMap') return stringMap(record.data);
    return Object.fromEntries(Object.entries(decode(record.data)).map(([key, value]) => [key, this.#localDatabaseUrl(value)]));
  }

  /** `postgres://u:p@<set>.<ns>.svc:5432/db` → the same credentials on the scratch role and database of that set. */
  #localDatabaseUrl(value: string): string {
    if (!/^postgres(?:ql)?:\/\//u.test(value)) return value;
    const url = new URL(value);
    for (const database of this.#databases.values()) {
      if (url.hostname !== database.host && url.hostname !== `${database.host}.cluster.local`) continue;
      const local = new URL(this.#serverUrl());
      local.username = database.name;
      local.password = url.password;
      local.pathname = `/${database.name}`;
      return local.href;
    }
    return value;
  }

  #serverUrl(): string {
    return this.#options.postgresUrl ?? process.env.CRYPTOUTIL_TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
  }

  /** The probes, one round every interval while this container runs: readiness sets Ready, liveness failures restart it. */
  async #probe(pod: Pod, child: ChildProcess): Promise<void> {
    const interval = this.#options.probeIntervalMs ?? 1_000;
    const { readinessProbe, livenessProbe } = pod.container;
    // Liveness counts only once it has passed (the startup probe's part: a slow start is not a failure).
    let started = false;
    let failures = 0;
    while (pod.child === child && running(child)) {
      const ready = readinessProbe === undefined ? true : await this.#exec(pod, readinessProbe);
      if (pod.child !== child || !running(child)) return;
      this.#setReady(pod, ready);
      if (livenessProbe !== undefined) {
        const live = await this.#exec(pod, livenessProbe);
        started ||= live;
        failures = live ? 0 : failures + 1;
        if (started && failures >= (livenessProbe.failureThreshold ?? 3)) {
          this.#note(pod, 'kube-sim: liveness probe failed; restarting the container\n');
          child.kill('SIGTERM');
          return;
        }
      }
      await delay(interval);
    }
  }

  /** An exec probe: `cryptoutil …` runs as `node services/cli.ts …` with mount paths moved under the pod's root; anything else fails. */
  #exec(pod: Pod, probe: Probe): Promise<boolean> {
    const [command, ...args] = probe.exec?.command ?? [];
    const root = pod.root;
    if (command !== 'cryptoutil' || root === undefined) {
      this.#note(pod, `kube-sim: only cryptoutil exec probes run here, not ${JSON.stringify(probe.exec?.command ?? probe)}\n`);
      return Promise.resolve(false);
    }
    const configPath = pod.container.args?.[(pod.container.args.indexOf('--config')) + 1];
    const mountPaths = (pod.container.volumeMounts ?? []).map((mount) => mount.mountPath);
    const local = args.map((arg) => (arg === configPath && pod.configFile !== undefined ? pod.configFile : mountPaths.some((path) => arg.startsWith(`${path}/`)) ? join(root, arg) : arg));
    return new Promise((resolve) => {
      execFile(process.execPath, [CLI_SCRIPT, ...local], { cwd: root, env: pod.env, timeout: (probe.timeoutSeconds ?? 1) * 1_000 }, (error) => { resolve(error === null); });
    });
  }

  #setReady(pod: Pod, ready: boolean): void {
    if (pod.ready === ready) return;
    pod.ready = ready;
    this.#log(`pod ${pod.namespace}/${pod.name} ${ready ? 'ready' : 'not ready'}`);
    if (this.#stopped) return;
    this.#writeStatus(this.#api.type('apps', 'v1', 'deployments'), pod.namespace, pod.workload);
    this.#refreshAddresses();
  }

  async #stopPod(pod: Pod): Promise<void> {
    pod.wanted = false;
    pod.wake?.();
    const { child } = pod;
    if (running(child)) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => { child.kill('SIGKILL'); }, this.#options.terminationGraceMs ?? 10_000);
      await exited;
      clearTimeout(timer);
    }
    await pod.done;
    this.#log(`pod ${pod.namespace}/${pod.name} stopped`);
    if (pod.root !== undefined) await rm(pod.root, { recursive: true, force: true });
  }

  /** The rollout as the Deployment controller reports it, from the pods that exist and their readiness. */
  #writeStatus(type: ResourceType, namespace: string, name: string): void {
    const current = this.#api.store.get(type, namespace, name);
    if (current === undefined || current.metadata.deletionTimestamp !== undefined) return;
    const desired = specOf(current).replicas ?? 1;
    const template = JSON.stringify(specOf(current).template);
    const pods = this.#pods.get(`deployments/${namespace}/${name}`) ?? [];
    const ready = pods.filter((pod) => pod.ready).length;
    const updated = pods.filter((pod) => pod.template === template).length;
    const previous = (isObject(current.status) ? current.status : {}) as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
    const now = new Date().toISOString().replace(/\.\d+Z$/u, 'Z');
    const condition = (kind: string, status: boolean, reason: string, message: string): Record<string, string> => {
      const before = previous.conditions?.find((entry) => entry.type === kind);
      const text = status ? 'True' : 'False';
      const since = before?.status === text ? before.lastTransitionTime ?? now : now;
      return { type: kind, status: text, reason, message, lastUpdateTime: since, lastTransitionTime: since };
    };
    const status = {
      observedGeneration: current.metadata.generation,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, desired - ready),
      conditions: [
        ready >= desired ? condition('Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.') : condition('Available', false, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
        updated === desired && ready >= desired
          ? condition('Progressing', true, 'NewReplicaSetAvailable', `${String(ready)} of ${String(desired)} pods passed their readiness probe`)
          : condition('Progressing', true, 'ReplicaSetUpdated', `${String(ready)} of ${String(desired)} pods passed their readiness probe`),
      ],
    };
    this.#api.store.put(type, { ...current, status });
  }

  /** Rebuilds the address map from the Services and the ready pods their selectors match. */
  #refreshAddresses(): void {
    if (this.#stopped) return;
    const services = this.#api.store.list(this.#api.type('', 'v1', 'services'));
    const pods = [...this.#pods.values()].flat().filter((pod) => pod.ready);
    const before = JSON.stringify([...this.addresses]);
    this.addresses.clear();
    for (const service of services) {
      const spec = (isObject(service.spec) ? service.spec : {}) as { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] };
      const selector = Object.entries(spec.selector ?? {});
      if (selector.length === 0) continue;
      const behind = pods.filter((pod) => pod.namespace === service.metadata.namespace && selector.every(([key, value]) => pod.labels[key] === value));
      for (const port of spec.ports ?? []) {
        const target = port.targetPort ?? port.port;
        for (const pod of behind) {
          const containerPort = typeof target === 'number' ? target : pod.container.ports?.find((entry) => entry.name === target)?.containerPort;
          const hostPort = containerPort === undefined ? undefined : pod.hostPorts.get(containerPort);
          if (hostPort === undefined) continue;
          const host = `${service.metadata.name}.${service.metadata.namespace ?? 'default'}.svc`;
          for (const name of [host, `${host}.cluster.local`]) this.addresses.set(`${name}:${String(port.port)}`, { address: '127.0.0.1', port: hostPort });
          break;
        }
      }
    }
    // One line in CRYPTOUTIL_OPERATOR_RESOLVE's form, for an operator started as a process by hand.
    const short = [...this.addresses].filter(([name]) => !name.includes('.cluster.local:'));
    if (JSON.stringify([...this.addresses]) === before) return;
    this.#writeAddressFile();
    this.#log(`addresses: ${short.map(([name, to]) => `${name}=${to.address}:${String(to.port)}`).join(',') || 'none'}`);
  }

  /**
   * A PostgreSQL StatefulSet: a scratch role and database on the local server, named alike, with the
   * password of the set's credentials Secret; the set reports its replica ready once they exist. Kept
   * when the set goes (as its retained volume would be), dropped when kube-sim stops.
   */
  async #syncDatabase(type: ResourceType, namespace: string, name: string, key: string): Promise<void> {
    const current = this.#api.store.get(type, namespace, name);
    if (current === undefined || current.metadata.deletionTimestamp !== undefined || this.#stopped) return;
    if (!this.#databases.has(key)) {
      const password = (containerOf(current)?.env ?? []).find((entry) => entry.name === 'POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef;
      if (password === undefined) throw new Error('the PostgreSQL container takes no POSTGRES_PASSWORD from a Secret');
      const secret = this.#volumeData(namespace, 'Secret', password.name)[password.key] ?? '';
      const database = { host: `${specOf(current).serviceName ?? name}.${namespace}.svc`, name: `kube_sim_${randomBytes(6).toString('hex')}` };
      // The statement holds the password: its failure is reported without the driver's text, which may quote it.
      await this.#manage(`create role ${database.name} login password ${literal(secret)}`).catch(() => {
        throw new Error(`creating role ${database.name} on the local PostgreSQL server failed`);
      });
      await this.#manage(`create database ${database.name} owner ${database.name}`);
      this.#databases.set(key, database);
      this.#log(`database ${namespace}/${name}: role and database ${database.name} on the local PostgreSQL server`);
    }
    const latest = this.#api.store.get(type, namespace, name);
    const status = latest === undefined ? undefined : readyStatus(latest);
    if (latest !== undefined && status !== undefined) this.#api.store.put(type, { ...latest, status });
  }

  async #manage(sql: string): Promise<void> {
    const admin = await openDatabase({ url: this.#serverUrl(), entities: [], migrations: [], poolMax: 1 });
    try {
      await admin.orm.em.getConnection().execute(sql);
    } finally {
      await admin.close();
    }
  }
}
