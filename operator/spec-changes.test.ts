import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startKubeSim } from '../test/kube-sim/server.ts';
import type { KubeSim } from '../test/kube-sim/server.ts';
import { startOperator } from './main.ts';
import { asAdmin, until, type Json } from './testing/sim-client.ts';
import type { RunningOperator } from './main.ts';

const PETSTORES = '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores';
const STATEFULSETS = '/apis/apps/v1/namespaces/default/statefulsets';
const CLAIMS = '/api/v1/namespaces/default/persistentvolumeclaims';
const AUTH = { issuer: 'https://issuer.example' };
const MERGE = 'application/merge-patch+json';

function condition(resource: Json, type: string): Json | undefined {
  return ((resource.status as Json | undefined)?.conditions as Json[] | undefined)?.find((entry) => entry.type === type);
}

function petStore(name: string, spec: Json = {}): Json {
  return { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name }, spec: { auth: AUTH, ...spec } };
}

/** Waits until the condition of `type` on PetStore `name` passes `test`; answers the resource. */
async function whenCondition(sim: KubeSim, name: string, type: string, test: (found: Json) => boolean): Promise<Json> {
  return until(`${type} of ${name}`, async () => {
    const answer = await asAdmin(sim, 'GET', `${PETSTORES}/${name}`);
    const found = condition(answer.body, type);
    return found !== undefined && test(found) ? answer.body : undefined;
  });
}

describe('spec changes a cluster accepts, and Ready as a rollout (operator against kube-sim)', function () {
  this.timeout(30_000);
  let sim: KubeSim;
  let running: RunningOperator | undefined;
  let kubeconfig: string;
  let dir: string;

  before(async () => {
    sim = await startKubeSim();
    dir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-changes-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig, { user: 'operator' });
  });

  after(async () => {
    await running?.stop('test done');
    await sim.stop();
  });

  it('says in Degraded what the API server answered when it refuses a write (an immutable StatefulSet field)', async () => {
    // A StatefulSet an earlier release made with another serviceName: applying the current one is a 422.
    const created = await asAdmin(sim, 'POST', PETSTORES, petStore('legacy'));
    const owner = { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', name: 'legacy', uid: (created.body.metadata as Json).uid, controller: true };
    const set = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'legacy-learn-ps-postgres', ownerReferences: [owner] }, spec: { serviceName: 'old-name', replicas: 1, selector: { matchLabels: { app: 'old' } }, template: { metadata: { labels: { app: 'old' } }, spec: { containers: [{ name: 'postgres', image: 'postgres:17-alpine' }] } } } };
    expect((await asAdmin(sim, 'POST', STATEFULSETS, set)).status).to.equal(201);
    running = await startOperator({ kubeconfig, adminPort: 0, dataDir: dir, namespace: 'cryptoutil-system', identity: 'changes', resyncSeconds: 2, leaseRetryMs: 50, logLevel: 'silent', allowedImages: ['cryptoutil:*'] });
    const resource = await whenCondition(sim, 'legacy', 'Degraded', (found) => found.status === 'True');
    expect(condition(resource, 'Degraded')?.message).to.match(/^PATCH \/apis\/apps\/v1\/namespaces\/default\/statefulsets\/legacy-learn-ps-postgres answered 422: StatefulSet\.apps "legacy-learn-ps-postgres" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/u);
    expect(condition(resource, 'Ready')).to.deep.include({ status: 'False', reason: 'ReconcileError' });
    expect((await asAdmin(sim, 'DELETE', `${PETSTORES}/legacy`)).status).to.equal(200);
  });

  it('grows the database volume by expanding its claim, keeps the claim templates, and refuses to shrink it', async () => {
    expect((await asAdmin(sim, 'POST', PETSTORES, petStore('grow', { database: { generated: { storage: '1Gi' } } }))).status).to.equal(201);
    await whenCondition(sim, 'grow', 'Ready', (found) => found.status === 'True');
    const claim = `${CLAIMS}/data-grow-learn-ps-postgres-0`;
    expect((await asAdmin(sim, 'GET', claim)).body).to.have.nested.property('status.capacity.storage', '1Gi');
    expect((await asAdmin(sim, 'PATCH', `${PETSTORES}/grow`, { spec: { database: { generated: { storage: '3Gi' } } } }, MERGE)).status).to.equal(200);
    await until('the claim to grow', async () => {
      const answer = await asAdmin(sim, 'GET', claim);
      return (answer.body.status as Json | undefined)?.capacity !== undefined && ((answer.body.status as Json).capacity as Json).storage === '3Gi' ? true : undefined;
    });
    const set = await asAdmin(sim, 'GET', `${STATEFULSETS}/grow-learn-ps-postgres`);
    expect(set.body).to.have.nested.property('spec.volumeClaimTemplates[0].spec.resources.requests.storage', '1Gi');
    await whenCondition(sim, 'grow', 'Ready', (found) => found.status === 'True' && found.observedGeneration === 2);
    expect((await asAdmin(sim, 'PATCH', `${PETSTORES}/grow`, { spec: { database: { generated: { storage: '2Gi' } } } }, MERGE)).status).to.equal(200);
    const refused = await whenCondition(sim, 'grow', 'Degraded', (found) => found.reason === 'StorageShrinkRefused');
    expect(condition(refused, 'Degraded')?.message).to.include('data-grow-learn-ps-postgres-0 (3Gi)');
    expect((await asAdmin(sim, 'GET', claim)).body).to.have.nested.property('spec.resources.requests.storage', '3Gi');
    expect((await asAdmin(sim, 'DELETE', `${PETSTORES}/grow`)).status).to.equal(200);
  });

  it('refuses a PostgreSQL major version change with the CRD\'s message pointing at the upgrade path', async () => {
    expect((await asAdmin(sim, 'POST', PETSTORES, petStore('pg16', { database: { generated: { version: '16' } } }))).status).to.equal(201);
    const answer = await asAdmin(sim, 'PATCH', `${PETSTORES}/pg16`, { spec: { database: { generated: { version: '17' } } } }, MERGE);
    expect(answer.status).to.equal(422);
    expect(String(answer.body.message)).to.include('spec.database.generated.version').and.include('"PostgreSQL major version upgrade" in docs/operator.md');
    expect((await asAdmin(sim, 'DELETE', `${PETSTORES}/pg16`)).status).to.equal(200);
  });

  it('does not call a crash-looping new image Ready: the stalled rollout shows in Progressing and Degraded, and a good image recovers', async () => {
    expect((await asAdmin(sim, 'POST', PETSTORES, petStore('roll'))).status).to.equal(201);
    await whenCondition(sim, 'roll', 'Ready', (found) => found.status === 'True');
    sim.api.crashingImages.add('cryptoutil:crash');
    expect((await asAdmin(sim, 'PATCH', `${PETSTORES}/roll`, { spec: { image: 'cryptoutil:crash' } }, MERGE)).status).to.equal(200);
    const stalled = await whenCondition(sim, 'roll', 'Progressing', (found) => found.reason === 'ProgressDeadlineExceeded');
    expect(condition(stalled, 'Ready')).to.deep.include({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(condition(stalled, 'Degraded')).to.deep.include({ status: 'True', reason: 'ProgressDeadlineExceeded' });
    expect(String(condition(stalled, 'Degraded')?.message)).to.include('has timed out progressing');
    // The old pod still serves: the resource reports it, but is not Ready.
    expect((stalled.status as Json).readyReplicas).to.equal(1);
    expect((await asAdmin(sim, 'PATCH', `${PETSTORES}/roll`, { spec: { image: 'cryptoutil:fixed' } }, MERGE)).status).to.equal(200);
    await whenCondition(sim, 'roll', 'Ready', (found) => found.status === 'True' && found.observedGeneration === 3);
    expect((await asAdmin(sim, 'DELETE', `${PETSTORES}/roll`)).status).to.equal(200);
  });
});
