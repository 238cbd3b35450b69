import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KINDS } from '../../operator/api/kinds.ts';
import { healthKey, healthLua } from '../../operator/gitops/health.ts';
import { startKubeSim, type KubeSim } from './server.ts';
import { kubectlPath, run } from './tools.ts';

const root = join(import.meta.dirname, '..', '..');
const sample = join(root, 'kind', 'samples', 'petstore.yaml');

describe('kube-sim driven by the real kubectl 1.34', function () {
  this.timeout(25_000);
  let sim: KubeSim;
  let dir: string;
  let kubectl: string;
  const admin = (...args: string[]) => run(kubectl, ['--kubeconfig', join(dir, 'admin'), ...args]);
  const operator = (...args: string[]) => run(kubectl, ['--kubeconfig', join(dir, 'operator'), ...args]);
  const petStores = () => sim.api.type('cryptoutil.io', 'v1alpha1', 'petstores');

  before(async () => {
    kubectl = await kubectlPath();
    sim = await startKubeSim();
    dir = await mkdtemp(join(tmpdir(), 'kube-sim-kubectl-'));
    await sim.writeKubeconfig(join(dir, 'admin'), { user: 'admin' });
    await sim.writeKubeconfig(join(dir, 'operator'), { user: 'operator' });
  });

  after(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('kubectl version reports kube-sim as the server', async () => {
    const result = await admin('version');
    expect(result.stdout).to.include('Server Version: v1.34.0-kube-sim');
  });

  it('kubectl apply -f kind/samples/petstore.yaml creates it with the CRD defaults applied', async () => {
    const result = await admin('apply', '-f', sample);
    expect(result.stderr).to.equal('');
    expect(result.stdout.trim()).to.equal('petstore.cryptoutil.io/demo created');
    const stored = JSON.parse((await admin('get', 'petstore', 'demo', '-o', 'json')).stdout) as { spec: Record<string, unknown>; metadata: { generation: number } };
    expect(stored.spec).to.deep.equal({ replicas: 1, auth: { issuer: 'https://identity.example.com' }, database: {}, tls: { mode: 'Generated' }, deletionPolicy: 'Retain' });
    expect(stored.metadata.generation).to.equal(1);
    expect((await admin('apply', '-f', sample)).stdout.trim()).to.equal('petstore.cryptoutil.io/demo unchanged');
  });

  it('kubectl get petstores prints the CRD printer columns', async () => {
    const result = await admin('get', 'petstores');
    const [header, row] = result.stdout.trim().split('\n');
    expect(header?.split(/\s+/u)).to.deep.equal(['NAME', 'READY', 'REPLICAS', 'AVAILABLE', 'AGE']);
    expect(row).to.match(/^demo\s+1\s+\d+s$/u);
    expect((await admin('get', 'ps', '-o', 'name')).stdout.trim()).to.equal('petstore.cryptoutil.io/demo');
  });

  it('kubectl wait --for=condition=Ready returns once the status says so', async () => {
    const waiting = admin('wait', '--for=condition=Ready', 'petstore/demo', '--timeout=15s');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const current = sim.api.get(petStores(), 'default', 'demo');
    const condition = { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'all children ready', lastTransitionTime: new Date().toISOString(), observedGeneration: 1 };
    sim.api.update(petStores(), 'default', 'demo', { ...current, status: { observedGeneration: 1, conditions: [condition] } }, 'status', 'test');
    const result = await waiting;
    expect(result.stdout.trim()).to.equal('petstore.cryptoutil.io/demo condition met');
    expect((await admin('get', 'petstores')).stdout).to.match(/demo\s+True\s+1/u);
  });

  it('kubectl delete leaves the object while a finalizer remains, and it goes once removed', async () => {
    const current = sim.api.get(petStores(), 'default', 'demo');
    sim.api.update(petStores(), 'default', 'demo', { ...current, metadata: { ...current.metadata, finalizers: ['cryptoutil.io/secrets'] } }, 'main', 'test');
    const deleted = await admin('delete', 'petstore', 'demo', '--wait=false');
    expect(deleted.stdout.trim()).to.equal('petstore.cryptoutil.io "demo" deleted from default namespace');
    const held = JSON.parse((await admin('get', 'petstore', 'demo', '-o', 'json')).stdout) as { metadata: { deletionTimestamp?: string } };
    expect(held.metadata.deletionTimestamp).to.be.a('string');
    const removed = await admin('patch', 'petstore', 'demo', '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
    expect(removed.code).to.equal(0);
    const gone = await admin('get', 'petstore', 'demo');
    expect(gone.code).to.equal(1);
    expect(gone.stderr).to.include('petstores.cryptoutil.io "demo" not found');
  });

  it('refuses a resource that breaks the schema (422 Invalid)', async () => {
    const file = join(dir, 'bad-schema.yaml');
    await writeFile(file, 'apiVersion: cryptoutil.io/v1alpha1\nkind: PetStore\nmetadata: {name: bad, namespace: default}\nspec: {replicas: 0, deletionPolicy: Forget}\n');
    const result = await admin('apply', '-f', file);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('The PetStore "bad" is invalid');
    expect(result.stderr).to.include('spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1');
    expect(result.stderr).to.include('spec.deletionPolicy: Unsupported value: "Forget"');
  });

  it('refuses unknown fields under kubectl\'s strict field validation', async () => {
    const file = join(dir, 'unknown.yaml');
    await writeFile(file, 'apiVersion: cryptoutil.io/v1alpha1\nkind: PetStore\nmetadata: {name: extra, namespace: default}\nspec: {replicaz: 2}\n');
    const result = await admin('apply', '-f', file);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('strict decoding error: unknown field "spec.replicaz"');
    const ignored = await admin('apply', '--validate=false', '-f', file);
    expect(ignored.stdout.trim()).to.equal('petstore.cryptoutil.io/extra created');
    const deleted = await admin('delete', '-f', file);
    expect(deleted.stdout.trim()).to.equal('petstore.cryptoutil.io "extra" deleted from default namespace');
    expect((await admin('get', 'petstores', '-o', 'name')).stdout).not.to.include('extra');
  });

  it('refuses a resource that breaks a CEL rule (x-kubernetes-validations)', async () => {
    const file = join(dir, 'bad-cel.yaml');
    await writeFile(file, 'apiVersion: cryptoutil.io/v1alpha1\nkind: PetStore\nmetadata: {name: bad, namespace: default}\nspec: {tls: {mode: CertManager}}\n');
    const result = await admin('apply', '-f', file);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('spec.tls: Invalid value: "object": tls.certManager is required with mode CertManager and forbidden otherwise');
  });

  it('applies the chart RBAC to the operator token and lets the admin through', async () => {
    expect((await operator('get', 'petstores', '-A')).code).to.equal(0);
    const denied = await operator('delete', 'crd', 'petstores.cryptoutil.io');
    expect(denied.code).to.equal(1);
    expect(denied.stderr).to.include(`User "${sim.operatorUser}" cannot delete resource "customresourcedefinitions"`);
    const create = await operator('create', 'namespace', 'nope');
    expect(create.stderr).to.include('forbidden');
  });

  it('serves built-in kinds and server-side apply with a field manager', async () => {
    const file = join(dir, 'cm.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {a: "1"}\n');
    const applied = await admin('apply', '--server-side', '--field-manager=tester', '-f', file);
    expect(applied.stdout.trim()).to.equal('configmap/settings serverside-applied');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {a: "2"}\n');
    const conflict = await admin('apply', '--server-side', '--field-manager=other', '-f', file);
    expect(conflict.code).to.equal(1);
    expect(conflict.stderr).to.include('conflict with "tester"');
    const forced = await admin('apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', file);
    expect(forced.code).to.equal(0);
    expect((await admin('get', 'configmap', 'settings', '-o', 'jsonpath={.data.a}')).stdout).to.equal('2');
  });

  it('merges the Argo CD health checks into an existing argocd-cm with the command of docs/gitops/README.md', async () => {
    expect((await admin('create', 'namespace', 'argocd')).code).to.equal(0);
    const created = await admin('-n', 'argocd', 'create', 'configmap', 'argocd-cm', '--from-literal=url=https://argocd.example.com');
    expect(created.code, created.stderr).to.equal(0);
    const patched = await admin('-n', 'argocd', 'patch', 'configmap', 'argocd-cm', '--type', 'merge', '--patch-file', join(root, 'docs', 'gitops', 'argocd-cm-health.yaml'));
    expect(patched.stderr).to.equal('');
    expect(patched.stdout.trim()).to.equal('configmap/argocd-cm patched');
    const stored = JSON.parse((await admin('-n', 'argocd', 'get', 'configmap', 'argocd-cm', '-o', 'json')).stdout) as { data: Record<string, string> };
    expect(stored.data.url).to.equal('https://argocd.example.com');
    for (const definition of KINDS) expect(stored.data[healthKey(definition.kind)], definition.kind).to.equal(healthLua());
  });
});

