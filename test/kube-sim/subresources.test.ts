import { expect } from 'chai';
import { request } from 'node:https';
import { Api, PATCH_TYPES } from './api.ts';
import { toCoreEvent, toEventsEvent } from './events.ts';
import type { KObject } from './objects.ts';
import { startKubeSim } from './server.ts';
import { apiErrorOf } from './api-error.ts';

describe('kube-sim /scale and the one Event storage', () => {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web', tier: 'front' } } } } as unknown as KObject;

  it('reads and writes a Deployment Scale, refusing bad replicas and a stale resourceVersion', () => {
    const api = new Api();
    const type = api.type('apps', 'v1', 'deployments');
    api.create(type, 'default', deployment, 'test');
    const scale = api.getScale(type, 'default', 'web');
    expect(scale).to.deep.include({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 } });
    expect((scale as unknown as { status: { selector: string } }).status.selector).to.equal('app=web,tier=front');
    const updated = api.updateScale(type, 'default', 'web', { spec: { replicas: 4 }, metadata: { resourceVersion: scale.metadata.resourceVersion } }, 'test');
    expect(updated).to.have.nested.property('spec.replicas', 4);
    expect((api.get(type, 'default', 'web').spec as { replicas: number }).replicas).to.equal(4);
    expect(apiErrorOf(() => api.updateScale(type, 'default', 'web', { spec: { replicas: 2 }, metadata: { resourceVersion: '1' } }, 'test')).code).to.equal(409);
    for (const replicas of [-1, 1.5, 'two', null]) {
      const invalid = apiErrorOf(() => api.updateScale(type, 'default', 'web', { spec: { replicas } }, 'test'));
      expect(invalid.code, String(replicas)).to.equal(422);
      expect(invalid.message).to.include('spec.replicas: Invalid value');
    }
    expect(api.patchScale(type, 'default', 'web', PATCH_TYPES.json, [{ op: 'replace', path: '/spec/replicas', value: 2 }], 'test')).to.have.nested.property('spec.replicas', 2);
    expect(apiErrorOf(() => api.patchScale(type, 'default', 'web', PATCH_TYPES.apply, { spec: { replicas: 3 } }, 'test')).code).to.equal(415);
    const configMaps = api.type('', 'v1', 'configmaps');
    api.create(configMaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } as KObject, 'test');
    expect(apiErrorOf(() => api.getScale(configMaps, 'default', 'c')).code).to.equal(404);
    expect(apiErrorOf(() => api.updateScale(configMaps, 'default', 'c', { spec: { replicas: 1 } }, 'test')).code).to.equal(404);
    api.close();
  });

  it('converts Events between events.k8s.io/v1 and core/v1 field by field, both ways', () => {
    const modern = {
      apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, eventTime: '2026-01-01T00:00:00.000000Z',
      regarding: { kind: 'PetStore', name: 'demo' }, note: 'n', reportingController: 'c', reportingInstance: 'i', deprecatedSource: { component: 's' },
      deprecatedFirstTimestamp: '2026-01-01T00:00:00Z', deprecatedLastTimestamp: '2026-01-01T00:00:01Z', deprecatedCount: 2, series: { count: 2, lastObservedTime: '2026-01-01T00:00:01.000000Z' },
    } as unknown as KObject;
    const core = toCoreEvent(modern);
    expect(core).to.deep.include({ apiVersion: 'v1', involvedObject: { kind: 'PetStore', name: 'demo' }, message: 'n', reportingComponent: 'c', reportingInstance: 'i', source: { component: 's' }, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:01Z', count: 2 });
    expect(core).to.not.have.any.keys('regarding', 'note', 'reportingController', 'deprecatedCount');
    expect(toEventsEvent(core)).to.deep.equal(modern);
  });

  it('updates, merge-patches, applies and deletes an events.k8s.io Event through the core storage', () => {
    const api = new Api();
    const events = api.type('events.k8s.io', 'v1', 'events');
    const core = api.type('', 'v1', 'events');
    api.create(events, 'default', { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, note: 'first', regarding: { name: 'demo' }, eventTime: '2026-01-01T00:00:00.000000Z' } as unknown as KObject, 'test');
    expect(api.get(core, 'default', 'e')).to.deep.include({ message: 'first' });
    const patched = api.patch(events, 'default', 'e', PATCH_TYPES.merge, { series: { count: 2, lastObservedTime: '2026-01-01T00:00:01.000000Z' } }, { subresource: 'main', manager: 'test', force: false });
    expect(patched).to.deep.include({ apiVersion: 'events.k8s.io/v1', note: 'first', series: { count: 2, lastObservedTime: '2026-01-01T00:00:01.000000Z' } });
    const bad = apiErrorOf(() => api.patch(events, 'default', 'e', PATCH_TYPES.merge, { series: { count: 3, lastObservedTime: '2026-01-01T00:00:02.000Z' } }, { subresource: 'main', manager: 'test', force: false }));
    expect(bad.code).to.equal(400);
    expect(bad.message).to.include('series.lastObservedTime: parsing time "2026-01-01T00:00:02.000Z"');
    const replaced = api.update(events, 'default', 'e', { ...patched, note: 'second' }, 'main', 'test');
    expect(replaced).to.deep.include({ note: 'second' });
    expect(api.list(core, 'default').map((event) => event.message)).to.deep.equal(['second']);
    const applied = api.patch(events, 'default', 'e', PATCH_TYPES.apply, { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, note: 'third' }, { subresource: 'main', manager: 'applier', force: true });
    expect(applied).to.deep.include({ note: 'third' });
    expect(apiErrorOf(() => api.patch(events, 'default', 'e', PATCH_TYPES.apply, 'text', { subresource: 'main', manager: 'a', force: true })).code).to.equal(400);
    expect(apiErrorOf(() => api.patch(events, 'default', 'e', PATCH_TYPES.json, [{ op: 'remove', path: '/metadata' }], { subresource: 'main', manager: 'a', force: true })).code).to.equal(400);
    api.delete(events, 'default', 'e');
    expect(api.list(events, 'default')).to.deep.equal([]);
    api.close();
  });

  it('streams core Events to an events.k8s.io watch in its own shape, filtered by regarding.*', async () => {
    const sim = await startKubeSim({ rbacFromChart: false });
    try {
      const lines: string[] = [];
      const watching = new Promise<void>((resolve, reject) => {
        const outgoing = request(`${sim.url}/apis/events.k8s.io/v1/namespaces/default/events?watch=true&fieldSelector=regarding.name%3Ddemo`, { ca: sim.ca, headers: { authorization: `Bearer ${sim.adminToken}` } }, (response) => {
          response.on('data', (chunk: Buffer) => {
            lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
            if (lines.length >= 1) {
              outgoing.destroy();
              resolve();
            }
          });
        });
        outgoing.on('error', (error: NodeJS.ErrnoException) => { if (error.code !== 'ECONNRESET') reject(error); });
        outgoing.end();
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const core = sim.api.type('', 'v1', 'events');
      sim.api.create(core, 'default', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'other' }, message: 'not this', involvedObject: { name: 'other' } } as unknown as KObject, 'test');
      sim.api.create(core, 'default', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'mine' }, message: 'this', involvedObject: { name: 'demo' } } as unknown as KObject, 'test');
      await watching;
      const event = JSON.parse(lines[0] ?? '{}') as { type: string; object: Record<string, unknown> };
      expect(event.type).to.equal('ADDED');
      expect(event.object).to.deep.include({ apiVersion: 'events.k8s.io/v1', note: 'this', regarding: { name: 'demo' } });
    } finally {
      await sim.stop();
    }
  });
});
