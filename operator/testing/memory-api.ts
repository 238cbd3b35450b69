/**
 * A small in-memory KubeApi for controller tests: enough of the API server's behaviour (uids,
 * generations, stringData→data, finalizers before deletion, owner-reference garbage collection) for
 * the reconcile loop to meet the same outcomes it meets in a cluster. Not a simulator: kube-sim is.
 */
import { EventEmitter } from 'node:events';
import type { KubeApi, KubeEvent } from '../kube/api.ts';
import { refOf } from '../resources/types.ts';
import type { KubeObject, ObjectMeta, ObjectRef } from '../resources/types.ts';

type Operation = 'get' | 'apply' | 'applyStatus' | 'create' | 'update' | 'delete' | 'event';

function keyOf(ref: ObjectRef): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

function encodeStringData(object: KubeObject): KubeObject {
  const stringData = object.stringData as Record<string, string> | undefined;
  if (stringData === undefined) {
    return object;
  }
  const rest: Record<string, unknown> = { ...object };
  delete rest.stringData;
  const data = Object.fromEntries(Object.entries(stringData).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
  return { ...rest, data } as unknown as KubeObject;
}

/** One write as a watch reports it. */
export interface MemoryChange {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
  readonly revision: number;
}

export class MemoryApi implements KubeApi {
  readonly objects = new Map<string, KubeObject>();
  readonly events: KubeEvent[] = [];
  readonly calls: { operation: Operation; ref: ObjectRef }[] = [];
  /**
   * Emits 'change' with a MemoryChange after every write, as a watch would see it. One listener per
   * open watch: an operator watches every kind and its children at once, more than Node's default
   * warning threshold of ten.
   */
  readonly changes = new EventEmitter<{ change: [MemoryChange] }>().setMaxListeners(64);
  /** Every change so far, oldest first, so a watch can resume from a resourceVersion. */
  readonly log: MemoryChange[] = [];
  /** Return an error to make that call fail. */
  failWith: (operation: Operation, ref: ObjectRef) => Error | undefined = () => undefined;
  #nextUid = 1;
  #version = 1;

  /** The resourceVersion of the latest change (a list's resourceVersion). */
  get revision(): number {
    return this.#version - 1;
  }

  #changed(change: MemoryChange): void {
    this.log.push(change);
    this.changes.emit('change', change);
  }

  #record(operation: Operation, ref: ObjectRef): void {
    this.calls.push({ operation, ref });
    const error = this.failWith(operation, ref);
    if (error !== undefined) {
      throw error;
    }
  }

  #store(object: KubeObject): KubeObject {
    const key = keyOf(refOf(object));
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.#version++) } };
    this.objects.set(key, stored);
    this.#changed({ type, object: stored, revision: Number(stored.metadata.resourceVersion) });
    return stored;
  }

  /** Puts an object as a user would create it (uid and generation assigned). */
  put(object: KubeObject): KubeObject {
    const metadata: ObjectMeta = { uid: `uid-${String(this.#nextUid++)}`, generation: 1, ...object.metadata };
    return this.#store(encodeStringData({ ...object, metadata }));
  }

  find(apiVersion: string, kind: string, name: string, namespace = 'default'): KubeObject | undefined {
    return this.objects.get(keyOf({ apiVersion, kind, namespace, name }));
  }

  list(kind: string): KubeObject[] {
    return [...this.objects.values()].filter((object) => object.kind === kind);
  }

  /** What the workload controllers would report: a rollout of the current generation with these ready replicas. */
  setReady(apiVersion: string, kind: string, name: string, readyReplicas: number): void {
    const object = this.find(apiVersion, kind, name);
    if (object !== undefined) {
      const replicas = readyReplicas;
      this.#store({ ...object, status: { observedGeneration: object.metadata.generation, replicas, updatedReplicas: replicas, readyReplicas, availableReplicas: readyReplicas } });
    }
  }

  /** Replaces the status of an object as its controller would (a stalled rollout, say). */
  setStatus(apiVersion: string, kind: string, name: string, status: Record<string, unknown>): void {
    const object = this.find(apiVersion, kind, name);
    if (object !== undefined) {
      this.#store({ ...object, status });
    }
  }

  /** A user's edit of the spec: bumps metadata.generation as the API server does. */
  updateSpec(apiVersion: string, kind: string, name: string, spec: Record<string, unknown>): void {
    const object = this.find(apiVersion, kind, name);
    if (object !== undefined) {
      const generation = (object.metadata.generation ?? 1) + 1;
      this.#store({ ...object, metadata: { ...object.metadata, generation }, spec: { ...(object.spec as object), ...spec } });
    }
  }

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.#record('get', ref);
    return Promise.resolve(this.objects.get(keyOf(ref)));
  }

  apply(object: KubeObject): Promise<KubeObject> {
    this.#record('apply', refOf(object));
    const existing = this.objects.get(keyOf(refOf(object)));
    if (existing === undefined) {
      return Promise.resolve(this.put(object));
    }
    // A spec change bumps the generation, as the API server does.
    const respecified = object.spec !== undefined && JSON.stringify(object.spec) !== JSON.stringify(existing.spec);
    const metadata = { ...existing.metadata, ...object.metadata, ...(respecified ? { generation: (existing.metadata.generation ?? 1) + 1 } : {}) };
    const merged = { ...existing, ...object, metadata } as KubeObject;
    if (metadata.deletionTimestamp !== undefined && (metadata.finalizers ?? []).length === 0) {
      this.#remove(merged);
      return Promise.resolve(merged);
    }
    // Like server-side apply, an apply that changes nothing writes nothing (no new resourceVersion, no watch event).
    if (JSON.stringify(merged) === JSON.stringify(existing)) {
      return Promise.resolve(existing);
    }
    return Promise.resolve(this.#store(merged));
  }

  applyStatus(object: KubeObject): Promise<KubeObject> {
    this.#record('applyStatus', refOf(object));
    const existing = this.objects.get(keyOf(refOf(object)));
    if (existing === undefined) {
      return Promise.reject(new Error('not found'));
    }
    return Promise.resolve(this.#store({ ...existing, status: object.status }));
  }

  create(object: KubeObject): Promise<boolean> {
    this.#record('create', refOf(object));
    if (this.objects.has(keyOf(refOf(object)))) {
      return Promise.resolve(false);
    }
    this.put(object);
    return Promise.resolve(true);
  }

  /** A replace with the resourceVersion precondition the API server checks. */
  update(object: KubeObject): Promise<boolean> {
    this.#record('update', refOf(object));
    const existing = this.objects.get(keyOf(refOf(object)));
    if (existing === undefined) {
      return Promise.reject(new Error('not found'));
    }
    if (existing.metadata.resourceVersion !== object.metadata.resourceVersion) {
      return Promise.resolve(false);
    }
    this.#store({ ...object, metadata: { ...existing.metadata, ...object.metadata } });
    return Promise.resolve(true);
  }

  delete(ref: ObjectRef): Promise<void> {
    this.#record('delete', ref);
    const existing = this.objects.get(keyOf(ref));
    if (existing === undefined) {
      return Promise.resolve();
    }
    if ((existing.metadata.finalizers ?? []).length > 0) {
      this.#store({ ...existing, metadata: { ...existing.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } });
      return Promise.resolve();
    }
    this.#remove(existing);
    return Promise.resolve();
  }

  /** Removes the object and, like the garbage collector, everything it owns. */
  #remove(object: KubeObject): void {
    this.objects.delete(keyOf(refOf(object)));
    const revision = this.#version++;
    this.#changed({ type: 'DELETED', object: { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } }, revision });
    for (const child of [...this.objects.values()]) {
      if (child.metadata.ownerReferences?.some((owner) => owner.uid === object.metadata.uid) === true) {
        this.#remove(child);
      }
    }
  }

  event(event: KubeEvent): Promise<void> {
    this.#record('event', event.regarding);
    this.events.push(event);
    return Promise.resolve();
  }
}
