import { expect } from 'chai';
import type { KubeObject } from '../resources/types.ts';
import { identityRealm, kmsInstance, petStore } from '../testing/fixtures.ts';
import { controllerReference } from '../resources/ownership.ts';
import { describeObject, ownedBy } from './ownership.ts';

const demo = petStore('demo');
const childLabels = { 'app.kubernetes.io/managed-by': 'cryptoutil-operator', 'app.kubernetes.io/name': 'learn-ps', 'app.kubernetes.io/instance': 'demo' };

function object(metadata: Partial<KubeObject['metadata']>, kind = 'Deployment'): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { name: 'demo-learn-ps', namespace: 'default', ...metadata } };
}

describe('ownership of existing objects', () => {
  it('owns an object with an owner reference to the resource uid', () => {
    expect(ownedBy(object({ ownerReferences: [controllerReference(demo)] }), demo)).to.equal(true);
  });

  it('does not own an object another resource controls, even with our labels', () => {
    const other = petStore('demo', (resource) => ({ ...resource, metadata: { ...resource.metadata, uid: 'uid-of-a-namesake' } }));
    expect(ownedBy(object({ labels: childLabels, ownerReferences: [controllerReference(other)] }), demo)).to.equal(false);
  });

  it('owns an uncontrolled object the operator labelled as this resource child (retained Secrets, orphans)', () => {
    expect(ownedBy(object({ labels: childLabels }), demo)).to.equal(true);
    const nonController = { ...controllerReference(kmsInstance('x')), controller: false };
    expect(ownedBy(object({ labels: childLabels, ownerReferences: [nonController] }), demo)).to.equal(true);
  });

  it('does not own an unlabelled object, nor one labelled for another instance, service or manager', () => {
    expect(ownedBy(object({}), demo)).to.equal(false);
    expect(ownedBy(object({ labels: { ...childLabels, 'app.kubernetes.io/instance': 'other' } }), demo)).to.equal(false);
    expect(ownedBy(object({ labels: { ...childLabels, 'app.kubernetes.io/name': 'sm-kms' } }), demo)).to.equal(false);
    expect(ownedBy(object({ labels: { ...childLabels, 'app.kubernetes.io/managed-by': 'helm' } }), demo)).to.equal(false);
  });

  it('owns what the operator labelled for any service of an IdentityRealm (their shared unseal Secrets), and nothing without a service label', () => {
    const realm = identityRealm('demo');
    for (const service of ['identity-authz', 'identity-idp', 'identity-rs']) {
      expect(ownedBy(object({ labels: { ...childLabels, 'app.kubernetes.io/name': service } }, 'Secret'), realm), service).to.equal(true);
    }
    expect(ownedBy(object({ labels: childLabels }, 'Secret'), realm), 'learn-ps').to.equal(false);
    const nameless = Object.fromEntries(Object.entries(childLabels).filter(([label]) => label !== 'app.kubernetes.io/name'));
    expect(ownedBy(object({ labels: nameless }, 'Secret'), realm)).to.equal(false);
  });

  it('names an object by kind and name', () => {
    expect(describeObject(object({}, 'Service'))).to.equal('Service demo-learn-ps');
  });
});
