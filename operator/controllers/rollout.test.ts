import { expect } from 'chai';
import { parseQuantity } from '../children/quantity.ts';
import type { KubeObject } from '../resources/types.ts';
import { MemoryApi } from '../testing/memory-api.ts';
import { deploymentRollout } from './rollout.ts';
import { planStorage } from './storage.ts';

function deployment(generation: number, status: Record<string, unknown>): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', generation }, status };
}

const rolled = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };

describe('Deployment rollout (as kubectl rollout status reads it)', () => {
  const cases: { name: string; object: KubeObject | undefined; expected: ReturnType<typeof deploymentRollout> }[] = [
    { name: 'no Deployment yet', object: undefined, expected: { readyReplicas: 0, rolledOut: false } },
    { name: 'a current generation on every replica', object: deployment(2, rolled), expected: { readyReplicas: 2, rolledOut: true } },
    { name: 'a spec the controller has not seen', object: deployment(3, rolled), expected: { readyReplicas: 2, rolledOut: false } },
    { name: 'old pods still serving the previous template', object: deployment(2, { ...rolled, updatedReplicas: 1, replicas: 3 }), expected: { readyReplicas: 2, rolledOut: false } },
    { name: 'an old pod left after the new ones', object: deployment(2, { ...rolled, replicas: 3 }), expected: { readyReplicas: 2, rolledOut: false } },
    { name: 'new pods not available yet', object: deployment(2, { ...rolled, availableReplicas: 1 }), expected: { readyReplicas: 2, rolledOut: false } },
    { name: 'a status without counts', object: deployment(1, {}), expected: { readyReplicas: 0, rolledOut: false } },
    { name: 'replicas updated but none reported available', object: deployment(2, { ...rolled, availableReplicas: undefined }), expected: { readyReplicas: 2, rolledOut: false } },
    { name: 'an object without a generation (the first)', object: { ...deployment(1, rolled), metadata: { name: 'web' } }, expected: { readyReplicas: 2, rolledOut: true } },
    {
      name: 'a rollout past its progress deadline',
      object: deployment(2, { ...rolled, updatedReplicas: 1, conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }] }),
      expected: { readyReplicas: 2, rolledOut: false, stalled: 'ReplicaSet "web-1" has timed out progressing.' },
    },
    {
      name: 'a deadline without a message',
      object: deployment(2, { ...rolled, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
      expected: { readyReplicas: 2, rolledOut: false, stalled: 'ProgressDeadlineExceeded' },
    },
    {
      name: 'a deadline reported for an older generation (a new rollout started)',
      object: deployment(3, { ...rolled, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
      expected: { readyReplicas: 2, rolledOut: false },
    },
  ];
  for (const { name, object, expected } of cases) {
    it(name, () => {
      expect(deploymentRollout(object, 2)).to.deep.equal(expected);
    });
  }
});

describe('resource quantities', () => {
  it('reads binary and decimal suffixes and refuses anything else', () => {
    expect(['1Gi', '512Mi', '1.5Ki', '2Ti', '1G', '500M', '3k', '2T', '10', '500m'].map(parseQuantity)).to.deep.equal([2 ** 30, 512 * 2 ** 20, 1536, 2 * 2 ** 40, 1e9, 5e8, 3000, 2e12, 10, 0.5]);
    expect(['', 'Gi', '1 Gi', '1Pi', '-1Gi'].map(parseQuantity)).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('storage changes a cluster accepts', () => {
  const set = (storage: string, replicas = 1, template = 'data'): KubeObject => ({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' },
    spec: { replicas, serviceName: 'db', volumeClaimTemplates: [{ metadata: { name: template }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } }] },
  });
  const claim = (name: string, storage: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { resources: { requests: { storage } } } });

  it('creates a new StatefulSet as desired', async () => {
    const plan = await planStorage(new MemoryApi(), set('1Gi'), undefined);
    expect(plan).to.deep.equal({ set: set('1Gi'), claims: [] });
  });

  it('keeps the claim templates of an existing set and raises the request of each existing claim', async () => {
    const api = new MemoryApi();
    api.put(claim('data-db-0', '1Gi'));
    api.put(claim('data-db-1', '2Gi'));
    const plan = await planStorage(api, set('2Gi', 3), set('1Gi', 3));
    expect((plan.set.spec as { volumeClaimTemplates: unknown }).volumeClaimTemplates).to.deep.equal((set('1Gi').spec as { volumeClaimTemplates: unknown }).volumeClaimTemplates);
    expect(plan.set.spec).to.have.property('replicas', 3);
    // data-db-1 already has 2Gi; data-db-2 does not exist yet and will be made from the template.
    expect(plan.claims).to.deep.equal([claim('data-db-0', '2Gi')]);
    expect(plan.problem).to.equal(undefined);
  });

  it('refuses a smaller size, naming the claims and what they have, while keeping the templates', async () => {
    const api = new MemoryApi();
    api.put(claim('data-db-0', '2Gi'));
    const plan = await planStorage(api, set('1Gi'), set('2Gi'));
    expect(plan.claims).to.deep.equal([]);
    expect(plan.problem).to.have.property('reason', 'StorageShrinkRefused');
    expect(plan.problem?.message).to.include('data-db-0 (2Gi)').and.include('never shrink');
    const before = await planStorage(new MemoryApi(), set('1Gi'), set('2Gi'));
    expect(before.problem?.message).to.include('data-db-0 (2Gi)');
  });

  it('leaves sets without templates, templates the set did not have, and templates without a size alone', async () => {
    const bare: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: {} };
    expect(await planStorage(new MemoryApi(), set('1Gi'), bare)).to.deep.equal({ set: set('1Gi'), claims: [] });
    expect((await planStorage(new MemoryApi(), set('1Gi', 1, 'other'), set('1Gi'))).claims).to.deep.equal([]);
    const unreadable = new MemoryApi();
    unreadable.put(claim('data-db-0', '1Pi'));
    const noReplicas = { volumeClaimTemplates: (set('2Gi').spec as { volumeClaimTemplates: unknown }).volumeClaimTemplates };
    expect((await planStorage(unreadable, { ...set('2Gi'), spec: noReplicas }, set('1Gi'))).claims).to.deep.equal([claim('data-db-0', '2Gi')]);
    expect((await planStorage(new MemoryApi(), bare, set('1Gi'))).claims).to.deep.equal([]);
    const unsized = { ...set('1Gi'), spec: { volumeClaimTemplates: [{ spec: {} }] } };
    expect((await planStorage(new MemoryApi(), unsized, set('1Gi'))).claims).to.deep.equal([]);
    const unnamed = { ...set('1Gi'), metadata: { name: 'db' }, spec: { volumeClaimTemplates: [{ spec: { resources: { requests: { storage: '5Gi' } } } }] } };
    const api = new MemoryApi();
    api.put({ ...claim('data-db-0', '1Gi'), metadata: { name: 'data-db-0', namespace: '' } });
    expect((await planStorage(api, unnamed, { ...unnamed, spec: { volumeClaimTemplates: [{ metadata: { name: 'data' } }] } })).claims).to.deep.equal([{ ...claim('data-db-0', '5Gi'), metadata: { name: 'data-db-0', namespace: '' } }]);
  });
});
