/**
 * The object store: one map keyed by type, namespace and name, a global resourceVersion counter
 * (etcd's revision) and the ordered event log that watches replay from.
 */
import { randomUUID } from 'node:crypto';
import { clone, type KObject } from './objects.ts';
import type { ResourceType } from './resources.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  readonly type: WatchEventType;
  readonly resource: ResourceType;
  readonly object: KObject;
  readonly revision: number;
}

type Listener = (event: StoredEvent) => void;

function key(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${type.group}/${type.plural}/${namespace ?? ''}/${name}`;
}

/** Keeps the last events so a watch can resume from a recent resourceVersion. */
const LOG_SIZE = 10_000;

export class Store {
  readonly #objects = new Map<string, { type: ResourceType; object: KObject }>();
  readonly #log: StoredEvent[] = [];
  readonly #listeners = new Set<Listener>();
  /** The uid of every stored object, so that "is this owner still there" costs no scan. */
  readonly #uids = new Set<string>();
  #revision = 1;

  get revision(): number {
    return this.#revision;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const entry = this.#objects.get(key(type, namespace, name));
    return entry === undefined ? undefined : clone(entry.object);
  }

  /** The stored object itself, not a copy: only to read, never to change. */
  peek(type: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    return this.#objects.get(key(type, namespace, name))?.object;
  }

  /** Whether an object with this uid is stored. */
  hasUid(uid: string): boolean {
    return this.#uids.has(uid);
  }

  /** Objects of a type, optionally in one namespace, sorted by namespace and name. */
  list(type: ResourceType, namespace?: string): KObject[] {
    const out: KObject[] = [];
    for (const entry of this.#objects.values()) {
      if (entry.type.group !== type.group || entry.type.plural !== type.plural) continue;
      if (namespace !== undefined && entry.object.metadata.namespace !== namespace) continue;
      out.push(clone(entry.object));
    }
    return out.sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  /** Every stored object with its type (for garbage collection and namespace deletion). */
  entries(): { type: ResourceType; object: KObject }[] {
    return [...this.#objects.values()].map((entry) => ({ type: entry.type, object: clone(entry.object) }));
  }

  /**
   * Every stored object as stored, not copied: for scans that only read (garbage collection runs one
   * after each write of an owned object, and copying the whole store there made every write cost as
   * much as the store is large). A stored object is never changed in place, only replaced, so the
   * result is a snapshot; callers must not change the objects, and copy the ones they write back.
   */
  scan(): readonly { readonly type: ResourceType; readonly object: KObject }[] {
    return [...this.#objects.values()];
  }

  /**
   * Writes an object, stamping uid and creationTimestamp on first write and a new resourceVersion.
   * As the API server does, a write that changes nothing keeps the resourceVersion and sends no
   * watch event (otherwise a controller that applies its desired state would wake itself forever).
   */
  put(type: ResourceType, object: KObject): KObject {
    const id = key(type, object.metadata.namespace, object.metadata.name);
    const existing = this.#objects.get(id);
    if (existing !== undefined && contentOf(existing.object) === contentOf(object)) return clone(existing.object);
    const stored = clone(object);
    this.#revision += 1;
    stored.metadata.resourceVersion = String(this.#revision);
    if (existing === undefined) {
      stored.metadata.uid = stored.metadata.uid === '' ? randomUUID() : stored.metadata.uid;
      stored.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/u, 'Z');
    }
    if (existing !== undefined) this.#uids.delete(existing.object.metadata.uid);
    this.#objects.set(id, { type, object: stored });
    this.#uids.add(stored.metadata.uid);
    this.#emit({ type: existing === undefined ? 'ADDED' : 'MODIFIED', resource: type, object: clone(stored), revision: this.#revision });
    return clone(stored);
  }

  remove(type: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const id = key(type, namespace, name);
    const existing = this.#objects.get(id);
    if (existing === undefined) return undefined;
    this.#objects.delete(id);
    this.#uids.delete(existing.object.metadata.uid);
    this.#revision += 1;
    const removed = clone(existing.object);
    removed.metadata.resourceVersion = String(this.#revision);
    this.#emit({ type: 'DELETED', resource: type, object: clone(removed), revision: this.#revision });
    return removed;
  }

  /** Events after `revision`, or undefined when the log no longer reaches back that far (410 Gone). */
  since(revision: number): StoredEvent[] | undefined {
    const first = this.#log[0];
    if (first !== undefined && first.revision > revision + 1 && this.#log.length >= LOG_SIZE) return undefined;
    return this.#log.filter((event) => event.revision > revision);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: StoredEvent): void {
    this.#log.push(event);
    if (this.#log.length > LOG_SIZE) this.#log.shift();
    for (const listener of this.#listeners) listener(event);
  }
}

/** What a write is compared on: everything but the resourceVersion and the managed-fields times. */
function contentOf(object: KObject): string {
  const { managedFields } = object.metadata;
  const fields = Array.isArray(managedFields)
    ? managedFields.map((entry: unknown) => (typeof entry === 'object' && entry !== null ? { ...entry, time: undefined } : entry))
    : managedFields;
  return JSON.stringify({ ...object, metadata: { ...object.metadata, resourceVersion: undefined, managedFields: fields } });
}
