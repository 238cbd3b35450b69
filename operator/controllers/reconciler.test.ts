import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { combine } from 'shamir-secret-sharing';
import { keyCheckValue, newUnsealKey } from '../../services/template/barrier/index.ts';
import { API_VERSION, kindRow } from '../kinds.ts';
import { KubeApiError, type KubeApi } from '../kube/api.ts';
import type { Condition, KubeObject, ObjectRef, ServiceResource } from '../resources/types.ts';
import { MemoryApi } from '../testing/memory-api.ts';
import { dig } from '../testing/dig.ts';
import {
  ISSUER, kmsInstance, petStore, withAuth, withBarrier, withCertManager, withDeletionPolicy, withExternalDatabase, withImage, withReplicas, withTlsSecret,
} from '../testing/fixtures.ts';
import { controllerReference } from '../resources/ownership.ts';
import { parse } from 'yaml';
import { RETAINED_SECRETS_FINALIZER, serviceReconciler } from './reconciler.ts';
import { BOOTSTRAP_CA_SECRET } from './material.ts';
import { ReconcileProblem } from './problem.ts';

/** The label that lets a resource mount a Secret the user supplies (guards/secrets.ts). */
const MOUNTABLE = { 'cryptoutil.io/allow-mount': 'true' };
const images = { service: 'ghcr.io/cryptoutil/cryptoutil:test', postgres: 'postgres:17-alpine' };
const clock = { now: new Date('2026-03-01T10:00:00Z') };

interface Harness {
  readonly api: MemoryApi;
  readonly ref: ObjectRef;
  reconcile(): Promise<void>;
  resource(): ServiceResource | undefined;
  condition(type: string): Condition | undefined;
  secret(name: string): KubeObject | undefined;
  decoded(name: string, key: string): string;
}

function harness(resource: ServiceResource, api = new MemoryApi(), client: KubeApi = api, allowedImages?: readonly string[]): Harness {
  api.put(resource);
  const ref = { apiVersion: API_VERSION, kind: resource.kind, namespace: 'default', name: resource.metadata.name };
  const reconciler = serviceReconciler(kindRow(resource.kind), { api: client, images, now: () => clock.now, ...(allowedImages === undefined ? {} : { allowedImages }) });
  const current = (): ServiceResource | undefined => api.find(API_VERSION, resource.kind, resource.metadata.name) as ServiceResource | undefined;
  return {
    api,
    ref,
    reconcile: () => reconciler.reconcile(ref),
    resource: current,
    condition: (type) => current()?.status?.conditions?.find((condition) => condition.type === type),
    secret: (name) => api.find('v1', 'Secret', name),
    decoded: (name, key) => Buffer.from(String((dig(api.find('v1', 'Secret', name), 'data') as Record<string, string> | undefined)?.[key]), 'base64').toString('utf8'),
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('service reconciler', () => {
  describe('PetStore demo', () => {
    it('creates every child with owner references and labels, and reports Progressing', async () => {
      const h = harness(petStore('demo', withReplicas(2)));
      await h.reconcile();
      const owned = [...h.api.objects.values()].filter((object) => object.metadata.labels?.['app.kubernetes.io/instance'] === 'demo');
      expect(owned.map((object) => `${object.kind}/${object.metadata.name}`).sort()).to.deep.equal([
        'ConfigMap/demo-learn-ps-config', 'Deployment/demo-learn-ps', 'NetworkPolicy/demo-learn-ps', 'NetworkPolicy/demo-learn-ps-postgres', 'PodDisruptionBudget/demo-learn-ps',
        'Secret/demo-learn-ps-postgres', 'Secret/demo-learn-ps-tls', 'Service/demo-learn-ps', 'Service/demo-learn-ps-postgres', 'StatefulSet/demo-learn-ps-postgres',
      ]);
      const uid = h.resource()?.metadata.uid;
      for (const object of owned) {
        expect(object.metadata.labels?.['app.kubernetes.io/managed-by']).to.equal('cryptoutil-operator');
        // The database credentials stay with the volume under Retain (deletionPolicy), so nothing owns them.
        if (object.metadata.name === 'demo-learn-ps-postgres' && object.kind === 'Secret') {
          expect(object.metadata.ownerReferences).to.equal(undefined);
        } else {
          expect(object.metadata.ownerReferences?.[0]).to.deep.include({ kind: 'PetStore', name: 'demo', uid, controller: true });
        }
      }
      const config = parse(String((h.api.find('v1', 'ConfigMap', 'demo-learn-ps-config')?.data as Record<string, string>)['config.yml'])) as { auth: unknown };
      expect(config.auth).to.deep.equal({ issuer: ISSUER });
      expect(h.condition('Ready')).to.deep.include({ status: 'False', observedGeneration: 1 });
      expect(h.condition('Progressing')).to.deep.include({ status: 'True', reason: 'Converging', message: 'waiting for the database' });
      expect(h.resource()?.status).to.deep.include({ readyReplicas: 0, observedGeneration: 1, endpoint: 'https://demo-learn-ps.default.svc:8480' });
      expect(h.secret('demo-unseal')).to.equal(undefined);
    });

    it('issues the TLS Secret from the bootstrap CA and generates database credentials once', async () => {
      const h = harness(petStore('demo'));
      await h.reconcile();
      const ca = new X509Certificate(h.decoded(BOOTSTRAP_CA_SECRET, 'tls.crt'));
      const server = new X509Certificate(h.decoded('demo-learn-ps-tls', 'tls.crt'));
      expect(server.checkIssued(ca)).to.equal(true);
      expect(server.checkHost('demo-learn-ps.default.svc')).to.equal('demo-learn-ps.default.svc');
      expect(h.decoded('demo-learn-ps-tls', 'ca.crt')).to.equal(h.decoded(BOOTSTRAP_CA_SECRET, 'tls.crt'));
      const url = h.decoded('demo-learn-ps-postgres', 'url');
      expect(url).to.match(/^postgres:\/\/cryptoutil:[A-Za-z0-9_-]{43}@demo-learn-ps-postgres\.default\.svc:5432\/cryptoutil$/);
      await h.reconcile();
      expect(h.decoded('demo-learn-ps-postgres', 'url')).to.equal(url);
      expect(h.decoded('demo-learn-ps-tls', 'tls.crt')).to.equal(server.toString());
    });

    it('shares one bootstrap CA between the resources of a namespace', async () => {
      const api = new MemoryApi();
      await harness(petStore('one'), api).reconcile();
      const second = harness(petStore('two'), api);
      await second.reconcile();
      const ca = new X509Certificate(second.decoded(BOOTSTRAP_CA_SECRET, 'tls.crt'));
      expect(new X509Certificate(second.decoded('two-learn-ps-tls', 'tls.crt')).checkIssued(ca)).to.equal(true);
      expect(new X509Certificate(second.decoded('one-learn-ps-tls', 'tls.crt')).checkIssued(ca)).to.equal(true);
    });

    it('becomes Ready when the replicas and the database are ready, then stops writing status', async () => {
      const h = harness(petStore('demo', withReplicas(2)));
      await h.reconcile();
      h.api.setReady('apps/v1', 'StatefulSet', 'demo-learn-ps-postgres', 1);
      h.api.setReady('apps/v1', 'Deployment', 'demo-learn-ps', 2);
      clock.now = new Date('2026-03-01T10:01:00Z');
      await h.reconcile();
      expect(h.condition('Ready')).to.deep.include({ status: 'True', reason: 'Available', lastTransitionTime: '2026-03-01T10:01:00.000Z' });
      expect(h.condition('Degraded')).to.deep.include({ status: 'False', lastTransitionTime: '2026-03-01T10:00:00.000Z' });
      const writes = h.api.calls.filter((call) => call.operation === 'applyStatus').length;
      await h.reconcile();
      expect(h.api.calls.filter((call) => call.operation === 'applyStatus')).to.have.length(writes);
    });

    it('converges a scale-up: the Deployment follows spec.replicas and Ready waits for the new pods', async () => {
      const h = harness(petStore('demo', withReplicas(1)));
      await h.reconcile();
      h.api.setReady('apps/v1', 'StatefulSet', 'demo-learn-ps-postgres', 1);
      h.api.setReady('apps/v1', 'Deployment', 'demo-learn-ps', 1);
      await h.reconcile();
      expect(h.condition('Ready')?.status).to.equal('True');
      h.api.updateSpec(API_VERSION, 'PetStore', 'demo', { replicas: 3 });
      await h.reconcile();
      expect(dig(h.api.find('apps/v1', 'Deployment', 'demo-learn-ps'), 'spec.replicas')).to.equal(3);
      expect(h.condition('Ready')).to.deep.include({ status: 'False', observedGeneration: 2, message: 'waiting for 1/3 replicas ready' });
      h.api.setReady('apps/v1', 'Deployment', 'demo-learn-ps', 3);
      await h.reconcile();
      expect(h.condition('Ready')).to.deep.include({ status: 'True', observedGeneration: 2 });
    });

    it('does nothing for a resource that is gone; its children go with it, the retained database credentials stay', async () => {
      const h = harness(petStore('demo'));
      await h.reconcile();
      await h.api.delete(h.ref);
      await h.reconcile();
      expect([...h.api.objects.values()].map((object) => object.metadata.name).sort()).to.deep.equal([BOOTSTRAP_CA_SECRET, 'demo-learn-ps-postgres']);
    });

    it('uses an external database Secret and runs no PostgreSQL', async () => {
      const h = harness(petStore('demo', withExternalDatabase('pg')));
      h.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg', namespace: 'default', labels: MOUNTABLE }, stringData: { url: 'postgres://x' } });
      await h.reconcile();
      expect(h.api.find('apps/v1', 'StatefulSet', 'demo-learn-ps-postgres')).to.equal(undefined);
      expect(h.secret('demo-learn-ps-postgres')).to.equal(undefined);
      h.api.setReady('apps/v1', 'Deployment', 'demo-learn-ps', 1);
      await h.reconcile();
      expect(h.condition('Ready')?.status).to.equal('True');
    });

    it('leaves the Secret to cert-manager and applies a Certificate', async () => {
      const h = harness(petStore('demo', withCertManager('corp')));
      await h.reconcile();
      expect(h.secret('demo-learn-ps-tls')).to.equal(undefined);
      expect(h.api.find('cert-manager.io/v1', 'Certificate', 'demo-learn-ps-tls')).to.not.equal(undefined);
    });
  });

  describe('user-visible problems', () => {
    const cases = [
      { name: 'a missing external database Secret', resource: petStore('demo', withExternalDatabase('pg')), reason: 'DatabaseSecretMissing' },
      { name: 'a missing TLS Secret in mode Secret', resource: petStore('demo', withTlsSecret('my-tls')), reason: 'TlsSecretMissing' },
      { name: 'a resource without spec.auth', resource: petStore('demo', withAuth(undefined)), reason: 'NoIssuer' },
      { name: 'an identityRealmRef to a missing IdentityRealm', resource: kmsInstance('demo', withAuth({ identityRealmRef: { name: 'corp' } })), reason: 'IdentityRealmNotFound' },
    ];
    for (const { name, resource, reason } of cases) {
      it(`reports ${name} as Degraded with a Warning Event and retries`, async () => {
        const h = harness(resource);
        const error = await rejection(h.reconcile());
        expect(error).to.be.instanceOf(ReconcileProblem);
        expect(error).to.have.property('reason', reason);
        expect(h.condition('Degraded')).to.deep.include({ status: 'True', reason });
        expect(h.condition('Ready')).to.deep.include({ status: 'False', reason });
        expect(h.api.events.map((event) => [event.type, event.reason])).to.deep.equal([['Warning', reason]]);
      });
    }

    it('deploys nothing without an issuer: no Secret, no Deployment until spec.auth names one', async () => {
      const h = harness(petStore('demo', withAuth(undefined)));
      await rejection(h.reconcile());
      expect([...h.api.objects.values()].map((object) => object.kind)).to.deep.equal(['PetStore']);
      expect(h.condition('Degraded')?.message).to.include('set spec.auth.issuer');
    });

    const realm = (status?: Record<string, unknown>): KubeObject => ({ apiVersion: API_VERSION, kind: 'IdentityRealm', metadata: { name: 'corp', namespace: 'default' }, spec: {}, ...(status === undefined ? {} : { status }) });
    const realmCases = [
      { name: 'no status', status: undefined, message: 'IdentityRealm corp has no Ready condition, so its issuer cannot be resolved yet' },
      { name: 'Ready False (no controller yet)', status: { conditions: [{ type: 'Ready', status: 'False', reason: 'ControllerNotImplemented' }] }, message: 'IdentityRealm corp is not Ready (ControllerNotImplemented)' },
      { name: 'Ready True but no status.issuer', status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Available' }] }, message: 'IdentityRealm corp is not Ready (Available)' },
    ];
    for (const { name, status, message } of realmCases) {
      it(`reports IdentityRealmNotReady for a realm with ${name}`, async () => {
        const api = new MemoryApi();
        api.put(realm(status));
        const h = harness(petStore('demo', withAuth({ identityRealmRef: { name: 'corp' } })), api);
        const error = await rejection(h.reconcile());
        expect(error).to.have.property('reason', 'IdentityRealmNotReady');
        expect(h.condition('Degraded')).to.deep.include({ status: 'True', reason: 'IdentityRealmNotReady' });
        expect(h.condition('Degraded')?.message).to.include(message);
        expect(h.api.find('apps/v1', 'Deployment', 'demo-learn-ps')).to.equal(undefined);
      });
    }

    it('takes the issuer of a Ready IdentityRealm into the config', async () => {
      const api = new MemoryApi();
      api.put(realm({ issuer: 'https://login.corp.example', conditions: [{ type: 'Ready', status: 'True', reason: 'Available' }] }));
      const h = harness(petStore('demo', withAuth({ identityRealmRef: { name: 'corp' } })), api);
      await h.reconcile();
      const config = parse(String((h.api.find('v1', 'ConfigMap', 'demo-learn-ps-config')?.data as Record<string, string>)['config.yml'])) as { auth: unknown };
      expect(config.auth).to.deep.equal({ issuer: 'https://login.corp.example' });
      expect(h.condition('Degraded')).to.deep.include({ status: 'False' });
    });

    it('refuses a bootstrap CA Secret without its key', async () => {
      const h = harness(petStore('demo'));
      h.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: BOOTSTRAP_CA_SECRET, namespace: 'default' }, stringData: { 'tls.crt': 'x' } });
      expect(await rejection(h.reconcile())).to.have.property('reason', 'BootstrapCaUnusable');
    });

    it('reports an API failure without its details and rethrows it for the backoff', async () => {
      const h = harness(petStore('demo'));
      const boom = new Error('connection reset');
      h.api.failWith = (operation, ref) => (operation === 'apply' && ref.kind === 'Deployment' ? boom : undefined);
      expect(await rejection(h.reconcile())).to.equal(boom);
      expect(h.condition('Degraded')).to.deep.include({ status: 'True', reason: 'ReconcileError' });
      expect(h.condition('Progressing')).to.deep.include({ status: 'False', reason: 'Failed' });
    });

    it('still rethrows the original error when the status write fails too', async () => {
      const h = harness(petStore('demo'));
      const boom = new Error('apply failed');
      h.api.failWith = (operation) => (operation === 'apply' ? boom : operation === 'applyStatus' ? new Error('status failed') : undefined);
      expect(await rejection(h.reconcile())).to.equal(boom);
      expect(h.resource()?.status).to.equal(undefined);
    });
  });

  describe('KmsInstance unseal share Secrets', () => {
    const SHARE_NAMES = [1, 2, 3, 4, 5].map((index) => `demo-unseal-${String(index)}`);

    it('are created once, one Secret per Shamir share of one key, and a reconcile never rewrites them', async () => {
      const h = harness(kmsInstance('demo'));
      await h.reconcile();
      const shares = SHARE_NAMES.map((name) => h.decoded(name, 'share'));
      const bytes = shares.map((share) => new Uint8Array(Buffer.from(share, 'base64url')));
      expect(Buffer.from(await combine(bytes.slice(0, 3))).equals(Buffer.from(await combine(bytes.slice(2))))).to.equal(true);
      // Every share Secret carries the key check value of the key they rebuild.
      const keyCheck = keyCheckValue(await combine(bytes.slice(1, 4)));
      for (const name of SHARE_NAMES) {
        expect(h.decoded(name, 'keyCheck'), name).to.equal(keyCheck);
        expect(Object.keys(dig(h.secret(name), 'data') as object), name).to.deep.equal(['share', 'keyCheck']);
        expect(h.secret(name)?.metadata.ownerReferences, name).to.equal(undefined);
      }
      expect(h.secret('demo-unseal')).to.equal(undefined);
      expect(h.api.events.map((event) => event.reason)).to.deep.equal(['UnsealSecretCreated']);
      for (const share of shares) expect(JSON.stringify(h.api.events)).to.not.include(share);
      const versions = SHARE_NAMES.map((name) => h.secret(name)?.metadata.resourceVersion);
      await h.reconcile();
      expect(SHARE_NAMES.map((name) => h.secret(name)?.metadata.resourceVersion)).to.deep.equal(versions);
    });

    it('follow spec.barrier, and share Secrets the user created beforehand are used as they are', async () => {
      const api = new MemoryApi();
      const supplied = await newUnsealKey(5, 3);
      for (const index of [1, 2, 3]) {
        api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `mine-unseal-${String(index)}`, namespace: 'default', labels: MOUNTABLE }, stringData: { share: supplied.shares[index - 1] ?? '', keyCheck: supplied.keyCheck } });
      }
      const mine = harness(kmsInstance('mine'), api);
      await mine.reconcile();
      expect(mine.decoded('mine-unseal-1', 'share')).to.equal(supplied.shares[0]);
      expect(mine.secret('mine-unseal-4')).to.equal(undefined);
      expect(dig(mine.resource(), 'status.barrier')).to.deep.equal({ initialized: true, keyCheck: supplied.keyCheck });
      expect(mine.condition('Degraded')?.status).to.equal('False');
      const split = harness(kmsInstance('split', withBarrier(3, 2)), api);
      await split.reconcile();
      expect(['split-unseal-1', 'split-unseal-2', 'split-unseal-3', 'split-unseal-4'].map((name) => split.secret(name) !== undefined)).to.deep.equal([true, true, true, false]);
    });

    it('survive deleting the resource under deletionPolicy Retain', async () => {
      const h = harness(kmsInstance('demo'));
      await h.reconcile();
      expect(h.resource()?.metadata.finalizers ?? []).to.deep.equal([]);
      await h.api.delete(h.ref);
      await h.reconcile();
      expect(h.resource()).to.equal(undefined);
      for (const name of SHARE_NAMES) expect(h.secret(name), name).to.not.equal(undefined);
      // Kept together: the shares, and the credentials of the volume that holds the sealed data.
      expect(h.secret('demo-sm-kms-postgres')).to.not.equal(undefined);
      expect(h.secret('demo-sm-kms-tls')).to.equal(undefined);
    });

    it('are deleted by the finalizer under deletionPolicy Delete', async () => {
      const h = harness(kmsInstance('demo', withDeletionPolicy('Delete')));
      await h.reconcile();
      expect(h.resource()?.metadata.finalizers).to.deep.equal([RETAINED_SECRETS_FINALIZER]);
      await h.api.delete(h.ref);
      expect(h.resource()?.metadata.deletionTimestamp).to.be.a('string');
      await h.reconcile();
      expect(h.resource()).to.equal(undefined);
      for (const name of SHARE_NAMES) expect(h.secret(name), name).to.equal(undefined);
      expect(h.secret('demo-sm-kms-postgres')).to.equal(undefined);
      expect(h.api.events.find((event) => event.reason === 'SecretsDeleted')?.note).to.equal(`deletionPolicy is Delete: removed Secret ${SHARE_NAMES.join(', ')}, demo-sm-kms-postgres`);
    });

    it('deletes under deletionPolicy Delete only the Secrets that are its own, and says which it left', async () => {
      const api = new MemoryApi();
      const custodians = await newUnsealKey(5, 3);
      for (const index of [1, 2, 3]) {
        api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `demo-unseal-${String(index)}`, namespace: 'default', labels: MOUNTABLE }, stringData: { share: custodians.shares[index - 1] ?? '', keyCheck: custodians.keyCheck } });
      }
      const h = harness(kmsInstance('demo', withDeletionPolicy('Delete')), api);
      await h.reconcile();
      await h.api.delete(h.ref);
      await h.reconcile();
      expect(h.resource()).to.equal(undefined);
      expect(h.decoded('demo-unseal-1', 'share')).to.equal(custodians.shares[0]);
      expect(h.secret('demo-sm-kms-postgres')).to.equal(undefined);
      expect(h.api.events.filter((event) => event.reason.startsWith('Secret')).map((event) => [event.type, event.reason, event.note])).to.deep.equal([
        ['Normal', 'SecretsDeleted', 'deletionPolicy is Delete: removed Secret demo-sm-kms-postgres'],
        ['Warning', 'SecretKept', 'deletionPolicy is Delete, but Secret demo-unseal-1, demo-unseal-2, demo-unseal-3 was not created by the operator for this resource; left in place'],
      ]);
      const gone = harness(kmsInstance('gone', withDeletionPolicy('Delete')), api);
      await gone.reconcile();
      for (const name of ['gone-unseal-1', 'gone-unseal-2', 'gone-unseal-3', 'gone-unseal-4', 'gone-unseal-5', 'gone-sm-kms-postgres']) {
        await api.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'default', name });
      }
      const before = api.events.length;
      await api.delete(gone.ref);
      await gone.reconcile();
      expect(gone.resource()).to.equal(undefined);
      expect(api.events.slice(before)).to.deep.equal([]);
    });

    it('puts the finalizer on a PetStore under Delete for its database credentials, and not with an external database', async () => {
      const h = harness(petStore('demo', withDeletionPolicy('Delete')));
      await h.reconcile();
      expect(h.resource()?.metadata.finalizers).to.deep.equal([RETAINED_SECRETS_FINALIZER]);
      await h.api.delete(h.ref);
      await h.reconcile();
      expect(h.secret('demo-learn-ps-postgres')).to.equal(undefined);
      const api = new MemoryApi();
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg', namespace: 'default', labels: MOUNTABLE }, data: {} });
      const external = harness(petStore('ext', withDeletionPolicy('Delete'), withExternalDatabase('pg')), api);
      await external.reconcile();
      expect(external.resource()?.metadata.finalizers ?? []).to.deep.equal([]);
      await api.delete(external.ref);
      expect(external.secret('pg')).to.not.equal(undefined);
    });

    it('drops the finalizer when the policy goes back to Retain, even during deletion', async () => {
      const h = harness(kmsInstance('demo', withDeletionPolicy('Delete')));
      await h.reconcile();
      h.api.updateSpec(API_VERSION, 'KmsInstance', 'demo', { deletionPolicy: 'Retain' });
      await h.reconcile();
      expect(h.resource()?.metadata.finalizers).to.deep.equal([]);
      const deleting = harness(kmsInstance('other', withDeletionPolicy('Delete')), h.api);
      await deleting.reconcile();
      h.api.updateSpec(API_VERSION, 'KmsInstance', 'other', { deletionPolicy: 'Retain' });
      await h.api.delete(deleting.ref);
      await deleting.reconcile();
      expect(deleting.resource()).to.equal(undefined);
      expect(deleting.secret('other-unseal-1')).to.not.equal(undefined);
    });

    it('ignores a deleted resource that carries no finalizer of ours', async () => {
      const resource = kmsInstance('held');
      const held = harness({ ...resource, metadata: { ...resource.metadata, finalizers: ['example.com/other'], deletionTimestamp: '2026-01-01T00:00:00Z' } });
      await held.reconcile();
      expect(held.api.calls.map((call) => call.operation)).to.deep.equal(['get']);
    });
  });

  // issue 13 point 12: the operator acts for whoever may create a resource, so it must not lend them
  // its own rights (deploy any image, mount any Secret, take over any object).
  describe('no confused deputy', () => {
    function deployedImage(h: Harness): unknown {
      return dig(h.api.find('apps/v1', 'Deployment', 'demo-learn-ps'), 'spec.template.spec.containers.0.image');
    }

    async function refused(h: Harness, reason: string): Promise<string> {
      const error = await rejection(h.reconcile());
      expect(error).to.have.property('reason', reason);
      expect(h.condition('Ready')).to.deep.include({ status: 'False', reason });
      expect(h.api.events.filter((event) => event.type === 'Warning').map((event) => event.reason)).to.include(reason);
      return h.condition('Ready')?.message ?? '';
    }

    it('deploys nothing for a spec.image outside the allowed images (ImageNotAllowed)', async () => {
      const h = harness(petStore('demo', withImage('evil.example/miner:1')));
      expect(await refused(h, 'ImageNotAllowed')).to.include('evil.example/miner:1');
      expect([...h.api.objects.values()].map((object) => object.kind)).to.deep.equal(['PetStore']);
    });

    it('allows the operator image and cryptoutil:dev by default, and what allowedImages lists', async () => {
      for (const image of [images.service, 'cryptoutil:dev']) {
        const h = harness(petStore('demo', withImage(image)));
        await h.reconcile();
        expect(deployedImage(h)).to.equal(image);
      }
      const listed = harness(petStore('demo', withImage('registry.example/cryptoutil:2')), new MemoryApi(), undefined, ['registry.example/cryptoutil:']);
      await listed.reconcile();
      expect(deployedImage(listed)).to.equal('registry.example/cryptoutil:2');
      const onlyOwn = harness(petStore('demo', withImage('cryptoutil:dev')), new MemoryApi(), undefined, []);
      await refused(onlyOwn, 'ImageNotAllowed');
    });

    it('keeps the running Deployment when spec.image changes to an image that is not allowed', async () => {
      const h = harness(petStore('demo'));
      await h.reconcile();
      const version = h.api.find('apps/v1', 'Deployment', 'demo-learn-ps')?.metadata.resourceVersion;
      h.api.updateSpec(API_VERSION, 'PetStore', 'demo', { image: 'evil.example/miner:1' });
      await refused(h, 'ImageNotAllowed');
      expect(h.api.find('apps/v1', 'Deployment', 'demo-learn-ps')?.metadata.resourceVersion).to.equal(version);
      expect(deployedImage(h)).to.equal(images.service);
    });

    const unlabelled = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default', ...(labels === undefined ? {} : { labels }) }, stringData: { url: 'postgres://x', 'share-1': 'x' } });
    const mountCases = [
      { name: 'an external database Secret', resource: petStore('demo', withExternalDatabase('pg')), secret: 'pg' },
      { name: 'a TLS Secret in mode Secret', resource: petStore('demo', withTlsSecret('my-tls')), secret: 'my-tls' },
      { name: 'a Secret found under the generated TLS name', resource: petStore('demo'), secret: 'demo-learn-ps-tls' },
    ];
    for (const { name, resource, secret } of mountCases) {
      it(`mounts ${name} only when labelled cryptoutil.io/allow-mount: "true" (SecretNotAllowed)`, async () => {
        const h = harness(resource);
        h.api.put(unlabelled(secret, { 'cryptoutil.io/allow-mount': 'false' }));
        expect(await refused(h, 'SecretNotAllowed')).to.include(`Secret ${secret} `);
        expect(h.api.find('apps/v1', 'Deployment', `demo-${kindRow(resource.kind).service}`)).to.equal(undefined);
        h.api.put(unlabelled(secret, MOUNTABLE));
        await h.reconcile();
        expect(h.api.find('apps/v1', 'Deployment', `demo-${kindRow(resource.kind).service}`)).to.not.equal(undefined);
      });
    }

    it('mounts a share Secret found under a share Secret name only when labelled cryptoutil.io/allow-mount: "true" (SecretNotAllowed)', async () => {
      const h = harness(kmsInstance('demo'));
      const supplied = await newUnsealKey(5, 3);
      const share = (index: number, labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `demo-unseal-${String(index)}`, namespace: 'default', labels }, stringData: { share: supplied.shares[index - 1] ?? '', keyCheck: supplied.keyCheck } });
      h.api.put(share(1, { 'cryptoutil.io/allow-mount': 'false' }));
      h.api.put(share(2, MOUNTABLE));
      h.api.put(share(3, MOUNTABLE));
      expect(await refused(h, 'SecretNotAllowed')).to.include('Secret demo-unseal-1 ');
      expect(h.api.find('apps/v1', 'Deployment', 'demo-sm-kms')).to.equal(undefined);
      h.api.put(share(1, MOUNTABLE));
      await h.reconcile();
      expect(h.api.find('apps/v1', 'Deployment', 'demo-sm-kms')).to.not.equal(undefined);
    });

    it('mounts a named Secret the operator created for this resource (owner reference)', async () => {
      const api = new MemoryApi();
      const resource = petStore('demo', withTlsSecret('demo-own-tls'));
      api.put({ ...unlabelled('demo-own-tls'), metadata: { name: 'demo-own-tls', namespace: 'default', ownerReferences: [controllerReference(resource)] } });
      const h = harness(resource, api);
      await h.reconcile();
      expect(h.condition('Degraded')).to.deep.include({ status: 'False' });
    });

    it('writes no child while any existing object of a child name belongs to someone else (ObjectConflict)', async () => {
      const h = harness(petStore('demo'));
      h.api.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'demo-learn-ps', namespace: 'default', labels: { app: 'payroll' } }, spec: { replicas: 7 } });
      const version = h.api.find('apps/v1', 'Deployment', 'demo-learn-ps')?.metadata.resourceVersion;
      expect(await refused(h, 'ObjectConflict')).to.include('Deployment demo-learn-ps');
      expect(h.api.find('apps/v1', 'Deployment', 'demo-learn-ps')?.metadata.resourceVersion).to.equal(version);
      expect(h.api.find('v1', 'ConfigMap', 'demo-learn-ps-config')).to.equal(undefined);
      expect(h.api.calls.filter((call) => call.operation === 'apply' && call.ref.kind !== 'PetStore')).to.deep.equal([]);
    });

    it('refuses an object another resource controls, and adopts an orphan it labelled itself', async () => {
      const api = new MemoryApi();
      const namesake = petStore('demo', (resource) => ({ ...resource, metadata: { ...resource.metadata, uid: 'uid-earlier-demo' } }));
      api.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'demo-learn-ps', namespace: 'default', ownerReferences: [controllerReference(namesake)] }, spec: {} });
      const h = harness(petStore('demo'), api);
      expect(await refused(h, 'ObjectConflict')).to.include('Service demo-learn-ps');
      api.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'demo-learn-ps', namespace: 'default', labels: { 'app.kubernetes.io/managed-by': 'cryptoutil-operator', 'app.kubernetes.io/name': 'learn-ps', 'app.kubernetes.io/instance': 'demo' } }, spec: {} });
      await h.reconcile();
      expect(api.find('v1', 'Service', 'demo-learn-ps')?.metadata.ownerReferences?.[0]).to.deep.include({ uid: h.resource()?.metadata.uid });
    });
  });

  // Before the shares were split, one Secret `<unseal>` held share-1…share-N (and, later, keyCheck).
  describe('unseal Secret of the earlier layout', () => {
    /** Turns the share Secrets of `h` back into the single Secret of the earlier layout. */
    async function combined(h: Harness, keep: { keyCheck: boolean; labels?: Record<string, string> }): Promise<Record<string, string>> {
      const first = h.secret('demo-unseal-1');
      const keyCheck = h.decoded('demo-unseal-1', 'keyCheck');
      const data: Record<string, string> = {};
      for (const index of [1, 2, 3, 4, 5]) {
        data[`share-${String(index)}`] = h.decoded(`demo-unseal-${String(index)}`, 'share');
        await h.api.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: `demo-unseal-${String(index)}` });
      }
      if (keep.keyCheck) data.keyCheck = keyCheck;
      h.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-unseal', namespace: 'default', labels: keep.labels ?? first?.metadata.labels ?? {} }, stringData: data });
      return data;
    }

    it('is split into one Secret per share and then deleted, keyCheck computed from the shares when it has none', async () => {
      for (const keyCheck of [true, false]) {
        const h = harness(kmsInstance('demo'));
        await h.reconcile();
        const recorded = dig(h.resource(), 'status.barrier');
        const shares = await combined(h, { keyCheck });
        await h.reconcile();
        for (const index of [1, 2, 3, 4, 5]) expect(h.decoded(`demo-unseal-${String(index)}`, 'share')).to.equal(shares[`share-${String(index)}`]);
        expect(h.secret('demo-unseal')).to.equal(undefined);
        expect(dig(h.resource(), 'status.barrier')).to.deep.equal(recorded);
        expect(h.condition('Degraded')?.status).to.equal('False');
        expect(h.api.events.at(-1)).to.deep.include({ reason: 'UnsealSecretSplit', note: 'moved the shares of Secret demo-unseal into one Secret each (demo-unseal-1…) and deleted it' });
        expect(JSON.stringify(h.api.events)).to.not.include(shares['share-1']);
      }
    });

    it('is copied but left in place when the user supplied it', async () => {
      const h = harness(kmsInstance('demo'));
      await h.reconcile();
      await combined(h, { keyCheck: true, labels: MOUNTABLE });
      await h.reconcile();
      expect(h.secret('demo-unseal')).to.not.equal(undefined);
      expect(h.secret('demo-unseal-5')).to.not.equal(undefined);
      expect(h.api.events.at(-1)?.note).to.include('demo-unseal was not created by the operator and is left in place');
    });

    it('reports shares that rebuild no key and no keyCheck (UnsealSecretUnusable), and creates nothing from them', async () => {
      const h = harness(kmsInstance('demo'));
      await h.reconcile();
      await combined(h, { keyCheck: false });
      const secret = h.secret('demo-unseal');
      if (secret === undefined) throw new Error('no combined Secret');
      h.api.put({ ...secret, data: { ...(secret.data as object), 'share-2': Buffer.from('not-a-share').toString('base64') } });
      const error = await rejection(h.reconcile());
      expect(error).to.have.property('reason', 'UnsealSecretUnusable');
      expect(h.condition('Degraded')?.message).to.include('demo-unseal');
      expect(h.secret('demo-unseal-1')).to.equal(undefined);
    });
  });

  describe('races with another writer', () => {
    function racing(api: MemoryApi, lose: (ref: ObjectRef) => boolean): KubeApi {
      let lost = false;
      return {
        get: (ref) => (!lost && lose(ref) ? Promise.resolve(undefined) : api.get(ref)),
        apply: (object) => api.apply(object),
        applyStatus: (object) => api.applyStatus(object),
        create: async (object) => {
          if (!lost && lose({ apiVersion: object.apiVersion, kind: object.kind, namespace: 'default', name: object.metadata.name })) {
            lost = true;
            api.put({ ...object, metadata: { ...object.metadata, labels: { winner: 'other' } } });
            return false;
          }
          return api.create(object);
        },
        update: (object) => api.update(object),
        delete: (ref) => api.delete(ref),
        event: (event) => api.event(event),
      };
    }

    it('uses the bootstrap CA another reconcile created first', async () => {
      const api = new MemoryApi();
      const h = harness(petStore('demo'), api, racing(api, (ref) => ref.name === BOOTSTRAP_CA_SECRET));
      await h.reconcile();
      expect(h.secret(BOOTSTRAP_CA_SECRET)?.metadata.labels).to.deep.equal({ winner: 'other' });
      const ca = new X509Certificate(h.decoded(BOOTSTRAP_CA_SECRET, 'tls.crt'));
      expect(new X509Certificate(h.decoded('demo-learn-ps-tls', 'tls.crt')).checkIssued(ca)).to.equal(true);
    });

    it('announces no unseal shares when another writer created one of their Secrets first', async () => {
      const api = new MemoryApi();
      const h = harness(kmsInstance('demo'), api, racing(api, (ref) => ref.name === 'demo-unseal-1'));
      await h.reconcile();
      expect(h.secret('demo-unseal-1')?.metadata.labels).to.deep.equal({ winner: 'other' });
      expect(dig(h.resource(), 'status.barrier')).to.equal(undefined);
      expect(h.api.events).to.deep.equal([]);
    });
  });

  describe('no secret lifecycle loses data', () => {
    const volume = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `data-${name}-0`, namespace: 'default' }, spec: {} });
    const shareNames = (name: string): string[] => [1, 2, 3, 4, 5].map((index) => `${name}-unseal-${String(index)}`);
    const remove = async (h: Harness, names: readonly string[]): Promise<void> => {
      for (const name of names) await h.api.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'default', name });
    };

    it('records in status that the barrier is initialized, with the key check value of the shares', async () => {
      const h = harness(kmsInstance('demo'));
      await h.reconcile();
      expect(dig(h.resource(), 'status.barrier')).to.deep.equal({ initialized: true, keyCheck: h.decoded('demo-unseal-1', 'keyCheck') });
      expect(dig(h.resource(), 'status.barrier.keyCheck')).to.match(/^kcv1:/u);
    });

    it('keeps the credentials and the share Secrets through delete and recreate under Retain', async () => {
      const h = harness(kmsInstance('demo'));
      await h.reconcile();
      const password = h.decoded('demo-sm-kms-postgres', 'POSTGRES_PASSWORD');
      const shares = shareNames('demo').map((name) => h.secret(name)?.data);
      h.api.put(volume('demo-sm-kms-postgres'));
      await h.api.delete(h.ref);
      const again = harness(kmsInstance('demo', (resource) => ({ ...resource, metadata: { ...resource.metadata, uid: 'uid-second' } })), h.api);
      await again.reconcile();
      expect(again.decoded('demo-sm-kms-postgres', 'POSTGRES_PASSWORD')).to.equal(password);
      expect(shareNames('demo').map((name) => again.secret(name)?.data)).to.deep.equal(shares);
      expect(again.condition('Degraded')?.status).to.equal('False');
    });

    it('never regenerates deleted database credentials while the volume remains (DatabaseCredentialsMissing), and recovers on restore', async () => {
      const h = harness(petStore('demo'));
      await h.reconcile();
      h.api.put(volume('demo-learn-ps-postgres'));
      const saved = h.secret('demo-learn-ps-postgres');
      if (saved === undefined) throw new Error('no credentials');
      await h.api.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'demo-learn-ps-postgres' });
      await h.api.delete({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'demo-learn-ps' });
      const error = await rejection(h.reconcile());
      expect(error).to.have.property('reason', 'DatabaseCredentialsMissing');
      expect(h.secret('demo-learn-ps-postgres')).to.equal(undefined);
      expect(h.condition('Degraded')).to.deep.include({ status: 'True', reason: 'DatabaseCredentialsMissing' });
      expect(h.condition('Degraded')?.message).to.include('Restoring a deleted Secret');
      expect(h.api.events.at(-1)).to.deep.include({ type: 'Warning', reason: 'DatabaseCredentialsMissing' });
      // The other children are still reconciled.
      expect(h.api.find('apps/v1', 'Deployment', 'demo-learn-ps')).to.not.equal(undefined);
      h.api.put(saved);
      h.api.setReady('apps/v1', 'Deployment', 'demo-learn-ps', 1);
      h.api.setReady('apps/v1', 'StatefulSet', 'demo-learn-ps-postgres', 1);
      await h.reconcile();
      expect(h.condition('Ready')?.status).to.equal('True');
      expect(h.condition('Degraded')?.status).to.equal('False');
    });

    it('never regenerates deleted share Secrets of an initialized barrier (UnsealMaterialMissing), and recovers on restore', async () => {
      const h = harness(kmsInstance('demo', withExternalDatabase('pg')));
      h.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg', namespace: 'default', labels: MOUNTABLE }, stringData: { url: 'postgres://x' } });
      await h.reconcile();
      const saved = shareNames('demo').map((name) => h.secret(name)).filter((secret) => secret !== undefined);
      expect(saved).to.have.length(5);
      const recorded = dig(h.resource(), 'status.barrier');
      await remove(h, shareNames('demo'));
      const error = await rejection(h.reconcile());
      expect(error).to.have.property('reason', 'UnsealMaterialMissing');
      expect(h.secret('demo-unseal-1')).to.equal(undefined);
      expect(h.condition('Degraded')).to.deep.include({ status: 'True', reason: 'UnsealMaterialMissing' });
      expect(h.api.events.at(-1)).to.deep.include({ type: 'Warning', reason: 'UnsealMaterialMissing' });
      expect(dig(h.resource(), 'status.barrier')).to.deep.equal(recorded);
      await rejection(h.reconcile());
      expect(h.secret('demo-unseal-1')).to.equal(undefined);
      for (const secret of saved) h.api.put(secret);
      h.api.setReady('apps/v1', 'Deployment', 'demo-sm-kms', 1);
      await h.reconcile();
      expect(h.condition('Ready')?.status).to.equal('True');
      expect(dig(h.resource(), 'status.barrier')).to.deep.equal(recorded);
    });

    it('reports a deleted share Secret the pods mount, and not one they do not mount', async () => {
      const h = harness(kmsInstance('demo', withExternalDatabase('pg')));
      h.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg', namespace: 'default', labels: MOUNTABLE }, stringData: { url: 'postgres://x' } });
      await h.reconcile();
      h.api.setReady('apps/v1', 'Deployment', 'demo-sm-kms', 1);
      await remove(h, ['demo-unseal-5']);
      await h.reconcile();
      expect(h.condition('Ready')?.status).to.equal('True');
      await remove(h, ['demo-unseal-2']);
      const error = await rejection(h.reconcile());
      expect(error).to.have.property('reason', 'UnsealMaterialMissing');
      expect(error.message).to.include('the pods mount Secret demo-unseal-2, which is gone');
      expect(error.message).to.not.include('demo-unseal-5');
    });

    it('with autoUnseal false, mounts no share and needs none in the cluster once the barrier is initialized', async () => {
      const h = harness(kmsInstance('demo', withExternalDatabase('pg'), withBarrier(5, 3, { autoUnseal: false })));
      h.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg', namespace: 'default', labels: MOUNTABLE }, stringData: { url: 'postgres://x' } });
      await h.reconcile();
      const keyCheck = h.decoded('demo-unseal-1', 'keyCheck');
      const config = parse(String((h.api.find('v1', 'ConfigMap', 'demo-sm-kms-config')?.data as Record<string, string>)['config.yml'])) as { barrier: unknown };
      // The key check value the shares were made with is in the config from the first reconcile on.
      expect(config.barrier).to.deep.equal({ threshold: 3, keyCheck });
      expect(JSON.stringify(h.api.find('apps/v1', 'Deployment', 'demo-sm-kms'))).to.not.include('unseal');
      // The custodians took the shares out of the cluster.
      await remove(h, shareNames('demo'));
      h.api.setReady('apps/v1', 'Deployment', 'demo-sm-kms', 1);
      await h.reconcile();
      expect(h.condition('Ready')?.status).to.equal('True');
      expect(h.secret('demo-unseal-1')).to.equal(undefined);
      expect(dig(h.resource(), 'status.barrier')).to.deep.equal({ initialized: true, keyCheck });
    });

    it('judges the barrier initialized from a remaining database volume when status is new', async () => {
      const h = harness(kmsInstance('demo'));
      h.api.put(volume('demo-sm-kms-postgres'));
      const error = await rejection(h.reconcile());
      // Both are missing; the database credentials are reported first, and neither is generated.
      expect(error).to.have.property('reason', 'DatabaseCredentialsMissing');
      expect(h.secret('demo-unseal-1')).to.equal(undefined);
      expect(h.secret('demo-sm-kms-postgres')).to.equal(undefined);
      expect(dig(h.resource(), 'status.barrier')).to.equal(undefined);
    });

    it('refuses a restored share Secret of another key, or shares that do not rebuild the recorded key (UnsealMaterialMismatch)', async () => {
      const h = harness(kmsInstance('demo'));
      await h.reconcile();
      const saved = h.secret('demo-unseal-2');
      if (saved === undefined) throw new Error('no share Secret');
      const data = saved.data as Record<string, string>;
      h.api.put({ ...saved, data: { ...data, keyCheck: Buffer.from('kcv1:other').toString('base64') } });
      expect((await rejection(h.reconcile())).message).to.include('Secret demo-unseal-2 does not hold the unseal key status.barrier.keyCheck records');
      h.api.put({ ...saved, data: { ...data, share: Buffer.from('not-a-share').toString('base64') } });
      expect(await rejection(h.reconcile())).to.have.property('reason', 'UnsealMaterialMismatch');
      h.api.put({ ...saved, data: { keyCheck: data.keyCheck } });
      expect(await rejection(h.reconcile())).to.have.property('reason', 'UnsealMaterialMismatch');
      h.api.put(saved);
      await h.reconcile();
      expect(h.condition('Degraded')?.status).to.equal('False');
    });

    it('refuses share Secrets supplied with no key check value at all', async () => {
      const api = new MemoryApi();
      for (const index of [1, 2, 3]) {
        api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `demo-unseal-${String(index)}`, namespace: 'default', labels: MOUNTABLE }, stringData: { share: 'x' } });
      }
      const h = harness(kmsInstance('demo'), api);
      expect((await rejection(h.reconcile())).message).to.include('does not hold the unseal key the other shares hold');
    });

    it('accepts the first threshold share Secrets alone, the others kept by their custodians', async () => {
      const h = harness(kmsInstance('demo'));
      await h.reconcile();
      await remove(h, ['demo-unseal-4', 'demo-unseal-5']);
      await h.reconcile();
      expect(h.condition('Degraded')?.status).to.equal('False');
      expect(h.secret('demo-unseal-4')).to.equal(undefined);
    });

    it('still generates the shares and the credentials for a fresh resource', async () => {
      const h = harness(kmsInstance('fresh'));
      await h.reconcile();
      expect(h.secret('fresh-unseal-1')).to.not.equal(undefined);
      expect(h.secret('fresh-sm-kms-postgres')).to.not.equal(undefined);
      expect(h.api.events.map((event) => event.reason)).to.deep.equal(['UnsealSecretCreated']);
    });
  });

  it('reads the system clock when none is injected', async () => {
    const api = new MemoryApi();
    api.put(petStore('demo'));
    const before = Date.now();
    await serviceReconciler(kindRow('PetStore'), { api, images }).reconcile({ apiVersion: API_VERSION, kind: 'PetStore', namespace: 'default', name: 'demo' });
    const resource = api.find(API_VERSION, 'PetStore', 'demo') as ServiceResource;
    expect(Date.parse(resource.status?.conditions?.[0]?.lastTransitionTime ?? '')).to.be.at.least(before - 1000);
  });
});

describe('service reconciler: Ready means rolled out, storage a cluster accepts, API errors as the server says them', () => {
  const ready = async (h: Harness): Promise<void> => {
    await h.reconcile();
    h.api.setReady('apps/v1', 'StatefulSet', 'demo-learn-ps-postgres', 1);
    h.api.setReady('apps/v1', 'Deployment', 'demo-learn-ps', 1);
    await h.reconcile();
    expect(h.condition('Ready')?.status).to.equal('True');
  };
  const claim = (storage: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-demo-learn-ps-postgres-0', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
  const withStorage = (storage: string) => (resource: ServiceResource): ServiceResource => ({ ...resource, spec: { ...resource.spec, database: { generated: { storage } } } });

  it('is not Ready while the Deployment has not rolled out a new spec, although the old pods are ready', async () => {
    const h = harness(petStore('demo'));
    await ready(h);
    h.api.updateSpec(API_VERSION, 'PetStore', 'demo', { image: 'cryptoutil:dev' });
    await h.reconcile();
    expect(dig(h.api.find('apps/v1', 'Deployment', 'demo-learn-ps'), 'metadata.generation')).to.equal(2);
    expect(h.condition('Ready')).to.deep.include({ status: 'False', reason: 'NotAvailable', message: 'waiting for the Deployment to roll out the current spec' });
    expect(h.condition('Progressing')).to.deep.include({ status: 'True', reason: 'Converging' });
    h.api.setReady('apps/v1', 'Deployment', 'demo-learn-ps', 1);
    await h.reconcile();
    expect(h.condition('Ready')?.status).to.equal('True');
  });

  it('reports a crash-looping new image as a stalled rollout (Progressing and Degraded), not Ready', async () => {
    const h = harness(petStore('demo'));
    await ready(h);
    h.api.updateSpec(API_VERSION, 'PetStore', 'demo', { image: 'cryptoutil:dev' });
    await h.reconcile();
    h.api.setStatus('apps/v1', 'Deployment', 'demo-learn-ps', {
      observedGeneration: 2, replicas: 2, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "demo-learn-ps-2" has timed out progressing.' }],
    });
    await h.reconcile();
    const message = 'the Deployment\'s rollout stalled: ReplicaSet "demo-learn-ps-2" has timed out progressing.';
    expect(h.condition('Ready')).to.deep.include({ status: 'False', reason: 'ProgressDeadlineExceeded', message });
    expect(h.condition('Progressing')).to.deep.include({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(h.condition('Degraded')).to.deep.include({ status: 'True', reason: 'ProgressDeadlineExceeded', message });
  });

  it('keeps Ready through a transient API error (500, dropped connection) and rethrows it for the backoff', async () => {
    const h = harness(petStore('demo'));
    await ready(h);
    const writes = h.api.calls.filter((call) => call.operation === 'applyStatus').length;
    for (const failure of [new KubeApiError('GET', '/apis/apps/v1/namespaces/default/deployments/demo-learn-ps', 500), Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })]) {
      h.api.failWith = (operation, ref) => (operation === 'get' && ref.kind === 'Deployment' ? failure : undefined);
      expect(await rejection(h.reconcile())).to.equal(failure);
      expect(h.condition('Ready')?.status).to.equal('True');
      expect(h.condition('Degraded')?.status).to.equal('False');
    }
    expect(h.api.calls.filter((call) => call.operation === 'applyStatus')).to.have.length(writes);
  });

  it('says in Degraded what the API server said when it refuses a write', async () => {
    const h = harness(petStore('demo'));
    const body = JSON.stringify({ kind: 'Status', code: 422, message: 'StatefulSet.apps "demo-learn-ps-postgres" is invalid: spec: Forbidden: updates to statefulset spec are forbidden' });
    const refused = new KubeApiError('PATCH', '/apis/apps/v1/namespaces/default/statefulsets/demo-learn-ps-postgres', 422, body);
    h.api.failWith = (operation, ref) => (operation === 'apply' && ref.kind === 'StatefulSet' ? refused : undefined);
    expect(await rejection(h.reconcile())).to.equal(refused);
    expect(h.condition('Degraded')).to.deep.include({
      status: 'True',
      reason: 'ReconcileError',
      message: 'PATCH /apis/apps/v1/namespaces/default/statefulsets/demo-learn-ps-postgres answered 422: StatefulSet.apps "demo-learn-ps-postgres" is invalid: spec: Forbidden: updates to statefulset spec are forbidden; the operator retries with backoff',
    });
  });

  it('grows the database volume through its claim and never rewrites the StatefulSet\'s claim templates', async () => {
    const h = harness(petStore('demo', withStorage('1Gi')));
    await h.reconcile();
    h.api.put(claim('1Gi'));
    h.api.updateSpec(API_VERSION, 'PetStore', 'demo', { database: { generated: { storage: '5Gi' } } });
    await h.reconcile();
    expect(dig(h.api.find('apps/v1', 'StatefulSet', 'demo-learn-ps-postgres'), 'spec.volumeClaimTemplates.0.spec.resources.requests.storage')).to.equal('1Gi');
    expect(dig(h.api.find('v1', 'PersistentVolumeClaim', 'data-demo-learn-ps-postgres-0'), 'spec.resources.requests.storage')).to.equal('5Gi');
    expect(h.condition('Degraded')?.status).to.equal('False');
  });

  it('refuses to shrink the database volume with a reason, still applying everything else', async () => {
    const h = harness(petStore('demo', withStorage('2Gi')));
    await h.reconcile();
    h.api.put(claim('2Gi'));
    h.api.updateSpec(API_VERSION, 'PetStore', 'demo', { database: { generated: { storage: '1Gi' } }, replicas: 2 });
    expect(await rejection(h.reconcile())).to.have.property('reason', 'StorageShrinkRefused');
    expect(h.condition('Degraded')).to.deep.include({ status: 'True', reason: 'StorageShrinkRefused' });
    expect(h.condition('Degraded')?.message).to.include('data-demo-learn-ps-postgres-0 (2Gi)');
    expect(dig(h.api.find('apps/v1', 'Deployment', 'demo-learn-ps'), 'spec.replicas')).to.equal(2);
    expect(dig(h.api.find('v1', 'PersistentVolumeClaim', 'data-demo-learn-ps-postgres-0'), 'spec.resources.requests.storage')).to.equal('2Gi');
  });
});
