import { expect } from 'chai';
import { startKubeSim } from '../test/kube-sim/server.ts';
import type { KubeSim } from '../test/kube-sim/server.ts';
import { allowed, grantedAccess, policyFromChart } from '../test/kube-sim/rbac.ts';
import type { OperatorOptions, RunningOperator } from './main.ts';
import { operatorOnSim } from './testing/sim-operator.ts';
import { asAdmin, until, type Json } from './testing/sim-client.ts';
import { DAY_MS } from '../services/template/tls/issuing.ts';
import { BOOTSTRAP_CA_SECRET } from './controllers/material.ts';
import { createBootstrapCa, issueServerCertificate } from './material/bootstrap-ca.ts';
import { childLabels, secretData } from './resources/ownership.ts';
import { kindRow } from './kinds.ts';
import { petStore } from './testing/fixtures.ts';

const AUTH = { issuer: 'https://issuer.example' };
const MERGE = 'application/merge-patch+json';
/** cert-manager's Certificate as a CRD that accepts anything: enough for the operator to apply one. */
const CERTIFICATE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'certificates.cert-manager.io' },
  spec: {
    group: 'cert-manager.io',
    scope: 'Namespaced',
    names: { plural: 'certificates', singular: 'certificate', kind: 'Certificate', listKind: 'CertificateList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

const collection = (namespace: string, plural: string): string => `/apis/cryptoutil.io/v1alpha1/namespaces/${namespace}/${plural}`;

function condition(resource: Json, type: string): Json | undefined {
  return ((resource.status as Json | undefined)?.conditions as Json[] | undefined)?.find((entry) => entry.type === type);
}

async function create(sim: KubeSim, namespace: string, plural: string, kind: string, name: string, spec: Json): Promise<void> {
  const answer = await asAdmin(sim, 'POST', collection(namespace, plural), { apiVersion: 'cryptoutil.io/v1alpha1', kind, metadata: { name }, spec });
  expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
}

async function whenCondition(sim: KubeSim, path: string, type: string, test: (found: Json) => boolean): Promise<Json> {
  return until(`${path} ${type}`, async () => {
    const found = condition((await asAdmin(sim, 'GET', path)).body, type);
    return found !== undefined && test(found) ? found : undefined;
  });
}

async function gone(sim: KubeSim, ...paths: string[]): Promise<void> {
  await until(`${paths.join(', ')} to go`, async () => ((await Promise.all(paths.map((path) => asAdmin(sim, 'GET', path)))).every((answer) => answer.status === 404) ? true : undefined));
}

async function operator(sim: KubeSim, identity: string, options: Partial<OperatorOptions> = {}): Promise<RunningOperator> {
  return operatorOnSim(sim, {
    identity, resyncSeconds: 1, leaseDurationSeconds: 2,
    serviceFetch: (target) => Promise.reject(new Error(`${target} answered 503`)),
    ...options,
  });
}

describe('operator RBAC: the chart grants exactly the access the operator uses', function () {
  this.timeout(60_000);

  it('records every verb the operator asks for in every scenario and finds it equal to the chart rules', async () => {
    const sim = await startKubeSim();
    expect((await asAdmin(sim, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CERTIFICATE_CRD)).status).to.equal(201);
    const first = await operator(sim, 'first');
    const second = await operator(sim, 'second');
    try {
      const petstores = collection('default', 'petstores');
      // A bootstrap CA and a TLS certificate issued 300 days ago: past the renewal point, so the
      // operator replaces the Secret (the one update it makes on Secrets).
      const then = new Date(Date.now() - 300 * DAY_MS);
      const ca = await createBootstrapCa(then);
      const old = await issueServerCertificate(ca, 'aged-learn-ps', ['aged-learn-ps.default.svc'], then);
      const secrets = '/api/v1/namespaces/default/secrets';
      expect((await asAdmin(sim, 'POST', secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: BOOTSTRAP_CA_SECRET, labels: { 'app.kubernetes.io/managed-by': 'cryptoutil-operator' } }, type: 'kubernetes.io/tls', data: secretData({ 'tls.crt': ca.cert, 'tls.key': ca.key }) })).status).to.equal(201);
      expect((await asAdmin(sim, 'POST', secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aged-learn-ps-tls', labels: childLabels(petStore('aged'), kindRow('PetStore'), 'tls') }, type: 'kubernetes.io/tls', data: secretData({ 'tls.crt': old.cert, 'tls.key': old.key, 'ca.crt': ca.cert }) })).status).to.equal(201);
      await create(sim, 'default', 'petstores', 'PetStore', 'aged', { auth: AUTH });
      await create(sim, 'default', 'petstores', 'PetStore', 'keep', { auth: AUTH, replicas: 1, database: { generated: { storage: '1Gi' } } });
      await create(sim, 'default', 'petstores', 'PetStore', 'drop', { auth: AUTH, deletionPolicy: 'Delete' });
      await create(sim, 'default', 'petstores', 'PetStore', 'managed', { auth: AUTH, tls: { mode: 'CertManager', certManager: { issuerRef: { name: 'corp' } } } });
      await create(sim, 'default', 'petstores', 'PetStore', 'anonymous', {});
      await create(sim, 'default', 'kmsinstances', 'KmsInstance', 'vault', { auth: AUTH, deletionPolicy: 'Delete' });
      await create(sim, 'default', 'certificateauthorities', 'CertificateAuthority', 'pki', { auth: AUTH, deletionPolicy: 'Delete', subject: { commonName: 'rbac test CA' } });
      await create(sim, 'default', 'jwkauthorities', 'JwkAuthority', 'jose', { auth: AUTH, deletionPolicy: 'Delete' });
      await create(sim, 'default', 'identityrealms', 'IdentityRealm', 'corp', { deletionPolicy: 'Delete' });
      for (const path of [`${petstores}/keep`, `${petstores}/drop`, `${collection('default', 'kmsinstances')}/vault`]) {
        await whenCondition(sim, path, 'Ready', (found) => found.status === 'True');
      }
      await until('the aged certificate renewed', () => Promise.resolve(sim.operatorAccess().includes('update /secrets') ? true : undefined));
      for (const path of [`${collection('default', 'certificateauthorities')}/pki`, `${collection('default', 'jwkauthorities')}/jose`]) {
        await until(`${path} finalizer`, async () => (((await asAdmin(sim, 'GET', path)).body.metadata as Json).finalizers === undefined ? undefined : true));
      }
      // Scale and grow the database volume (a claim expansion), then delete under Retain and Delete.
      expect((await asAdmin(sim, 'PATCH', `${petstores}/keep`, { spec: { replicas: 2, database: { generated: { storage: '2Gi' } } } }, MERGE)).status).to.equal(200);
      await whenCondition(sim, `${petstores}/keep`, 'Ready', (found) => found.status === 'True' && found.observedGeneration === 2);
      for (const path of [`${petstores}/keep`, `${petstores}/drop`, `${collection('default', 'kmsinstances')}/vault`]) {
        expect((await asAdmin(sim, 'DELETE', path)).status).to.equal(200);
      }
      await gone(sim, `${petstores}/drop`, `${collection('default', 'kmsinstances')}/vault`, '/api/v1/namespaces/default/secrets/drop-learn-ps-postgres', '/api/v1/namespaces/default/secrets/vault-unseal-1');
      await whenCondition(sim, `${collection('default', 'petstores')}/anonymous`, 'Degraded', (found) => found.reason === 'NoIssuer');
      await whenCondition(sim, `${collection('default', 'identityrealms')}/corp`, 'Ready', (found) => found.status === 'True');
      // The leader steps down: the other replica takes the Lease over.
      const leader = first.leading() ? first : second;
      const follower = leader === first ? second : first;
      await leader.stop('test: leader leaves');
      await until('the follower to lead', () => Promise.resolve(follower.leading() ? true : undefined));
      // Repeated Events become a series (a PATCH) once a resync reconciles the Degraded resource again.
      await until('an Event series', () => Promise.resolve(sim.operatorAccess().includes('patch events.k8s.io/events') ? true : undefined));
      await follower.stop('test done');
      expect(sim.operatorDenied()).to.deep.equal([]);
      expect(sim.operatorAccess()).to.deep.equal(grantedAccess((await policyFromChart()).rules));
    } finally {
      await first.stop();
      await second.stop();
      await sim.stop();
    }
  });

  it('installed for namespace team-a, reconciles there and cannot even see team-b', async () => {
    const chartArgs = ['--set', 'watchNamespaces={team-a}'];
    const sim = await startKubeSim({ chartArgs });
    for (const name of ['team-a', 'team-b']) expect((await asAdmin(sim, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })).status).to.equal(201);
    const running = await operator(sim, 'scoped', { watchNamespaces: ['team-a'] });
    try {
      await create(sim, 'team-a', 'petstores', 'PetStore', 'demo', { auth: AUTH });
      await create(sim, 'team-b', 'petstores', 'PetStore', 'demo', { auth: AUTH });
      await whenCondition(sim, `${collection('team-a', 'petstores')}/demo`, 'Ready', (found) => found.status === 'True');
      // Several resyncs later, team-b's resource is still untouched.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await asAdmin(sim, 'GET', `${collection('team-b', 'petstores')}/demo`)).body.status).to.equal(undefined);
      expect((await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/team-b/deployments/demo-learn-ps')).status).to.equal(404);
      expect(sim.operatorDenied()).to.deep.equal([]);
      const { rules } = await policyFromChart(chartArgs);
      for (const namespace of ['team-b', undefined]) {
        expect(allowed(rules, { verb: 'list', group: 'cryptoutil.io', resource: 'petstores', ...(namespace === undefined ? {} : { namespace }) }), String(namespace)).to.equal(false);
        expect(allowed(rules, { verb: 'get', group: '', resource: 'secrets', name: 'demo-learn-ps-tls', ...(namespace === undefined ? {} : { namespace }) }), String(namespace)).to.equal(false);
      }
      expect(allowed(rules, { verb: 'list', group: 'cryptoutil.io', resource: 'petstores', namespace: 'team-a' })).to.equal(true);
    } finally {
      await running.stop();
      await sim.stop();
    }
  });

  it('elects one leader for two releases in different namespaces that share leaderElection.namespace', async () => {
    // The release (its ServiceAccount) lives in ops-a; the Lease in the shared namespace, granted by a Role there.
    const sim = await startKubeSim({ chartArgs: ['--namespace', 'ops-a', '--set', 'leaderElection.namespace=cryptoutil-system'] });
    expect(sim.operatorUser).to.equal('system:serviceaccount:ops-a:cryptoutil-operator');
    const releases = [await operator(sim, 'release-one'), await operator(sim, 'release-two')];
    try {
      await until('a leader', () => Promise.resolve(releases.some((release) => release.leading()) ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(releases.filter((release) => release.leading())).to.have.length(1);
      const lease = await asAdmin(sim, 'GET', '/apis/coordination.k8s.io/v1/namespaces/cryptoutil-system/leases/cryptoutil-operator');
      expect(['release-one', 'release-two']).to.include((lease.body.spec as Json).holderIdentity);
      expect(sim.operatorDenied()).to.deep.equal([]);
    } finally {
      for (const release of releases) await release.stop();
      await sim.stop();
    }
  });
});
