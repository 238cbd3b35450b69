/**
 * Owner-reference garbage collection, run after every removal: dependents whose owners are all
 * gone are deleted (background), owners waiting in foreground deletion lose their
 * `foregroundDeletion` finalizer once no blocking dependent remains, and orphaning strips
 * references.
 */
import { clone, type KObject } from './objects.ts';
import type { ResourceType } from './resources.ts';
import type { Store } from './storage.ts';

export const FOREGROUND = 'foregroundDeletion';
export const ORPHAN = 'orphan';

/** What the collector needs from the API: delete honoring finalizers, and write an object back. */
export interface Collector {
  deleteObject(type: ResourceType, object: KObject, propagation: string): void;
  writeObject(type: ResourceType, object: KObject): void;
}

function isDependent(object: KObject, owner: KObject): boolean {
  return object.metadata.ownerReferences?.some((reference) => reference.uid === owner.metadata.uid) === true;
}

/** Copies of the dependents of `owner`, free for the caller to change. */
function dependentsOf(store: Store, owner: KObject): { type: ResourceType; object: KObject }[] {
  return store.scan().filter((entry) => isDependent(entry.object, owner)).map((entry) => ({ type: entry.type, object: clone(entry.object) }));
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
    const entries = store.scan();
    const live = new Set(entries.map((entry) => entry.object.metadata.uid));
    let changed = false;
    for (const entry of entries) {
      const { metadata } = entry.object;
      const references = metadata.ownerReferences ?? [];
      if (references.length > 0 && references.every((reference) => !live.has(reference.uid)) && metadata.deletionTimestamp === undefined) {
        collector.deleteObject(entry.type, clone(entry.object), 'Background');
        changed = true;
      } else if (metadata.finalizers?.includes(FOREGROUND) === true && !store.scan().some((other) => isDependent(other.object, entry.object))) {
        const object = clone(entry.object);
        object.metadata.finalizers = metadata.finalizers.filter((finalizer) => finalizer !== FOREGROUND);
        collector.writeObject(entry.type, object);
        changed = true;
      }
    }
    if (!changed) return;
  }
}
