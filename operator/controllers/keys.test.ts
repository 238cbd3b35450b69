import { expect } from 'chai';
import { API_VERSION } from '../kinds.ts';
import type { ObjectRef } from '../resources/types.ts';
import { petStore } from '../testing/fixtures.ts';
import { keyOfChild, keyOfOwner, keyOfResource, kindOfKey, reconcileKey, refOfKey } from './keys.ts';
import type { Reconciler } from './reconciler.ts';

describe('work-queue keys', () => {
  it('round-trips a resource key', () => {
    const key = keyOfResource(petStore('demo'));
    expect(key).to.equal('PetStore/default/demo');
    expect(refOfKey(key)).to.deep.equal({ apiVersion: API_VERSION, kind: 'PetStore', namespace: 'default', name: 'demo' });
    expect(kindOfKey(key)).to.equal('PetStore');
    expect(kindOfKey('nonsense')).to.equal('');
  });

  it('takes keys of every kind, IdentityRealm included', () => {
    expect(refOfKey('IdentityRealm/default/demo')).to.deep.equal({ apiVersion: API_VERSION, kind: 'IdentityRealm', namespace: 'default', name: 'demo' });
  });

  it('rejects keys of unknown kinds or the wrong shape', () => {
    for (const key of ['Widget/default/demo', 'PetStore/default', 'PetStore/a/b/c', '']) {
      expect(refOfKey(key), key).to.equal(undefined);
    }
  });

  it('maps a child to its controlling cryptoutil owner only', () => {
    const owner = { apiVersion: API_VERSION, kind: 'PetStore', name: 'demo', uid: 'u', controller: true, blockOwnerDeletion: true };
    const child = (ownerReferences: readonly (typeof owner)[] | undefined): Parameters<typeof keyOfOwner>[0] =>
      ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'demo', namespace: 'shop', ...(ownerReferences === undefined ? {} : { ownerReferences }) } });
    expect(keyOfOwner(child([owner]))).to.equal('PetStore/shop/demo');
    expect(keyOfOwner(child(undefined))).to.equal(undefined);
    expect(keyOfOwner(child([{ ...owner, controller: false }]))).to.equal(undefined);
    expect(keyOfOwner(child([{ ...owner, apiVersion: 'apps/v1' }]))).to.equal(undefined);
    expect(keyOfOwner(child([{ ...owner, kind: 'IdentityRealm' }]))).to.equal('IdentityRealm/shop/demo');
    expect(keyOfOwner(child([{ ...owner, kind: 'Widget' }]))).to.equal(undefined);
    expect(keyOfOwner({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', ownerReferences: [owner] } })).to.equal('PetStore//demo');
    expect(keyOfResource({ apiVersion: API_VERSION, kind: 'PetStore', metadata: { name: 'x' } })).to.equal('PetStore//x');
  });

  it('maps a child kept without an owner reference (a retained Secret) to the resource its labels name', () => {
    const secret = (labels: Record<string, string>, namespace?: string): Parameters<typeof keyOfChild>[0] =>
      ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-sm-kms-postgres', labels, ...(namespace === undefined ? {} : { namespace }) } });
    const ours = { 'app.kubernetes.io/name': 'sm-kms', 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/managed-by': 'cryptoutil-operator' };
    expect(keyOfChild(secret(ours, 'vault'))).to.equal('KmsInstance/vault/demo');
    expect(keyOfChild(secret(ours))).to.equal('KmsInstance//demo');
    expect(keyOfChild(secret({ ...ours, 'app.kubernetes.io/name': 'identity-idp' }, 'corp')), 'a realm component').to.equal('IdentityRealm/corp/demo');
    expect(keyOfChild(secret({ ...ours, 'app.kubernetes.io/managed-by': 'helm' }, 'vault')), 'not ours').to.equal(undefined);
    expect(keyOfChild(secret({ ...ours, 'app.kubernetes.io/name': 'postgres' }, 'vault')), 'no such service').to.equal(undefined);
    const nameless = Object.fromEntries(Object.entries(ours).filter(([label]) => label !== 'app.kubernetes.io/instance'));
    expect(keyOfChild(secret(nameless, 'vault')), 'no instance').to.equal(undefined);
    expect(keyOfChild({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' } })).to.equal(undefined);
    const owner = { apiVersion: API_VERSION, kind: 'PetStore', name: 'shop', uid: 'u', controller: true, blockOwnerDeletion: true };
    expect(keyOfChild({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'a', labels: ours, ownerReferences: [owner] } }), 'the owner reference wins').to.equal('PetStore/a/shop');
  });

  it('runs the reconciler of the key kind and ignores other keys', async () => {
    const seen: ObjectRef[] = [];
    const reconciler: Reconciler = { kind: 'PetStore', reconcile: (ref) => { seen.push(ref); return Promise.resolve(); } };
    const reconcilers = new Map([['PetStore', reconciler]]);
    await reconcileKey('PetStore/default/demo', reconcilers);
    await reconcileKey('KmsInstance/default/demo', reconcilers);
    await reconcileKey('bogus', reconcilers);
    expect(seen).to.deep.equal([{ apiVersion: API_VERSION, kind: 'PetStore', namespace: 'default', name: 'demo' }]);
  });
});
