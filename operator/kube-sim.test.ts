import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlPath, run } from '../test/kube-sim/tools.ts';
import { startKubeSim } from '../test/kube-sim/server.ts';
import type { KubeSim } from '../test/kube-sim/server.ts';
import { operatorOnSim } from './testing/sim-operator.ts';
import { asAdmin, until, type Json } from './testing/sim-client.ts';
import type { RunningOperator } from './main.ts';

const PETSTORES = '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores';
const AUTH = { issuer: 'https://issuer.example' };
const KMS = '/apis/cryptoutil.io/v1alpha1/namespaces/default/kmsinstances';

function condition(resource: Json, type: string): Json | undefined {
  const conditions = ((resource.status as Json | undefined)?.conditions ?? []) as Json[];
  return conditions.find((entry) => entry.type === type);
}

describe('operator against kube-sim (fake API server with the chart RBAC and the CRDs)', function () {
  this.timeout(60_000);
  let sim: KubeSim;
  let running: RunningOperator;

  before(async () => {
    sim = await startKubeSim();
    // kube-sim runs no pods, so no realm's identity-authz answers: the sample realm's content (clients,
    // groups, bootstrap admin) is left unsynced here, as while a real one cannot be reached yet. The
    // content sync runs against real services in realm-content.kube-sim.test.ts and realm-groups.kube-sim.test.ts.
    running = await operatorOnSim(sim, { locateRealmAdmin: () => Promise.resolve(undefined) });
  });

  after(async () => {
    await running.stop('test done');
    await sim.stop();
  });

  it('creates the children of PetStore demo with owner references and labels, reports Ready, and follows scaling', async () => {
    const created = await asAdmin(sim, 'POST', PETSTORES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'demo' }, spec: { replicas: 2, auth: AUTH } });
    expect(created.status).to.equal(201);
    const uid = (created.body.metadata as Json).uid;
    const deployment = await until('the Deployment', async () => {
      const answer = await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/demo-learn-ps');
      return answer.status === 200 ? answer.body : undefined;
    });
    const metadata = deployment.metadata as { labels: Json; ownerReferences: Json[] };
    expect(metadata.labels).to.deep.include({ 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/managed-by': 'cryptoutil-operator' });
    expect(metadata.ownerReferences[0]).to.deep.include({ kind: 'PetStore', name: 'demo', uid, controller: true });
    for (const path of [
      '/api/v1/namespaces/default/secrets/demo-learn-ps-tls', '/api/v1/namespaces/default/configmaps/demo-learn-ps-config',
      '/api/v1/namespaces/default/services/demo-learn-ps', '/apis/apps/v1/namespaces/default/statefulsets/demo-learn-ps-postgres',
      '/apis/policy/v1/namespaces/default/poddisruptionbudgets/demo-learn-ps', '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies/demo-learn-ps',
    ]) {
      const child = await until(path, async () => {
        const answer = await asAdmin(sim, 'GET', path);
        return answer.status === 200 ? answer.body : undefined;
      });
      expect(((child.metadata as Json).ownerReferences as Json[])[0], path).to.deep.include({ uid, controller: true });
    }
    await until('Ready', async () => {
      const answer = await asAdmin(sim, 'GET', `${PETSTORES}/demo`);
      return condition(answer.body, 'Ready')?.status === 'True' ? true : undefined;
    });
    const scaled = await asAdmin(sim, 'PATCH', `${PETSTORES}/demo`, { spec: { replicas: 3 } }, 'application/merge-patch+json');
    expect(scaled.status).to.equal(200);
    await until('the scaled Deployment and Ready at generation 2', async () => {
      const workload = await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/demo-learn-ps');
      const resource = await asAdmin(sim, 'GET', `${PETSTORES}/demo`);
      const ready = condition(resource.body, 'Ready');
      return (workload.body.spec as Json).replicas === 3 && ready?.status === 'True' && ready.observedGeneration === 2 ? true : undefined;
    });
  });

  it('garbage-collects the children when PetStore demo is deleted, keeping the database credentials (Retain)', async () => {
    expect((await asAdmin(sim, 'DELETE', `${PETSTORES}/demo`)).status).to.equal(200);
    await until('the children to go', async () => {
      const deployment = await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/demo-learn-ps');
      const secret = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/demo-learn-ps-tls');
      return deployment.status === 404 && secret.status === 404 ? true : undefined;
    });
    const credentials = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/demo-learn-ps-postgres');
    expect(credentials.status).to.equal(200);
    expect((credentials.body.metadata as Json).ownerReferences).to.equal(undefined);
  });

  it('creates the KmsInstance unseal share Secrets once and keeps them through a reconcile and a delete (Retain)', async () => {
    expect((await asAdmin(sim, 'POST', KMS, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'KmsInstance', metadata: { name: 'vault' }, spec: { auth: AUTH } })).status).to.equal(201);
    const first = await until('the first unseal share Secret', async () => {
      const answer = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/vault-unseal-1');
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(Object.keys(first.data as Json)).to.deep.equal(['share', 'keyCheck']);
    expect((first.metadata as Json).ownerReferences).to.equal(undefined);
    await asAdmin(sim, 'PATCH', `${KMS}/vault`, { spec: { replicas: 2 } }, 'application/merge-patch+json');
    await until('the second reconcile', async () => {
      const answer = await asAdmin(sim, 'GET', `${KMS}/vault`);
      return condition(answer.body, 'Ready')?.observedGeneration === 2 ? true : undefined;
    });
    const again = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/vault-unseal-1');
    expect(again.body.data).to.deep.equal(first.data);
    expect((again.body.metadata as Json).resourceVersion).to.equal((first.metadata as Json).resourceVersion);
    expect((await asAdmin(sim, 'DELETE', `${KMS}/vault`)).status).to.equal(200);
    await until('the KmsInstance and its Deployment to go', async () => {
      const resource = await asAdmin(sim, 'GET', `${KMS}/vault`);
      const deployment = await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/vault');
      return resource.status === 404 && deployment.status === 404 ? true : undefined;
    });
    const kept = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/vault-unseal-1');
    expect(kept.status).to.equal(200);
    expect(kept.body.data).to.deep.equal(first.data);
    // What NOTES.txt promises: the unseal shares, the database credentials and the volume stay together,
    // so a KmsInstance of the same name opens the same sealed data.
    const credentials = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/vault-sm-kms-postgres');
    expect(credentials.status).to.equal(200);
    expect((await asAdmin(sim, 'POST', KMS, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'KmsInstance', metadata: { name: 'vault' }, spec: { auth: AUTH } })).status).to.equal(201);
    const set = await until('the new StatefulSet', async () => {
      const answer = await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/statefulsets/vault-sm-kms-postgres');
      return answer.status === 200 ? answer.body : undefined;
    });
    expect((set.spec as Json).persistentVolumeClaimRetentionPolicy).to.deep.equal({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const reused = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/vault-sm-kms-postgres');
    expect((reused.body.metadata as Json).resourceVersion).to.equal((credentials.body.metadata as Json).resourceVersion);
    expect((await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/vault-unseal-1')).body.data).to.deep.equal(first.data);
    expect((await asAdmin(sim, 'DELETE', `${KMS}/vault`)).status).to.equal(200);
  });

  it('never regenerates a deleted unseal or database Secret of an initialized KmsInstance: Degraded with the reason and an Event, Ready again once restored', async () => {
    expect((await asAdmin(sim, 'POST', KMS, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'KmsInstance', metadata: { name: 'keep' }, spec: { auth: AUTH } })).status).to.equal(201);
    const ready = async (): Promise<Json> => until('Ready', async () => {
      const answer = await asAdmin(sim, 'GET', `${KMS}/keep`);
      return condition(answer.body, 'Ready')?.status === 'True' ? answer.body : undefined;
    }, 30_000);
    const initial = await ready();
    const unseal = (await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/keep-unseal-1')).body;
    const barrier = (initial.status as Json).barrier as Json;
    expect(barrier).to.deep.equal({ initialized: true, keyCheck: Buffer.from(String((unseal.data as Json).keyCheck), 'base64').toString('utf8') });
    for (const [name, reason] of [['keep-unseal-1', 'UnsealMaterialMissing'], ['keep-sm-kms-postgres', 'DatabaseCredentialsMissing']] as const) {
      const saved = (await asAdmin(sim, 'GET', `/api/v1/namespaces/default/secrets/${name}`)).body;
      expect((await asAdmin(sim, 'DELETE', `/api/v1/namespaces/default/secrets/${name}`)).status).to.equal(200);
      const degraded = await until(reason, async () => {
        const answer = await asAdmin(sim, 'GET', `${KMS}/keep`);
        return condition(answer.body, 'Degraded')?.reason === reason ? answer.body : undefined;
      }, 30_000);
      expect(condition(degraded, 'Ready')).to.deep.include({ status: 'False', reason });
      expect((degraded.status as Json).barrier).to.deep.equal(barrier);
      const events = await asAdmin(sim, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events');
      expect(((events.body.items ?? []) as Json[]).some((event) => event.reason === reason && event.type === 'Warning' && (event.regarding as Json).name === 'keep'), reason).to.equal(true);
      expect((await asAdmin(sim, 'GET', `/api/v1/namespaces/default/secrets/${name}`)).status, `${name} regenerated`).to.equal(404);
      // Restored from a backup: the same data, labels and annotations, without the server's fields.
      const metadata = saved.metadata as Json;
      const restored = { apiVersion: 'v1', kind: 'Secret', metadata: { name, labels: metadata.labels, annotations: metadata.annotations }, type: saved.type, data: saved.data };
      expect((await asAdmin(sim, 'POST', '/api/v1/namespaces/default/secrets', restored)).status).to.equal(201);
      const recovered = await ready();
      expect((recovered.status as Json).barrier).to.deep.equal(barrier);
    }
    expect((await asAdmin(sim, 'DELETE', `${KMS}/keep`)).status).to.equal(200);
  });

  it('reports a missing database Secret once, as one Warning Event whose series counts the retries', async () => {
    const spec = { auth: AUTH, database: { external: { secretRef: { name: 'absent-db' } } } };
    expect((await asAdmin(sim, 'POST', PETSTORES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'nodb' }, spec })).status).to.equal(201);
    const warnings = async (): Promise<Json[]> => {
      const list = await asAdmin(sim, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events');
      return ((list.body.items ?? []) as Json[]).filter((event) => event.reason === 'DatabaseSecretMissing' && (event.regarding as Json).name === 'nodb');
    };
    const repeated = await until('the warning to repeat', async () => {
      const found = await warnings();
      return found.length === 1 && Number((found[0]?.series as Json | undefined)?.count ?? 0) >= 2 ? found : undefined;
    });
    expect(repeated[0]?.type).to.equal('Warning');
    expect((await asAdmin(sim, 'DELETE', `${PETSTORES}/nodb`)).status).to.equal(200);
  });

  it('deletes the unseal and database Secrets through its finalizer under deletionPolicy Delete, and lets the volume go', async () => {
    expect((await asAdmin(sim, 'POST', KMS, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'KmsInstance', metadata: { name: 'scratch' }, spec: { deletionPolicy: 'Delete', auth: AUTH } })).status).to.equal(201);
    await until('the finalizer and the Secret', async () => {
      const resource = await asAdmin(sim, 'GET', `${KMS}/scratch`);
      const secret = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/scratch-unseal-1');
      const finalizers = ((resource.body.metadata as Json).finalizers ?? []) as string[];
      return finalizers.includes('cryptoutil.io/retained-secrets') && secret.status === 200 ? true : undefined;
    });
    const set = await until('the StatefulSet', async () => {
      const answer = await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/statefulsets/scratch-sm-kms-postgres');
      return answer.status === 200 ? answer : undefined;
    });
    expect((set.body.spec as Json).persistentVolumeClaimRetentionPolicy).to.deep.equal({ whenDeleted: 'Delete', whenScaled: 'Retain' });
    await asAdmin(sim, 'DELETE', `${KMS}/scratch`);
    await until('the resource and its Secrets to go', async () => {
      const resource = await asAdmin(sim, 'GET', `${KMS}/scratch`);
      const secret = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/scratch-unseal-1');
      const credentials = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/scratch-sm-kms-postgres');
      return resource.status === 404 && secret.status === 404 && credentials.status === 404 ? true : undefined;
    });
  });

  it('marks a resource without an issuer Degraded with reason NoIssuer, with a Warning Event, and deploys nothing', async () => {
    expect((await asAdmin(sim, 'POST', PETSTORES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'anon' }, spec: {} })).status).to.equal(201);
    const resource = await until('Degraded NoIssuer', async () => {
      const answer = await asAdmin(sim, 'GET', `${PETSTORES}/anon`);
      return condition(answer.body, 'Degraded')?.reason === 'NoIssuer' ? answer.body : undefined;
    });
    expect(condition(resource, 'Ready')).to.deep.include({ status: 'False', reason: 'NoIssuer', observedGeneration: 1 });
    const events = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Danon');
    expect(((events.body.items ?? []) as Json[]).map((event) => [event.type, event.reason])).to.deep.include(['Warning', 'NoIssuer']);
    expect((await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/anon-learn-ps')).status).to.equal(404);
    expect((await asAdmin(sim, 'DELETE', `${PETSTORES}/anon`)).status).to.equal(200);
  });

  it('deploys kind/samples/identityrealm.yaml until kubectl wait --for=condition=Ready returns, and a PetStore naming the realm trusts its issuer', async () => {
    const realms = '/apis/cryptoutil.io/v1alpha1/namespaces/default/identityrealms';
    const dir = await mkdtemp(join(tmpdir(), 'kube-sim-realm-'));
    try {
      await sim.writeKubeconfig(join(dir, 'admin'), { user: 'admin' });
      const kubectl = async (...args: string[]) => run(await kubectlPath(), ['--kubeconfig', join(dir, 'admin'), ...args]);
      expect((await kubectl('apply', '-f', join(import.meta.dirname, '..', 'kind', 'samples', 'identityrealm.yaml'))).stdout.trim()).to.equal('identityrealm.cryptoutil.io/demo created');
      const waited = await kubectl('wait', '--for=condition=Ready', 'identityrealm/demo', '--timeout=30s');
      expect(waited.stdout.trim()).to.equal('identityrealm.cryptoutil.io/demo condition met');
      expect((await kubectl('get', 'identityrealms')).stdout).to.match(/demo\s+True\s+https:\/\/demo-identity-authz\.default\.svc:8180\s+1\s+2\s/u);
      const realm = (await asAdmin(sim, 'GET', `${realms}/demo`)).body;
      const status = realm.status as Json;
      expect(status.issuer).to.equal('https://demo-identity-authz.default.svc:8180');
      expect(condition(realm, 'Ready')).to.deep.include({ status: 'True', reason: 'Available', message: '2/2 replicas ready', observedGeneration: 1 });
      expect(condition(realm, 'Degraded')).to.deep.include({ status: 'False', observedGeneration: 1 });
      for (const service of ['identity-authz', 'identity-idp']) {
        const workload = await asAdmin(sim, 'GET', `/apis/apps/v1/namespaces/default/deployments/demo-${service}`);
        expect(((workload.body.metadata as Json).ownerReferences as Json[])[0], service).to.deep.include({ kind: 'IdentityRealm', name: 'demo', controller: true });
      }
      expect((await asAdmin(sim, 'POST', PETSTORES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'realmed' }, spec: { auth: { identityRealmRef: { name: 'demo' } } } })).status).to.equal(201);
      const config = await until('the PetStore config naming the realm issuer', async () => {
        const answer = await asAdmin(sim, 'GET', '/api/v1/namespaces/default/configmaps/realmed-learn-ps-config');
        return answer.status === 200 ? String((answer.body.data as Json)['config.yml']) : undefined;
      });
      expect(config).to.include('issuer: https://demo-identity-authz.default.svc:8180');
      expect((await asAdmin(sim, 'DELETE', `${PETSTORES}/realmed`)).status).to.equal(200);
      expect((await kubectl('delete', 'identityrealm', 'demo')).code).to.equal(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
