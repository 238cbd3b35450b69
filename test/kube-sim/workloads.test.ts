import { expect } from 'chai';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Api, PATCH_TYPES } from './api.ts';
import type { KObject } from './objects.ts';
import { DEFAULT_CRDS, loadCrds } from './server.ts';
import { apiErrorOf } from './api-error.ts';
import { claimStatus, claimsOf, readyStatus } from './kubelet.ts';

const apply = { subresource: 'main', manager: 'test', force: true } as const;

function statefulSet(storage: string, extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
    spec: {
      serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:17-alpine' }] } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } }],
      ...extra,
    },
  } as unknown as KObject;
}

function deployment(image: string, app = 'web', replicas = 2): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { replicas, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'web', image }] } } },
  } as unknown as KObject;
}

async function settled(): Promise<void> {
  for (let turn = 0; turn < 4; turn += 1) await nextTurn();
}

describe('kube-sim built-in workloads as the API server and controllers treat them', () => {
  let api: Api;
  const sts = () => api.type('apps', 'v1', 'statefulsets');
  const deploy = () => api.type('apps', 'v1', 'deployments');
  const pvc = () => api.type('', 'v1', 'persistentvolumeclaims');

  beforeEach(() => {
    api = new Api();
  });
  afterEach(() => {
    api.close();
  });

  describe('immutable fields (422 as pkg/apis/apps/validation)', () => {
    it('refuses a StatefulSet update of volumeClaimTemplates, serviceName or selector, and allows replicas, template, updateStrategy and retention', () => {
      api.create(sts(), 'default', statefulSet('1Gi'), 'test');
      for (const changed of [statefulSet('2Gi'), statefulSet('1Gi', { serviceName: 'other' }), statefulSet('1Gi', { selector: { matchLabels: { app: 'x' } } })]) {
        const error = apiErrorOf(() => api.patch(sts(), 'default', 'db', PATCH_TYPES.apply, changed as never, apply));
        expect(error.code).to.equal(422);
        expect(error.message).to.equal("StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
      }
      const allowed = statefulSet('1Gi', {
        replicas: 3, minReadySeconds: 5, updateStrategy: { type: 'OnDelete' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:18-alpine' }] } },
      });
      const updated = api.patch(sts(), 'default', 'db', PATCH_TYPES.apply, allowed as never, apply);
      expect(updated.metadata.generation).to.equal(2);
    });

    it('refuses a new Deployment selector with "field is immutable", and allows the rest', () => {
      api.create(deploy(), 'default', deployment('web:1'), 'test');
      const error = apiErrorOf(() => api.patch(deploy(), 'default', 'web', PATCH_TYPES.merge, { spec: { selector: { matchLabels: { app: 'other' } } } }, apply));
      expect(error.code).to.equal(422);
      expect(error.message).to.equal('Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"other"}}: field is immutable');
      expect(api.patch(deploy(), 'default', 'web', PATCH_TYPES.merge, { spec: { replicas: 5 } }, apply).metadata.generation).to.equal(2);
    });

    it('lets a PersistentVolumeClaim grow, never shrink, and keeps the rest of its spec', () => {
      api.create(pvc(), 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } as unknown as KObject, 'test');
      const shrink = apiErrorOf(() => api.patch(pvc(), 'default', 'c', PATCH_TYPES.merge, { spec: { resources: { requests: { storage: '500Mi' } } } }, apply));
      expect([shrink.code, shrink.message]).to.deep.equal([422, 'PersistentVolumeClaim "c" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than previous value']);
      const other = apiErrorOf(() => api.patch(pvc(), 'default', 'c', PATCH_TYPES.merge, { spec: { accessModes: ['ReadWriteMany'] } }, apply));
      expect(other.message).to.include('spec: Forbidden: spec is immutable after creation');
      const grown = api.patch(pvc(), 'default', 'c', PATCH_TYPES.apply, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: { requests: { storage: '2Gi' } } } }, apply);
      expect(grown).to.have.nested.property('spec.resources.requests.storage', '2Gi');
      expect((grown.spec as { accessModes: unknown }).accessModes).to.deep.equal(['ReadWriteOnce']);
    });
    it('compares absent specs and selectors as the API server does', () => {
      api.create(deploy(), 'default', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bare' } } as KObject, 'test');
      const gained = apiErrorOf(() => api.patch(deploy(), 'default', 'bare', PATCH_TYPES.merge, { spec: { selector: { matchLabels: { b: '1', a: '2' } } } }, apply));
      expect(gained.message).to.include('spec.selector: Invalid value: {"matchLabels":{"a":"2","b":"1"}}: field is immutable');
      api.create(deploy(), 'default', deployment('web:1'), 'test');
      const lost = apiErrorOf(() => api.patch(deploy(), 'default', 'web', PATCH_TYPES.json, [{ op: 'remove', path: '/spec/selector' }], apply));
      expect(lost.message).to.include('spec.selector: Invalid value: null: field is immutable');
      api.create(sts(), 'default', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'bare' } } as KObject, 'test');
      expect(apiErrorOf(() => api.patch(sts(), 'default', 'bare', PATCH_TYPES.merge, { spec: { serviceName: 'x' } }, apply)).code).to.equal(422);
      expect(api.patch(sts(), 'default', 'bare', PATCH_TYPES.merge, { spec: { replicas: 2 } }, apply).metadata.generation).to.equal(2);
      api.create(pvc(), 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'bare' } } as KObject, 'test');
      expect(apiErrorOf(() => api.patch(pvc(), 'default', 'bare', PATCH_TYPES.merge, { spec: { accessModes: ['ReadWriteOnce'] } }, apply)).message).to.include('spec is immutable');
      expect(api.patch(pvc(), 'default', 'bare', PATCH_TYPES.merge, { spec: { resources: { requests: { storage: 'lots' } } } }, apply).metadata.generation).to.equal(2);
    });
  });

  describe('the StatefulSet controller and the volumes', () => {
    it('makes one claim per template and ordinal, owned by the set when it deletes them, bound at the size asked, and expands it', async () => {
      const created = api.create(sts(), 'default', statefulSet('1Gi'), 'test');
      await settled();
      const claims = api.list(pvc(), 'default');
      expect(claims.map((claim) => claim.metadata.name)).to.deep.equal(['data-db-0', 'data-db-1']);
      expect(claims[0]?.metadata.labels).to.deep.equal({ app: 'db' });
      expect(claims[0]?.metadata.ownerReferences?.[0]).to.deep.include({ kind: 'StatefulSet', name: 'db', uid: created.metadata.uid });
      expect(claims[0]?.status).to.deep.equal({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
      api.patch(pvc(), 'default', 'data-db-0', PATCH_TYPES.merge, { spec: { resources: { requests: { storage: '3Gi' } } } }, apply);
      await settled();
      expect(api.get(pvc(), 'default', 'data-db-0').status).to.have.nested.property('capacity.storage', '3Gi');
      api.delete(sts(), 'default', 'db');
      expect(api.list(pvc(), 'default')).to.deep.equal([]);
    });

    it('leaves the claims of a Retain set without an owner', async () => {
      api.create(sts(), 'default', statefulSet('1Gi', { replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain' } }), 'test');
      await settled();
      api.delete(sts(), 'default', 'db');
      const [claim] = api.list(pvc(), 'default');
      expect(claim?.metadata.name).to.equal('data-db-0');
      expect(claim?.metadata.ownerReferences).to.equal(undefined);
    });
    it('reads sparse StatefulSets and claims as the controllers do (defaults, no selector, no size)', () => {
      const bare = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: 'default', uid: 'u' } } as KObject;
      expect(claimsOf(bare)).to.deep.equal([]);
      const sparse = { ...bare, spec: { selector: { matchLabels: { app: 's', odd: 1 } }, volumeClaimTemplates: [{}, 'not a template'] } } as unknown as KObject;
      expect(claimsOf(sparse)).to.deep.equal([{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-s-0', namespace: 'default', labels: { app: 's' } }, spec: {} }]);
      expect(claimsOf({ ...bare, spec: { selector: {}, volumeClaimTemplates: [{}] } })[0]?.metadata.labels).to.deep.equal({});
      expect(claimStatus({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: {} } } as unknown as KObject)).to.equal(undefined);
      expect(claimStatus({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: { requests: { storage: '1Gi' } } } } as unknown as KObject)).to.deep.equal({ phase: 'Bound', accessModes: [], capacity: { storage: '1Gi' } });
      const odd = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', generation: 1 }, spec: { template: { spec: { containers: [{ name: 'no-image' }] } } } } as unknown as KObject;
      expect(readyStatus(odd, new Set(['x']))).to.deep.include({ replicas: 1, updatedReplicas: 1 });
      expect(readyStatus({ ...odd, spec: { template: {} } }, new Set(['x']))).to.deep.include({ replicas: 1 });
    });
  });

  describe('Deployment rollouts', () => {
    it('reports a rolled-out generation: observedGeneration, updated, ready and available replicas', async () => {
      api.create(deploy(), 'default', deployment('web:1'), 'test');
      await settled();
      expect(api.get(deploy(), 'default', 'web').status).to.deep.include({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
      api.patch(deploy(), 'default', 'web', PATCH_TYPES.merge, { spec: { replicas: 3 } }, apply);
      await settled();
      expect(api.get(deploy(), 'default', 'web').status).to.deep.include({ observedGeneration: 2, updatedReplicas: 3 });
    });

    it('stalls a rollout of a crash-looping image: old pods serve, one new pod fails, Progressing False with ProgressDeadlineExceeded', async () => {
      api.create(deploy(), 'default', deployment('web:1'), 'test');
      await settled();
      api.crashingImages.add('web:2');
      api.patch(deploy(), 'default', 'web', PATCH_TYPES.merge, { spec: { template: { spec: { containers: [{ name: 'web', image: 'web:2' }] } } } }, apply);
      await settled();
      const status = api.get(deploy(), 'default', 'web').status as { conditions: { type: string; status: string; reason: string }[] };
      expect(status).to.deep.include({ observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1 });
      expect(status.conditions.map((condition) => [condition.type, condition.status, condition.reason])).to.deep.equal([['Available', 'True', 'MinimumReplicasAvailable'], ['Progressing', 'False', 'ProgressDeadlineExceeded']]);
      api.patch(deploy(), 'default', 'web', PATCH_TYPES.merge, { spec: { template: { spec: { containers: [{ name: 'web', image: 'web:3' }] } } } }, apply);
      await settled();
      expect(api.get(deploy(), 'default', 'web').status).to.deep.include({ observedGeneration: 3, updatedReplicas: 2, replicas: 2 });
    });

    it('has no serving pods to keep when the first rollout crash-loops', () => {
      const stalled = readyStatus({ ...deployment('bad', 'web', 1), metadata: { name: 'web', generation: 1 } } as unknown as KObject, new Set(['bad']));
      expect(stalled).to.deep.include({ replicas: 1, readyReplicas: 0, availableReplicas: 0 });
      expect((stalled?.conditions as { status: string }[])[0]?.status).to.equal('False');
    });
  });

  describe('CEL transition rule of the CRDs', () => {
    it('refuses a PostgreSQL major version change with a message that names the documented upgrade path', async () => {
      await loadCrds(api, DEFAULT_CRDS);
      const petstores = api.type('cryptoutil.io', 'v1alpha1', 'petstores');
      api.create(petstores, 'default', { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'p' }, spec: { auth: { issuer: 'https://issuer.example' }, database: { generated: { version: '16' } } } } as unknown as KObject, 'test');
      const error = apiErrorOf(() => api.patch(petstores, 'default', 'p', PATCH_TYPES.merge, { spec: { database: { generated: { version: '17' } } } }, apply));
      expect(error.code).to.equal(422);
      expect(error.message).to.include('spec.database.generated.version: Invalid value: "object": database.generated.version cannot change').and.include('docs/operator.md');
      expect(api.patch(petstores, 'default', 'p', PATCH_TYPES.merge, { spec: { database: { generated: { storage: '2Gi' } } } }, apply).metadata.generation).to.equal(2);
    });
  });
});
