import { expect } from 'chai';
import { Store } from './storage.ts';
import { BUILTIN_TYPES } from './resources.ts';
import type { KObject } from './objects.ts';

describe('kube-sim store: writes that change nothing (API server semantics)', () => {
  const configMaps = BUILTIN_TYPES.find((type) => type.plural === 'configmaps');

  it('keeps the resourceVersion and sends no event for an identical write; a real change bumps both', () => {
    if (configMaps === undefined) throw new Error('configmaps type missing');
    const store = new Store();
    const events: string[] = [];
    store.subscribe((event) => { events.push(event.type); });
    const object = (value: string): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', uid: '' }, data: { value } }) as unknown as KObject;
    const first = store.put(configMaps, object('a'));
    const again = store.put(configMaps, { ...first, metadata: { ...first.metadata, resourceVersion: '999' } });
    expect(again.metadata.resourceVersion).to.equal(first.metadata.resourceVersion);
    const changed = store.put(configMaps, { ...first, data: { value: 'b' } });
    expect(Number(changed.metadata.resourceVersion)).to.be.greaterThan(Number(first.metadata.resourceVersion));
    expect(events).to.deep.equal(['ADDED', 'MODIFIED']);
  });
});
