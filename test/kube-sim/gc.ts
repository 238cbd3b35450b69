/**
 * Owner-reference garbage collection, run after every removal: dependents whose owners are all
 * gone are deleted (background), owners waiting in foreground deletion lose their
 * `foregroundDeletion` finalizer once no blocking dependent remains, and orphaning strips
 * references.
 */
import type { KObject } from './objects.ts';
import type { ResourceType } from './resources.ts';
import type { Store } from './storage.ts';

export const FOREGROUND = 'foregroundDeletion';
export const ORPHAN = 'orphan';

/** What the collector needs from the API: delete honoring finalizers, and write an object back. */
export interface Collector {
  deleteObject(type: ResourceType, object: KObject, propagation: string): void;
  writeObject(type: ResourceType, object: KObject): void;
}

function dependentsOf(store: Store, owner: KObject): { type: ResourceType; object: KObject }[] {
  return store.entries().filter((entry) => entry.object.metadata.ownerReferences?.some((reference) => reference.uid === owner.metadata.uid) === true);
}

/** Starts deleting the dependents of an owner under the given propagation policy. */
export function propagate(store: Store, collector: Collector, owner: KObject, propagation: string): void {
  for (const dependent of dependentsOf(store, owner)) {
    if (propagation === 'Orphan') {
      dependent.object.metadata.ownerReferences = dependent.object.metadata.ownerReferences?.filter((reference) => reference.uid !== owner.metadata.uid);
      collector.writeObject(dependent.type, dependent.object);
    } else if (dependent.object.metadata.deletionTimestamp === undefined) collector.deleteObject(dependent.type, dependent.object, propagation);
  }
}

/** Sweeps until nothing changes: orphans with vanished owners go, foreground owners complete. */
export function collect(store: Store, collector: Collector): void {
  for (;;) {
    const live = new Set(store.entries().map((entry) => entry.object.metadata.uid));
    let changed = false;
    for (const entry of store.entries()) {
      const { metadata } = entry.object;
      const references = metadata.ownerReferences ?? [];
      if (references.length > 0 && references.every((reference) => !live.has(reference.uid)) && metadata.deletionTimestamp === undefined) {
        collector.deleteObject(entry.type, entry.object, 'Background');
        changed = true;
      } else if (metadata.finalizers?.includes(FOREGROUND) === true && dependentsOf(store, entry.object).length === 0) {
        entry.object.metadata.finalizers = metadata.finalizers.filter((finalizer) => finalizer !== FOREGROUND);
        collector.writeObject(entry.type, entry.object);
        changed = true;
      }
    }
    if (!changed) return;
  }
}
