import { expect } from 'chai';
import { API_VERSION, PLANNED_KINDS } from '../kinds.ts';
import type { ServiceResource } from '../resources/types.ts';
import { MemoryApi } from '../testing/memory-api.ts';
import { withGeneration } from '../testing/fixtures.ts';
import { CONTROLLER_NOT_IMPLEMENTED, plannedReconciler } from './planned.ts';

function resource(kind: string, ...options: ((r: ServiceResource) => ServiceResource)[]): ServiceResource {
  const base: ServiceResource = { apiVersion: API_VERSION, kind, metadata: { name: 'demo', namespace: 'default', uid: `uid-${kind}`, generation: 1 }, spec: { replicas: 1 } };
  return options.reduce((current, option) => option(current), base);
}

describe('controller of a planned kind (issue 12: a CR whose controller is missing says so)', () => {
  const clock = { now: new Date('2026-03-01T10:00:00Z') };

  for (const kind of PLANNED_KINDS) {
    it(`${kind}: Ready False, Progressing False, Degraded True, reason ControllerNotImplemented with observedGeneration, and one Warning Event`, async () => {
      const api = new MemoryApi();
      api.put(resource(kind));
      const reconciler = plannedReconciler(kind, { api, now: () => clock.now });
      expect(reconciler.kind).to.equal(kind);
      const ref = { apiVersion: API_VERSION, kind, namespace: 'default', name: 'demo' };
      await reconciler.reconcile(ref);
      const stored = api.find(API_VERSION, kind, 'demo') as ServiceResource;
      expect(stored.status?.observedGeneration).to.equal(1);
      expect(stored.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration, c.lastTransitionTime])).to.deep.equal([
        ['Ready', 'False', CONTROLLER_NOT_IMPLEMENTED, 1, '2026-03-01T10:00:00.000Z'],
        ['Progressing', 'False', CONTROLLER_NOT_IMPLEMENTED, 1, '2026-03-01T10:00:00.000Z'],
        ['Degraded', 'True', CONTROLLER_NOT_IMPLEMENTED, 1, '2026-03-01T10:00:00.000Z'],
      ]);
      expect(stored.status?.conditions?.[0]?.message).to.equal(`this operator release has no controller for ${kind}: the resource is stored, nothing is deployed for it`);
      expect(api.events.map((event) => [event.type, event.reason, event.regarding.kind])).to.deep.equal([['Warning', CONTROLLER_NOT_IMPLEMENTED, kind]]);
      // Nothing changed: no second status write, no second Event, no child.
      await reconciler.reconcile(ref);
      expect(api.calls.filter((call) => call.operation === 'applyStatus')).to.have.length(1);
      expect(api.events).to.have.length(1);
      expect([...api.objects.values()]).to.have.length(1);
    });
  }

  it('follows a new generation, keeping lastTransitionTime since no status flipped', async () => {
    const api = new MemoryApi();
    api.put(resource('IdentityRealm'));
    const reconciler = plannedReconciler('IdentityRealm', { api, now: () => clock.now });
    const ref = { apiVersion: API_VERSION, kind: 'IdentityRealm', namespace: 'default', name: 'demo' };
    await reconciler.reconcile(ref);
    const first = api.find(API_VERSION, 'IdentityRealm', 'demo') as ServiceResource;
    api.put(withGeneration(2)(first));
    const later = { now: () => new Date('2026-03-02T10:00:00Z') };
    await plannedReconciler('IdentityRealm', { api, now: later.now }).reconcile(ref);
    const stored = api.find(API_VERSION, 'IdentityRealm', 'demo') as ServiceResource;
    expect(stored.status?.observedGeneration).to.equal(2);
    expect(stored.status?.conditions?.every((c) => c.observedGeneration === 2 && c.lastTransitionTime === '2026-03-01T10:00:00.000Z')).to.equal(true);
  });

  it('leaves a resource that is gone or being deleted alone, and reads the system clock by default', async () => {
    const api = new MemoryApi();
    const reconciler = plannedReconciler('CertificateAuthority', { api });
    const ref = { apiVersion: API_VERSION, kind: 'CertificateAuthority', namespace: 'default', name: 'demo' };
    await reconciler.reconcile(ref);
    const deleting = resource('CertificateAuthority');
    api.put({ ...deleting, metadata: { ...deleting.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['example.com/x'] } });
    await reconciler.reconcile(ref);
    expect(api.calls.map((call) => call.operation)).to.deep.equal(['get', 'get']);
    api.put(resource('CertificateAuthority'));
    const before = Date.now();
    await reconciler.reconcile(ref);
    const time = Date.parse(String((api.find(API_VERSION, 'CertificateAuthority', 'demo') as ServiceResource).status?.conditions?.[0]?.lastTransitionTime));
    expect(time).to.be.at.least(before - 1000);
  });
});
