import { mkdtemp } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { callAdmin } from '../services/template/cli/admin-client.ts';
import { readAdminToken } from '../services/template/admin/admin-token.ts';
import { API_VERSION } from './kinds.ts';
import type { Condition, ServiceResource } from './resources/types.ts';
import { MemoryApi } from './testing/memory-api.ts';
import { memoryTransport } from './testing/memory-transport.ts';
import { certificateAuthority, kmsInstance, petStore, withReplicas } from './testing/fixtures.ts';
import { selfSignedServerCa } from '../services/template/tls/issuing.ts';
import { unreachableKubeconfig } from './testing/kubeconfig.ts';
import { startOperator } from './main.ts';
import type { OperatorOptions, RunningOperator } from './main.ts';

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function quiet(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => { done(); } });
}

async function operator(api: MemoryApi, extra: Partial<OperatorOptions> = {}): Promise<RunningOperator> {
  return startOperator({
    transport: memoryTransport(api),
    adminPort: 0,
    dataDir: await mkdtemp(join(tmpdir(), 'cryptoutil-operator-')),
    namespace: 'ops',
    identity: 'pod-a',
    resyncSeconds: 1,
    leaseRetryMs: 20,
    logDestination: quiet(),
    images: { service: 'example/cryptoutil:test' },
    ...extra,
  });
}

function ready(api: MemoryApi, kind: string, name: string): Condition | undefined {
  return (api.find(API_VERSION, kind, name) as ServiceResource | undefined)?.status?.conditions?.find((condition) => condition.type === 'Ready');
}

function adminTarget(running: RunningOperator): { address: string; port: number; ca: string } {
  return { address: '127.0.0.1', port: Number(new URL(running.adminUrl).port), ca: running.ca };
}

describe('operator process', () => {
  it('leads, reconciles PetStore demo to Ready, follows scaling and serves its admin endpoints', async () => {
    const api = new MemoryApi();
    const running = await operator(api);
    try {
      api.put(petStore('demo', withReplicas(2)));
      await until('the Deployment', () => api.find('apps/v1', 'Deployment', 'demo-learn-ps') !== undefined);
      expect(running.leading()).to.equal(true);
      expect(api.find('coordination.k8s.io/v1', 'Lease', 'cryptoutil-operator', 'ops')?.spec).to.deep.include({ holderIdentity: 'pod-a' });
      api.setReady('apps/v1', 'StatefulSet', 'demo-learn-ps-postgres', 1);
      api.setReady('apps/v1', 'Deployment', 'demo-learn-ps', 2);
      await until('Ready', () => ready(api, 'PetStore', 'demo')?.status === 'True');
      api.updateSpec(API_VERSION, 'PetStore', 'demo', { replicas: 3 });
      await until('the scale-up', () => ready(api, 'PetStore', 'demo')?.observedGeneration === 2);
      expect(ready(api, 'PetStore', 'demo')?.status).to.equal('False');
      api.setReady('apps/v1', 'Deployment', 'demo-learn-ps', 3);
      await until('Ready again', () => ready(api, 'PetStore', 'demo')?.status === 'True');

      const target = adminTarget(running);
      expect((await callAdmin(target, 'GET', '/admin/v1/livez')).status).to.equal(200);
      expect((await callAdmin(target, 'GET', '/admin/v1/readyz')).status).to.equal(200);
      const metrics = (await callAdmin(target, 'GET', '/admin/v1/metrics')).body;
      expect(metrics).to.match(/cryptoutil_operator_reconcile_total\{kind="PetStore",result="success",service="operator"\} [1-9]/);
      expect(metrics).to.include('cryptoutil_operator_reconcile_duration_seconds_bucket');
      expect(metrics).to.match(/cryptoutil_operator_queue_depth\{service="operator"\} \d/);
      expect(metrics).to.include('cryptoutil_operator_leader{service="operator"} 1');
    } finally {
      await running.stop('test');
    }
    await running.stopped;
    expect(api.find('coordination.k8s.io/v1', 'Lease', 'cryptoutil-operator', 'ops')?.spec).to.deep.include({ holderIdentity: '' });
  });

  it('publishes a CertificateAuthority\'s root once its service answers, after refusing at first', async () => {
    const rootDer = new X509Certificate((await selfSignedServerCa('CN=demo CA', 30, new Date())).cert).raw;
    const api = new MemoryApi();
    let fetches = 0;
    let answering = false;
    const running = await operator(api, {
      resyncSeconds: 3600,
      // Not answering at first (starting, or its Service not routed yet), then the root.
      // The root as DER at root.crt, the bundle of CAs in use as PEM at bundle.pem.
      serviceFetch: (url) => {
        fetches += 1;
        if (!answering) return Promise.reject(new Error('connection refused'));
        return Promise.resolve(url.endsWith('/bundle.pem') ? new Uint8Array(Buffer.from(new X509Certificate(rootDer).toString())) : new Uint8Array(rootDer));
      },
    });
    try {
      api.put(certificateAuthority('demo'));
      await until('the Deployment', () => api.find('apps/v1', 'Deployment', 'demo-pki-ca') !== undefined);
      api.setReady('apps/v1', 'StatefulSet', 'demo-pki-ca-postgres', 1);
      api.setReady('apps/v1', 'Deployment', 'demo-pki-ca', 1);
      await until('a fetch the service does not answer', () => fetches >= 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ready(api, 'CertificateAuthority', 'demo')?.status).to.equal('False');
      answering = true;
      const asked = fetches;
      await until('Ready after the retry', () => ready(api, 'CertificateAuthority', 'demo')?.status === 'True', 8_000);
      expect(fetches).to.be.greaterThan(asked);
    } finally {
      await running.stop();
    }
  });

  it('counts failed reconciles and retries them', async () => {
    const api = new MemoryApi();
    const running = await operator(api);
    try {
      api.put(kmsInstance('demo', (resource) => ({ ...resource, spec: { ...resource.spec, database: { external: { secretRef: { name: 'missing' } } } } })));
      await until('Degraded', () => (api.find(API_VERSION, 'KmsInstance', 'demo') as ServiceResource | undefined)?.status?.conditions?.some((condition) => condition.type === 'Degraded' && condition.status === 'True') === true);
      const metrics = (await callAdmin(adminTarget(running), 'GET', '/admin/v1/metrics')).body;
      expect(metrics).to.match(/cryptoutil_operator_reconcile_errors_total\{kind="KmsInstance",service="operator"\} [1-9]/);
    } finally {
      await running.stop();
    }
  });

  it('drains on the admin shutdown endpoint (with the token from dataDir/admin.token only) and reports health meanwhile', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-'));
    const running = await operator(new MemoryApi(), { dataDir });
    const target = adminTarget(running);
    expect((await callAdmin(target, 'GET', '/admin/v1/healthz')).status).to.equal(200);
    expect((await callAdmin(target, 'POST', '/admin/v1/shutdown')).status).to.equal(401);
    expect((await callAdmin(target, 'GET', '/admin/v1/livez')).status).to.equal(200);
    const token = await readAdminToken({ token: '', dataDir });
    expect((await callAdmin({ ...target, token }, 'POST', '/admin/v1/shutdown')).status).to.equal(202);
    await running.stopped;
    expect(running.leading()).to.equal(false);
  });

  it('does not reconcile while another replica holds the Lease, and catches up once it leads', async () => {
    const api = new MemoryApi();
    const first = await operator(api, { identity: 'pod-a' });
    const second = await operator(api, { identity: 'pod-b', leaseDurationSeconds: 1 });
    try {
      await until('a leader', () => first.leading());
      expect(second.leading()).to.equal(false);
      await first.stop();
      api.put(petStore('later'));
      await until('the follower to take over and reconcile', () => api.find('apps/v1', 'Deployment', 'later-learn-ps') !== undefined);
      expect(second.leading()).to.equal(true);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('reports not ready when the API server is unreachable, from a kubeconfig file or KUBECONFIG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-kubeconfig-'));
    const file = await unreachableKubeconfig(dir, 'config');
    const fromFile = await startOperator({ kubeconfig: file, adminPort: 0, dataDir: dir, logDestination: quiet() });
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    let fromEnvironment: RunningOperator | undefined;
    try {
      fromEnvironment = await startOperator({ adminPort: 0, dataDir: dir, logLevel: 'silent', leaseRetryMs: 5_000 });
      const answer = await callAdmin(adminTarget(fromFile), 'GET', '/admin/v1/readyz');
      expect(answer.status).to.equal(503);
      expect(fromFile.leading()).to.equal(false);
    } finally {
      if (saved === undefined) {
        delete process.env.KUBECONFIG;
      } else {
        process.env.KUBECONFIG = saved;
      }
      await Promise.all([fromFile.stop(), fromEnvironment?.stop()]);
    }
  });

  it('lists again when the watch history has expired, says so once per watch, and goes on reconciling', async () => {
    const api = new MemoryApi();
    const transport = memoryTransport(api);
    const lines: string[] = [];
    const running = await operator(api, { transport, resyncSeconds: 3_600, logDestination: new Writable({ write: (chunk: Buffer, _encoding, done) => { lines.push(chunk.toString('utf8')); done(); } }) });
    try {
      api.put({ ...petStore('before'), spec: { replicas: 1, auth: { issuer: 'https://issuer.example' } } });
      await until('before to be applied', () => api.find('apps/v1', 'Deployment', 'before-learn-ps') !== undefined);
      // Past the shortest healthy watch, so that ending them is not taken for a failing server.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      // Every watch but those already at the newest change is now too old to resume.
      api.put({ ...petStore('during'), spec: { replicas: 1, auth: { issuer: 'https://issuer.example' } } });
      transport.expireWatches();
      await until('a relist in the log', () => lines.some((line) => line.includes('watch history expired; listing again')));
      const relisted = JSON.parse(lines.find((line) => line.includes('watch history expired')) ?? '{}') as { kind?: string; level?: number };
      expect(relisted.level, 'info: a relist is routine').to.equal(30);
      await until('during to be applied', () => api.find('apps/v1', 'Deployment', 'during-learn-ps') !== undefined);
      api.put({ ...petStore('after'), spec: { replicas: 1, auth: { issuer: 'https://issuer.example' } } });
      await until('after to be applied, through the new watch', () => api.find('apps/v1', 'Deployment', 'after-learn-ps') !== undefined);
      expect(lines.filter((line) => line.includes('watch failed')), 'a 410 is not a failure').to.deep.equal([]);
    } finally {
      await running.stop();
    }
  });

  it('logs an Event the API server refused, with its message, and goes on reconciling', async () => {
    const api = new MemoryApi();
    const inner = memoryTransport(api);
    const refusal = { kind: 'Status', code: 400, message: 'Event in version "v1" cannot be handled as a Event: eventTime: parsing time' };
    const lines: string[] = [];
    const running = await operator(api, {
      transport: { ...inner, request: (method, path, options) => (method === 'POST' && path.includes('/events') ? Promise.resolve({ status: 400, body: JSON.stringify(refusal) }) : inner.request(method, path, options)) },
      logDestination: new Writable({ write: (chunk: Buffer, _encoding, done) => { lines.push(chunk.toString('utf8')); done(); } }),
    });
    try {
      // No issuer: a Warning Event NoIssuer, which this API server refuses.
      api.put({ ...petStore('anon'), spec: { replicas: 1 } });
      await until('the refused Event in the log', () => lines.some((line) => line.includes('event not recorded')));
      const logged = JSON.parse(lines.find((line) => line.includes('event not recorded')) ?? '{}') as { error?: string };
      expect(logged.error).to.equal(`POST /apis/events.k8s.io/v1/namespaces/default/events answered 400: ${refusal.message}`);
      await until('Degraded NoIssuer all the same', () => (api.find(API_VERSION, 'PetStore', 'anon') as ServiceResource | undefined)?.status?.conditions?.some((condition) => condition.reason === 'NoIssuer') === true);
    } finally {
      await running.stop();
    }
  });
});
