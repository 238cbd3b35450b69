/**
 * The pod runner on its own (no operator): which workloads it claims, and the life of one pod of a
 * hand-written learn-ps Deployment on SQLite: started from its ConfigMap, probed, replaced when the
 * template changes, stopped when the Deployment goes. The operator's PetStores: e2e/run-pods.e2e.test.ts.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KObject } from './objects.ts';
import { startKubeSim, type KubeSim } from './server.ts';
import type { PodInfo, RunPods } from './run-pods.ts';

const CONFIG = '/etc/cryptoutil/config/config.yml';

function workload(kind: 'Deployment' | 'StatefulSet', image: string): KObject {
  return { apiVersion: 'apps/v1', kind, metadata: { name: 'w', namespace: 'default', uid: 'u', resourceVersion: '1', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { template: { spec: { containers: [{ name: 'c', image }] } } } };
}

function alive(pid: number | undefined): boolean {
  try {
    process.kill(pid ?? 0, 0);
    return pid !== undefined;
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('kube-sim runPods: the pod runner', function () {
  this.timeout(30_000);
  let sim: KubeSim;
  let pods: RunPods;
  let dir: string;
  const deployments = (): ReturnType<KubeSim['api']['type']> => sim.api.type('apps', 'v1', 'deployments');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-sim-run-pods-'));
    sim = await startKubeSim({ rbacFromChart: false, runPods: { terminationGraceMs: 3_000 } });
    if (sim.pods === undefined) throw new Error('no pod runner');
    pods = sim.pods;
  });

  after(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('claims Deployments of the cryptoutil image (any registry, tag or digest) and StatefulSets of postgres, nothing else', () => {
    const claimed = (kind: 'Deployment' | 'StatefulSet', image: string): boolean => pods.runs(workload(kind, image));
    expect(claimed('Deployment', 'cryptoutil:dev')).to.equal(true);
    expect(claimed('Deployment', 'ghcr.io/team/cryptoutil:1.2@sha256:abc')).to.equal(true);
    expect(claimed('Deployment', 'cryptoutil-operator:dev')).to.equal(false);
    expect(claimed('Deployment', 'postgres:17-alpine')).to.equal(false);
    expect(claimed('StatefulSet', 'postgres:17-alpine')).to.equal(true);
    expect(claimed('StatefulSet', 'cryptoutil:dev')).to.equal(false);
  });

  it('runs learn-ps from its ConfigMap and env, keeps it unready while only a non-cryptoutil readiness probe exists, replaces it on a template change, scales up and down, and stops it on delete', async () => {
    const config = {
      public: { port: 8480 },
      admin: { port: 9090 },
      dataDir: '/var/lib/cryptoutil',
      database: { url: `sqlite:${join(dir, 'learn-ps.sqlite')}` },
      auth: { issuer: 'https://127.0.0.1:9' },
      log: { level: 'warn' },
    };
    sim.api.create(sim.api.type('', 'v1', 'configmaps'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { 'config.yml': stringify(config) } } as unknown as KObject, 'test');
    const container = {
      name: 'learn-ps',
      image: 'cryptoutil:dev',
      args: ['learn-ps', 'start', '--config', CONFIG],
      env: [{ name: 'CRYPTOUTIL_LOG_LEVEL', value: 'info' }],
      ports: [{ name: 'https', containerPort: 8480 }],
      readinessProbe: { exec: { command: ['sh', '-c', 'true'] } },
      livenessProbe: { exec: { command: ['cryptoutil', 'learn-ps', 'livez', '--config', CONFIG] }, timeoutSeconds: 5 },
      volumeMounts: [{ name: 'config', mountPath: '/etc/cryptoutil/config' }, { name: 'data', mountPath: '/var/lib/cryptoutil' }],
    };
    const spec = (annotation: string): Record<string, unknown> => ({
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' }, annotations: { revision: annotation } }, spec: { containers: [container], volumes: [{ name: 'config', configMap: { name: 'web-config' } }, { name: 'data', emptyDir: {} }] } },
    });
    sim.api.create(deployments(), 'default', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: spec('1') } as unknown as KObject, 'test');
    const first = await until('the first pod listening', () => pods.pods().find((pod) => pod.output.includes('listening on')));
    expect(first).to.include({ namespace: 'default', workload: 'web', ready: false });
    expect(alive(first.pid)).to.equal(true);
    // The cluster DNS preload and the address map file (empty: no pod is ready) reach the process.
    const environ = readFileSync(`/proc/${String(first.pid)}/environ`, 'utf8').split('\0');
    expect(environ).to.include(`KUBE_SIM_ADDRESS_MAP=${pods.addressFile}`);
    expect(environ.find((entry) => entry.startsWith('NODE_OPTIONS='))).to.match(/^NODE_OPTIONS=--import=file:\/\/.*\/test\/kube-sim\/pod-network\.ts$/u);
    expect(JSON.parse(readFileSync(pods.addressFile, 'utf8'))).to.deep.equal({});
    // The container's env reaches the process: CRYPTOUTIL_LOG_LEVEL=info overrides the ConfigMap's warn.
    await until('the info line', () => (pods.pods()[0]?.output.includes('"msg":"started"') === true ? true : undefined));
    await until('the probe notes', () => (pods.pods()[0]?.output.includes('only cryptoutil exec probes run here') === true ? true : undefined));
    const status = sim.api.get(deployments(), 'default', 'web').status;
    expect(status).to.deep.include({ replicas: 1, readyReplicas: 0, updatedReplicas: 1 });

    const current = sim.api.get(deployments(), 'default', 'web');
    sim.api.update(deployments(), 'default', 'web', { ...current, spec: spec('2') }, 'main', 'test');
    const second = await until<PodInfo>('a new pod for the new template', () => pods.pods().find((pod) => pod.name !== first.name && pod.pid !== undefined));
    await until('the old pod stopped', () => (alive(first.pid) || pods.pods().length !== 1 ? undefined : true));
    expect(second.name).to.equal('web-sim-2');

    const scale = (replicas: number): void => {
      const now = sim.api.get(deployments(), 'default', 'web');
      sim.api.update(deployments(), 'default', 'web', { ...now, spec: { ...spec('2'), replicas } }, 'main', 'test');
    };
    scale(2);
    const third = await until<PodInfo>('a second replica running', () => pods.pods().find((pod) => pod.name === 'web-sim-3' && pod.pid !== undefined));
    expect(sim.api.get(deployments(), 'default', 'web').status).to.deep.include({ replicas: 2, readyReplicas: 0 });
    scale(1);
    await until('the surplus pod stopped', () => (alive(third.pid) || pods.pods().length !== 1 ? undefined : true));
    expect(pods.pods().map((pod) => pod.name)).to.deep.equal(['web-sim-2']);

    sim.api.delete(deployments(), 'default', 'web', 'Background');
    await until('no pods', () => (pods.pods().length === 0 ? true : undefined));
    await until('the second process ended', () => (alive(second.pid) ? undefined : true));
  });
});
