import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeSim, type KubeSim } from './server.ts';

const group = 'cryptoutil.io';
const version = 'v1alpha1';
const plural = 'petstores';
const namespace = 'default';

interface PetStoreObject {
  metadata: { name: string; resourceVersion: string; generation: number };
  spec: { replicas: number };
  status?: { readyReplicas?: number };
}

async function failure(promise: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) return error as ApiException<string>;
    throw error;
  }
  throw new Error('expected an ApiException');
}

describe('kube-sim with @kubernetes/client-node', function () {
  this.timeout(20_000);
  let sim: KubeSim;
  let dir: string;
  let admin: KubeConfig;
  let operator: KubeConfig;

  before(async () => {
    sim = await startKubeSim();
    dir = await mkdtemp(join(tmpdir(), 'kube-sim-client-'));
    await sim.writeKubeconfig(join(dir, 'admin'), { user: 'admin' });
    await sim.writeKubeconfig(join(dir, 'operator'), { user: 'operator' });
    admin = new KubeConfig();
    admin.loadFromFile(join(dir, 'admin'));
    operator = new KubeConfig();
    operator.loadFromFile(join(dir, 'operator'));
  });

  after(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates, reads, lists, patches and deletes a custom resource', async () => {
    const api = admin.makeApiClient(CustomObjectsApi);
    const body = { apiVersion: `${group}/${version}`, kind: 'PetStore', metadata: { name: 'crud', labels: { app: 'crud' } }, spec: {} };
    const created = (await api.createNamespacedCustomObject({ group, version, namespace, plural, body })) as PetStoreObject;
    expect(created.spec.replicas).to.equal(1);
    const read = (await api.getNamespacedCustomObject({ group, version, namespace, plural, name: 'crud' })) as PetStoreObject;
    expect(read.metadata.resourceVersion).to.equal(created.metadata.resourceVersion);
    const list = (await api.listNamespacedCustomObject({ group, version, namespace, plural, labelSelector: 'app=crud' })) as { items: PetStoreObject[] };
    expect(list.items.map((item) => item.metadata.name)).to.deep.equal(['crud']);
    const patched = (await api.patchNamespacedCustomObject({ group, version, namespace, plural, name: 'crud', body: { spec: { replicas: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as PetStoreObject;
    expect(patched.spec.replicas).to.equal(2);
    expect(patched.metadata.generation).to.equal(2);
    const stale = await failure(api.replaceNamespacedCustomObject({ group, version, namespace, plural, name: 'crud', body: { ...created, spec: { replicas: 4 } } }));
    expect(stale.code).to.equal(409);
    await api.deleteNamespacedCustomObject({ group, version, namespace, plural, name: 'crud' });
    expect((await failure(api.getNamespacedCustomObject({ group, version, namespace, plural, name: 'crud' }))).code).to.equal(404);
  });

  it('answers 422 with a Kubernetes Status for an invalid object', async () => {
    const api = admin.makeApiClient(CustomObjectsApi);
    const error = await failure(api.createNamespacedCustomObject({ group, version, namespace, plural, body: { apiVersion: `${group}/${version}`, kind: 'PetStore', metadata: { name: 'bad' }, spec: { replicas: 0 } } }));
    expect(error.code).to.equal(422);
    const status = JSON.parse(error.body) as { kind: string; reason: string; details: { causes: { field: string }[] } };
    expect(status).to.include({ kind: 'Status', reason: 'Invalid' });
    expect(status.details.causes[0]?.field).to.equal('spec.replicas');
  });

  it('streams ADDED, MODIFIED and DELETED events to a watch', async () => {
    const api = admin.makeApiClient(CustomObjectsApi);
    const events: string[] = [];
    let seen: (() => void) | undefined;
    const allSeen = new Promise<void>((resolve) => {
      seen = resolve;
    });
    const list = (await api.listNamespacedCustomObject({ group, version, namespace, plural })) as { metadata: { resourceVersion: string } };
    const controller = await new Watch(admin).watch(
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      { resourceVersion: list.metadata.resourceVersion },
      (phase, object: PetStoreObject) => {
        events.push(`${phase} ${object.metadata.name} ${object.spec.replicas.toString()}`);
        if (phase === 'DELETED') seen?.();
      },
      () => undefined,
    );
    await api.createNamespacedCustomObject({ group, version, namespace, plural, body: { apiVersion: `${group}/${version}`, kind: 'PetStore', metadata: { name: 'watched' }, spec: {} } });
    await api.patchNamespacedCustomObject({ group, version, namespace, plural, name: 'watched', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    await api.deleteNamespacedCustomObject({ group, version, namespace, plural, name: 'watched' });
    await allSeen;
    controller.abort();
    expect(events).to.deep.equal(['ADDED watched 1', 'MODIFIED watched 3', 'DELETED watched 3']);
  });

  it('lets the operator token do what the chart grants and nothing more', async () => {
    const adminApi = admin.makeApiClient(CustomObjectsApi);
    await adminApi.createNamespacedCustomObject({ group, version, namespace, plural, body: { apiVersion: `${group}/${version}`, kind: 'PetStore', metadata: { name: 'op' }, spec: {} } });
    const api = operator.makeApiClient(CustomObjectsApi);
    const status = (await api.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name: 'op', body: { status: { readyReplicas: 1 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as PetStoreObject;
    expect(status.status?.readyReplicas).to.equal(1);
    const applied = await operator.makeApiClient(CoreV1Api).patchNamespacedConfigMap(
      { name: 'op-config', namespace, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'op-config' }, data: { a: '1' } }, fieldManager: 'cryptoutil-operator', force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(applied.data).to.deep.equal({ a: '1' });
    const denied = await failure(api.deleteNamespacedCustomObject({ group, version, namespace, plural, name: 'op' }));
    expect(denied.code).to.equal(403);
    expect(denied.body).to.include(`User \\"${sim.operatorUser}\\" cannot delete resource \\"petstores\\" in API group \\"cryptoutil.io\\" in the namespace \\"default\\"`);
  });

  it('refuses a request without a valid bearer token with 401', async () => {
    const response = await fetch(`${sim.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer wrong' } }).catch((error: unknown) => error);
    // Node's fetch does not trust the test CA: the TLS failure proves the server speaks only HTTPS.
    expect(response).to.be.instanceOf(Error);
    const core = new KubeConfig();
    core.loadFromOptions({
      clusters: [{ name: 'c', server: sim.url, caData: Buffer.from(sim.ca).toString('base64') }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect((await failure(core.makeApiClient(CoreV1Api).listNamespace())).code).to.equal(401);
  });
});
