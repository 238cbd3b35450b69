import { expect } from 'chai';
import { Api, PATCH_TYPES } from './api.ts';
import { ApiError, type KObject } from './objects.ts';
import { DEFAULT_CRDS, loadCrds } from './server.ts';
import { selector } from './selectors.ts';
import { jsonPath } from './table.ts';
import { apiErrorOf } from './api-error.ts';

function petStore(name: string, spec: Record<string, unknown> = {}): KObject {
  return { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name }, spec } as unknown as KObject;
}

function configMap(name: string, extra: Partial<KObject['metadata']> = {}): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { a: '1' } } as unknown as KObject;
}

describe('kube-sim API semantics', () => {
  let api: Api;
  const ps = () => api.type('cryptoutil.io', 'v1alpha1', 'petstores');
  const cm = () => api.type('', 'v1', 'configmaps');

  beforeEach(async () => {
    api = new Api();
    await loadCrds(api, DEFAULT_CRDS);
  });
  afterEach(() => {
    api.close();
  });

  describe('resourceVersion and generation', () => {
    it('refuses an update carrying a stale resourceVersion with 409 Conflict', () => {
      const created = api.create(ps(), 'default', petStore('a'), 'test');
      api.update(ps(), 'default', 'a', { ...created, spec: { replicas: 2 } }, 'main', 'test');
      const error = apiErrorOf(() => api.update(ps(), 'default', 'a', { ...created, spec: { replicas: 3 } }, 'main', 'test'));
      expect(error.code).to.equal(409);
      expect(error.reason).to.equal('Conflict');
    });

    it('refuses a second create of the same name with 409 AlreadyExists', () => {
      api.create(ps(), 'default', petStore('a'), 'test');
      expect(apiErrorOf(() => api.create(ps(), 'default', petStore('a'), 'test')).reason).to.equal('AlreadyExists');
    });

    it('bumps generation on spec changes only, and ignores status sent to the main endpoint', () => {
      const created = api.create(ps(), 'default', petStore('a'), 'test');
      const updated = api.update(ps(), 'default', 'a', { ...created, spec: { ...(created.spec as object), replicas: 2 }, status: { readyReplicas: 9 } }, 'main', 'test');
      expect(updated.metadata.generation).to.equal(2);
      expect(updated.status).to.equal(undefined);
      const withStatus = api.update(ps(), 'default', 'a', { ...updated, spec: { replicas: 5 }, status: { readyReplicas: 2 } }, 'status', 'test');
      expect(withStatus.metadata.generation).to.equal(2);
      expect(withStatus.status).to.deep.equal({ readyReplicas: 2 });
      expect((withStatus.spec as { replicas: number }).replicas).to.equal(2);
    });
  });

  describe('core/v1 Secret', () => {
    const secrets = () => api.type('', 'v1', 'secrets');
    const secret = (name: string, body: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...body }) as unknown as KObject;

    it('merges write-only stringData into data as base64, stringData winning, on create and update', () => {
      const created = api.create(secrets(), 'default', secret('s', { data: { a: 'eA==', b: 'eQ==' }, stringData: { b: 'zz' } }), 'test');
      expect(created.data).to.deep.equal({ a: 'eA==', b: Buffer.from('zz').toString('base64') });
      expect(created).to.not.have.property('stringData');
      const updated = api.update(secrets(), 'default', 's', { ...created, stringData: { c: 'three' } }, 'main', 'test');
      expect(updated.data).to.deep.include({ c: Buffer.from('three').toString('base64') });
      expect(api.create(secrets(), 'default', secret('only', { stringData: { k: 'v' } }), 'test').data).to.deep.equal({ k: 'dg==' });
      expect(api.create(secrets(), 'default', secret('empty', {}), 'test')).to.not.have.property('data');
    });

    it('refuses data that is not standard padded base64 (400) and keys that are not config keys (422)', () => {
      for (const value of ['not base64!', 'eA', 'eA_-', 7]) {
        const error = apiErrorOf(() => api.create(secrets(), 'default', secret('bad', { data: { a: value } }), 'test'));
        expect(error.code, String(value)).to.equal(400);
      }
      const created = api.create(secrets(), 'default', secret('ok', { data: { a: 'eA==' } }), 'test');
      expect(apiErrorOf(() => api.update(secrets(), 'default', 'ok', { ...created, data: { a: 'x' } }, 'main', 'test')).code).to.equal(400);
      const invalid = apiErrorOf(() => api.create(secrets(), 'default', secret('key', { stringData: { 'a/b': 'x' } }), 'test'));
      expect(invalid.code).to.equal(422);
      expect(invalid.message).to.include('data[a/b]');
    });
  });

  describe('CRD schema and CEL', () => {
    it('prunes unknown fields and applies nested defaults', () => {
      const created = api.create(ps(), 'default', petStore('a', { unknown: true, database: { generated: {} } }), 'test');
      expect(created.spec).to.deep.equal({ replicas: 1, database: { generated: { storage: '1Gi', version: '17' } }, tls: { mode: 'Generated' }, deletionPolicy: 'Retain' });
    });

    it('answers 422 Invalid with one cause per broken field', () => {
      const error = apiErrorOf(() => api.create(ps(), 'default', petStore('a', { replicas: 'two', tls: { mode: 'Secret', secretName: 'Not_A_Name' } }), 'test'));
      expect(error.code).to.equal(422);
      const fields = ((error.details?.causes ?? []) as { field: string }[]).map((cause) => cause.field);
      expect(fields).to.deep.equal(['spec.replicas', 'spec.tls.secretName']);
    });

    it('requires the spec of a kind whose spec has required fields', () => {
      const cas = api.type('cryptoutil.io', 'v1alpha1', 'certificateauthorities');
      const error = apiErrorOf(() => api.create(cas, 'default', { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'CertificateAuthority', metadata: { name: 'ca' } } as unknown as KObject, 'test'));
      expect(error.message).to.equal('CertificateAuthority.cryptoutil.io "ca" is invalid: spec: Required value');
    });

    it('rejects external and generated database together (CEL)', () => {
      const error = apiErrorOf(() => api.create(ps(), 'default', petStore('a', { database: { external: { secretRef: { name: 'db' } }, generated: {} } }), 'test'));
      expect(error.message).to.include('database.external and database.generated are mutually exclusive');
    });

    it('runs transition rules with oldSelf only on updates', () => {
      const kms = api.type('cryptoutil.io', 'v1alpha1', 'kmsinstances');
      const created = api.create(kms, 'default', { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'KmsInstance', metadata: { name: 'k' }, spec: { barrier: { shares: 5, threshold: 3 } } } as unknown as KObject, 'test');
      const error = apiErrorOf(() => api.update(kms, 'default', 'k', { ...created, spec: { barrier: { shares: 7, threshold: 3 } } }, 'main', 'test'));
      expect(error.message).to.include('barrier.shares is immutable');
      // The rest of barrier may change: mounting more shares, or none.
      api.update(kms, 'default', 'k', { ...created, spec: { barrier: { shares: 5, threshold: 3, mountShares: 4, autoUnseal: false } } }, 'main', 'test');
      const outside = apiErrorOf(() => api.create(kms, 'default', { ...created, metadata: { name: 'k3' }, spec: { barrier: { shares: 5, threshold: 3, mountShares: 2 } } } as unknown as KObject, 'test'));
      expect(outside.message).to.include('barrier.mountShares must be between barrier.threshold and barrier.shares');
      const tooHigh = apiErrorOf(() => api.create(kms, 'default', { ...created, metadata: { name: 'k2' }, spec: { barrier: { shares: 2, threshold: 3 } } } as unknown as KObject, 'test'));
      expect(tooHigh.message).to.include('barrier.threshold must not exceed barrier.shares');
    });
  });

  describe('finalizers and deletion', () => {
    it('holds an object with finalizers under a deletionTimestamp and removes it with the last one', () => {
      api.create(ps(), 'default', { ...petStore('a'), metadata: { name: 'a', finalizers: ['cryptoutil.io/secrets'] } } as unknown as KObject, 'test');
      const held = api.delete(ps(), 'default', 'a');
      expect(held.metadata.deletionTimestamp).to.be.a('string');
      const patched = api.patch(ps(), 'default', 'a', PATCH_TYPES.merge, { metadata: { finalizers: null } }, { subresource: 'main', manager: 'test', force: false });
      expect(patched.metadata.deletionTimestamp).to.be.a('string');
      expect(apiErrorOf(() => api.get(ps(), 'default', 'a')).code).to.equal(404);
    });

    it('collects dependents in the background when the owner goes', () => {
      const owner = api.create(ps(), 'default', petStore('a'), 'test');
      const reference = { apiVersion: owner.apiVersion, kind: owner.kind, name: 'a', uid: owner.metadata.uid, controller: true };
      api.create(cm(), 'default', configMap('child', { ownerReferences: [reference] }), 'test');
      api.delete(ps(), 'default', 'a');
      expect(api.store.list(cm(), 'default')).to.have.length(0);
    });

    it('collects a dependent written after its owner was already deleted', () => {
      const owner = api.create(ps(), 'default', petStore('a'), 'test');
      const reference = { apiVersion: owner.apiVersion, kind: owner.kind, name: 'a', uid: owner.metadata.uid, controller: true };
      api.delete(ps(), 'default', 'a');
      api.create(cm(), 'default', configMap('late', { ownerReferences: [reference] }), 'test');
      expect(api.store.list(cm(), 'default')).to.have.length(0);
    });

    it('holds a foreground owner until its dependents are gone', () => {
      const owner = api.create(ps(), 'default', petStore('a'), 'test');
      const reference = { apiVersion: owner.apiVersion, kind: owner.kind, name: 'a', uid: owner.metadata.uid, blockOwnerDeletion: true };
      api.create(cm(), 'default', configMap('child', { ownerReferences: [reference], finalizers: ['hold'] }), 'test');
      const held = api.delete(ps(), 'default', 'a', 'Foreground');
      expect(held.metadata.finalizers).to.include('foregroundDeletion');
      expect(api.get(cm(), 'default', 'child').metadata.deletionTimestamp).to.be.a('string');
      api.patch(cm(), 'default', 'child', PATCH_TYPES.json, [{ op: 'remove', path: '/metadata/finalizers' }], { subresource: 'main', manager: 'test', force: false });
      expect(api.store.get(ps(), 'default', 'a')).to.equal(undefined);
    });

    it('orphans dependents when asked', () => {
      const owner = api.create(ps(), 'default', petStore('a'), 'test');
      api.create(cm(), 'default', configMap('child', { ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: 'a', uid: owner.metadata.uid }] }), 'test');
      api.delete(ps(), 'default', 'a', 'Orphan');
      expect(api.get(cm(), 'default', 'child').metadata.ownerReferences).to.deep.equal([]);
    });

    it('deletes a namespace with its content and refuses objects in a missing namespace', () => {
      const namespaces = api.type('', 'v1', 'namespaces');
      api.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } as unknown as KObject, 'test');
      api.create(cm(), 'team', configMap('x'), 'test');
      api.delete(namespaces, undefined, 'team');
      expect(api.store.get(namespaces, undefined, 'team')).to.equal(undefined);
      expect(api.store.list(cm(), 'team')).to.have.length(0);
      expect(apiErrorOf(() => api.create(cm(), 'team', configMap('x'), 'test')).code).to.equal(404);
    });
  });

  describe('patches and server-side apply', () => {
    it('applies JSON patch operations and refuses a failed test', () => {
      api.create(cm(), 'default', configMap('x'), 'test');
      const patched = api.patch(cm(), 'default', 'x', PATCH_TYPES.json, [{ op: 'add', path: '/data/b', value: '2' }, { op: 'replace', path: '/data/a', value: '3' }, { op: 'copy', from: '/data/b', path: '/data/c' }, { op: 'move', from: '/data/c', path: '/data/d' }], { subresource: 'main', manager: 'test', force: false });
      expect(patched.data).to.deep.equal({ a: '3', b: '2', d: '2' });
      expect(apiErrorOf(() => api.patch(cm(), 'default', 'x', PATCH_TYPES.json, [{ op: 'test', path: '/data/a', value: 'no' }], { subresource: 'main', manager: 'test', force: false })).code).to.equal(422);
    });

    it('refuses strategic merge patch on custom resources with 415', () => {
      api.create(ps(), 'default', petStore('a'), 'test');
      expect(apiErrorOf(() => api.patch(ps(), 'default', 'a', PATCH_TYPES.strategic, {}, { subresource: 'main', manager: 'test', force: false })).code).to.equal(415);
    });

    it('tracks field owners: conflicts unless forced, and drops fields the applier stops sending', () => {
      const options = (manager: string, force = false) => ({ subresource: 'main' as const, manager, force });
      api.patch(ps(), 'default', 'a', PATCH_TYPES.apply, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'a', labels: { team: 'x' } }, spec: { replicas: 2 } }, options('alice'));
      const conflict = apiErrorOf(() => api.patch(ps(), 'default', 'a', PATCH_TYPES.apply, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'a' }, spec: { replicas: 3 } }, options('bob')));
      expect(conflict.code).to.equal(409);
      expect(conflict.message).to.equal('Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
      const same = api.patch(ps(), 'default', 'a', PATCH_TYPES.apply, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'a' }, spec: { replicas: 2 } }, options('bob'));
      expect((same.spec as { replicas: number }).replicas).to.equal(2);
      const forced = api.patch(ps(), 'default', 'a', PATCH_TYPES.apply, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'a' }, spec: { replicas: 3 } }, options('bob', true));
      expect((forced.spec as { replicas: number }).replicas).to.equal(3);
      const dropped = api.patch(ps(), 'default', 'a', PATCH_TYPES.apply, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'a' } }, options('alice'));
      expect(dropped.metadata.labels).to.equal(undefined);
      expect(dropped.metadata.managedFields?.map((entry) => entry.manager)).to.include('bob');
    });
  });

  describe('kubelet, CRDs through the API, selectors and columns', () => {
    it('marks every replica of a Deployment ready on the next turn', async () => {
      const deployments = api.type('apps', 'v1', 'deployments');
      api.create(deployments, 'default', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 3 } } as unknown as KObject, 'test');
      await new Promise((resolve) => setImmediate(resolve));
      expect(api.get(deployments, 'default', 'd').status).to.include({ readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    });

    it('serves a CRD created through the API and stops serving it on delete', () => {
      const crds = api.type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
      api.create(crds, undefined, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] } } as unknown as KObject, 'test');
      const widgets = api.type('example.com', 'v1', 'widgets');
      expect(widgets.namespaced).to.equal(false);
      expect(api.get(crds, undefined, 'widgets.example.com').status).to.have.property('conditions');
      api.delete(crds, undefined, 'widgets.example.com');
      expect(() => api.type('example.com', 'v1', 'widgets')).to.throw(ApiError);
    });

    it('matches label and field selectors', () => {
      const object = { ...configMap('x', { labels: { app: 'a', tier: 'db' } }) };
      expect(selector('app=a,tier in (db, web),!gone', 'metadata.name=x')(object)).to.equal(true);
      expect(selector('app!=a', null)(object)).to.equal(false);
      expect(selector('tier notin (db)', null)(object)).to.equal(false);
      expect(selector('tier', 'metadata.namespace!=')(object)).to.equal(false);
      expect(() => selector('a b c', null)).to.throw(ApiError);
      expect(() => selector(null, 'spec.x=1')).to.throw(ApiError);
    });

    it('reads printer-column JSONPath', () => {
      const object = { status: { conditions: [{ type: 'Progressing', status: 'False' }, { type: 'Ready', status: 'True' }] }, list: ['a', 'b'] };
      expect(jsonPath(object, '.status.conditions[?(@.type=="Ready")].status')).to.equal('True');
      expect(jsonPath(object, '.list[1]')).to.equal('b');
      expect(jsonPath(object, '.missing.field')).to.equal(undefined);
    });
  });
});
