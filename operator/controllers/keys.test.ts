import { expect } from 'chai';
import { API_VERSION } from '../kinds.ts';
import type { ObjectRef } from '../resources/types.ts';
import { petStore } from '../testing/fixtures.ts';
import { keyOfOwner, keyOfResource, kindOfKey, reconcileKey, refOfKey } from './keys.ts';
import type { Reconciler } from './reconciler.ts';

describe('work-queue keys', () => {
  it('round-trips a resource key', () => {
    const key = keyOfResource(petStore('demo'));
    expect(key).to.equal('PetStore/default/demo');
    expect(refOfKey(key)).to.deep.equal({ apiVersion: API_VERSION, kind: 'PetStore', namespace: 'default', name: 'demo' });
    expect(kindOfKey(key)).to.equal('PetStore');
    expect(kindOfKey('nonsense')).to.equal('');
  });

  it('takes keys of planned kinds too (their controller reports ControllerNotImplemented)', () => {
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
    expect(keyOfOwner(child([{ ...owner, kind: 'IdentityRealm' }]))).to.equal(undefined);
    expect(keyOfOwner({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', ownerReferences: [owner] } })).to.equal('PetStore//demo');
    expect(keyOfResource({ apiVersion: API_VERSION, kind: 'PetStore', metadata: { name: 'x' } })).to.equal('PetStore//x');
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
