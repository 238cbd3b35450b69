import { expect } from 'chai';
import type { KubeObject } from '../resources/types.ts';
import { kmsInstance, petStore } from '../testing/fixtures.ts';
import { controllerReference } from '../resources/ownership.ts';
import { ALLOW_MOUNT_LABEL, mayMount } from './secrets.ts';

const demo = petStore('demo');

function secret(metadata: Partial<KubeObject['metadata']>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg', namespace: 'default', ...metadata } };
}

describe('mountable Secrets', () => {
  it('mounts a Secret labelled cryptoutil.io/allow-mount: "true"', () => {
    expect(mayMount(secret({ labels: { [ALLOW_MOUNT_LABEL]: 'true' } }), demo)).to.equal(true);
  });

  it('mounts a Secret the operator created for this resource', () => {
    expect(mayMount(secret({ ownerReferences: [controllerReference(demo)] }), demo)).to.equal(true);
    expect(mayMount(secret({ labels: { 'app.kubernetes.io/managed-by': 'cryptoutil-operator', 'app.kubernetes.io/name': 'learn-ps', 'app.kubernetes.io/instance': 'demo' } }), demo)).to.equal(true);
  });

  it('refuses any other Secret, and a label value other than "true"', () => {
    expect(mayMount(secret({}), demo)).to.equal(false);
    expect(mayMount(secret({ labels: { [ALLOW_MOUNT_LABEL]: 'yes' } }), demo)).to.equal(false);
    expect(mayMount(secret({ ownerReferences: [controllerReference(kmsInstance('other'))] }), demo)).to.equal(false);
  });
});
