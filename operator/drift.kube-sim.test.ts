import { expect } from 'chai';
import { startKubeSim } from '../test/kube-sim/server.ts';
import type { KubeSim } from '../test/kube-sim/server.ts';
import { operatorOnSim } from './testing/sim-operator.ts';
import { asAdmin, until, type Json } from './testing/sim-client.ts';
import type { RunningOperator } from './main.ts';

const PETSTORES = '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores';
const CHILDREN = {
  service: '/api/v1/namespaces/default/services/drift-learn-ps',
  config: '/api/v1/namespaces/default/configmaps/drift-learn-ps-config',
  budget: '/apis/policy/v1/namespaces/default/poddisruptionbudgets/drift-learn-ps',
  policy: '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies/drift-learn-ps',
  tls: '/api/v1/namespaces/default/secrets/drift-learn-ps-tls',
};
/** Far beyond the test: whatever is repaired was repaired because a watch saw it, not by resync. */
const RESYNC_SECONDS = 3_600;
/** "Within seconds": the bound the repairs are held to. */
const REPAIR_MS = 5_000;

function condition(resource: Json, type: string): Json | undefined {
  return (((resource.status as Json | undefined)?.conditions ?? []) as Json[]).find((entry) => entry.type === type);
}

const uidOf = (object: Json): unknown => (object.metadata as Json).uid;

/**
 * Waits until the operator has been quiet (no write but its Lease renewals) for half a second, so
 * that no reconcile still in flight can repair what a test breaks next: only a watch can.
 */
async function settled(sim: KubeSim): Promise<void> {
  const { store } = sim.api;
  let mark = store.revision;
  let quietSince = Date.now();
  await until('the operator to settle', () => {
    const writes = (store.since(mark) ?? []).filter((event) => event.object.kind !== 'Lease');
    mark = store.revision;
    if (writes.length > 0) quietSince = Date.now();
    return Promise.resolve(Date.now() - quietSince >= 500 ? true : undefined);
  });
}

describe('operator against kube-sim: drift of any child is repaired within seconds, by its watch', function () {
  this.timeout(60_000);
  let sim: KubeSim;
  let running: RunningOperator;

  before(async () => {
    sim = await startKubeSim();
    running = await operatorOnSim(sim, { resyncSeconds: RESYNC_SECONDS });
    const created = await asAdmin(sim, 'POST', PETSTORES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'drift' }, spec: { auth: { issuer: 'https://issuer.example' } } });
    expect(created.status).to.equal(201);
    await until('Ready', async () => (condition((await asAdmin(sim, 'GET', `${PETSTORES}/drift`)).body, 'Ready')?.status === 'True' ? true : undefined), 30_000);
  });

  after(async () => {
    await running.stop('test done');
    await sim.stop();
  });

  it('recreates a deleted Service, ConfigMap, PodDisruptionBudget, NetworkPolicy and TLS Secret', async () => {
    await settled(sim);
    const before = await Promise.all(Object.values(CHILDREN).map(async (path) => uidOf((await asAdmin(sim, 'GET', path)).body)));
    const deleted = Date.now();
    for (const path of Object.values(CHILDREN)) {
      expect((await asAdmin(sim, 'DELETE', path)).status, path).to.equal(200);
    }
    await until('every child again, each a new object', async () => {
      const now = await Promise.all(Object.values(CHILDREN).map((path) => asAdmin(sim, 'GET', path)));
      return now.every((answer, index) => answer.status === 200 && uidOf(answer.body) !== before[index]) ? true : undefined;
    }, REPAIR_MS);
    expect(Date.now() - deleted).to.be.lessThan(REPAIR_MS);
  });

  it('puts back what a hand edit changed in a ConfigMap and a Service', async () => {
    await settled(sim);
    const config = (await asAdmin(sim, 'GET', CHILDREN.config)).body;
    const service = (await asAdmin(sim, 'GET', CHILDREN.service)).body;
    const merge = 'application/merge-patch+json';
    const edits = [
      asAdmin(sim, 'PATCH', `${CHILDREN.config}?fieldManager=kubectl-edit`, { data: Object.fromEntries(Object.keys(config.data as Json).map((key) => [key, 'edited'])) }, merge),
      asAdmin(sim, 'PATCH', `${CHILDREN.service}?fieldManager=kubectl-edit`, { spec: { selector: { 'app.kubernetes.io/name': 'elsewhere' } } }, merge),
    ];
    expect((await Promise.all(edits)).map((answer) => answer.status)).to.deep.equal([200, 200]);
    await until('the ConfigMap and the Service as the operator wrote them', async () => {
      const [configNow, serviceNow] = await Promise.all([asAdmin(sim, 'GET', CHILDREN.config), asAdmin(sim, 'GET', CHILDREN.service)]);
      return JSON.stringify(configNow.body.data) === JSON.stringify(config.data) &&
        JSON.stringify((serviceNow.body.spec as Json).selector) === JSON.stringify((service.spec as Json).selector) ? true : undefined;
    }, REPAIR_MS);
  });

  it('notices a deleted database Secret at once: Degraded DatabaseCredentialsMissing, nothing regenerated', async () => {
    const path = '/api/v1/namespaces/default/secrets/drift-learn-ps-postgres';
    await settled(sim);
    expect((await asAdmin(sim, 'DELETE', path)).status).to.equal(200);
    await until('DatabaseCredentialsMissing', async () => (condition((await asAdmin(sim, 'GET', `${PETSTORES}/drift`)).body, 'Degraded')?.reason === 'DatabaseCredentialsMissing' ? true : undefined), REPAIR_MS);
    expect((await asAdmin(sim, 'GET', path)).status).to.equal(404);
  });
});
