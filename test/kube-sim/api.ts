/**
 * The API semantics on top of the store: create, read, update, patch, apply and delete with
 * finalizers, garbage collection, namespaces, CRD registration and the kubelet's status writes.
 */
import { admitCreate, admitUpdate, type Subresource } from './admission.ts';
import { recordUpdate, serverSideApply } from './apply.ts';
import { collect, FOREGROUND, propagate, type Collector } from './gc.ts';
import { claimStatus, claimsOf, isWorkload, readyStatus } from './kubelet.ts';
import { clone, errors, isObject, type Json, type JsonObject, type KObject } from './objects.ts';
import { jsonPatch, mergePatch } from './patch.ts';
import { checkEventTimes } from './events.ts';
import { BUILTIN_TYPES, typeFromCrd, TypeRegistry, type ResourceType, type StoredAs } from './resources.ts';
import { Store } from './storage.ts';

/** Patch media types, as Content-Type says them. */
export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/**
 * Whether a write can be known to give the garbage collector nothing new without sweeping the
 * store: every owner is there, no owner reference was dropped (an owner in foreground deletion may
 * have been waiting for this dependent), and the object is not itself waiting for its dependents.
 * Every other write or removal sweeps, so the store was already swept clean before this write, and a
 * sweep per write of an owned object would make each write cost as much as the store is large.
 */
function leavesNothingToCollect(store: Store, before: KObject | undefined, after: KObject): boolean {
  const owners = new Set((after.metadata.ownerReferences ?? []).map((reference) => reference.uid));
  return [...owners].every((uid) => store.hasUid(uid)) &&
    (before?.metadata.ownerReferences ?? []).every((reference) => owners.has(reference.uid)) &&
    after.metadata.finalizers?.includes(FOREGROUND) !== true;
}

/** The value at a `.a.b` path (the form of CRD scale paths). */
function readPath(object: JsonObject, path: string): Json | undefined {
  let value: Json | undefined = object;
  for (const key of path.split('.').filter((part) => part !== '')) value = isObject(value) ? value[key] : undefined;
  return value;
}

function writePath(object: JsonObject, path: string, value: Json): void {
  const keys = path.split('.').filter((part) => part !== '');
  const last = keys.pop() ?? '';
  let node = object;
  for (const key of keys) {
    const next = node[key];
    node = isObject(next) ? next : (node[key] = {});
  }
  node[last] = value;
}

/** A label selector as the string Scale.status.selector holds (`a=b,c=d`). */
function selectorText(value: Json | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (!isObject(value) || !isObject(value.matchLabels)) return undefined;
  return Object.entries(value.matchLabels).map(([key, label]) => `${key}=${typeof label === 'string' ? label : JSON.stringify(label)}`).join(',');
}

/** The autoscaling/v1 Scale of an object. */
function scaleOf(type: ResourceType, object: KObject): KObject {
  const paths = type.scale;
  if (paths === undefined) throw errors.notFound(type.plural, type.group, object.metadata.name);
  const body = object as unknown as JsonObject;
  const spec = readPath(body, paths.specReplicasPath);
  const status = readPath(body, paths.statusReplicasPath);
  const selector = paths.labelSelectorPath === undefined ? undefined : selectorText(readPath(body, paths.labelSelectorPath));
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: typeof spec === 'number' ? spec : 0 },
    status: selector === undefined ? { replicas: typeof status === 'number' ? status : 0 } : { replicas: typeof status === 'number' ? status : 0, selector },
  } as unknown as KObject;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/u, 'Z');
}

export class Api implements Collector {
  readonly store = new Store();
  readonly registry = new TypeRegistry(BUILTIN_TYPES);
  readonly #pending = new Set<NodeJS.Immediate>();
  /**
   * Images whose pods crash-loop: a Deployment rolling out one of them stalls (tests add and remove
   * entries to simulate a bad release).
   */
  readonly crashingImages = new Set<string>();
  /**
   * Whether `--run-pods` runs this workload's pods, in which case their probes, not this kubelet,
   * write its status (run-pods.ts); unset: every workload is marked ready.
   */
  runsPodsOf: ((workload: KObject) => boolean) | undefined;

  constructor() {
    for (const name of ['default', 'kube-system', 'kube-public', 'cryptoutil-system']) {
      this.create(this.type('', 'v1', 'namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as unknown as KObject, 'kube-sim');
    }
  }

  /** A served type or 404. */
  type(group: string, version: string, plural: string): ResourceType {
    const type = this.registry.find(group, version, plural);
    if (type === undefined) throw errors.notFound(plural, group, '');
    return type;
  }

  /** The type an object of `type` is stored as: itself, or the one it is a view of (events.k8s.io → core Events). */
  storageType(type: ResourceType): ResourceType {
    return type.storedAs === undefined ? type : this.type(type.storedAs.group, type.storedAs.version, type.storedAs.plural);
  }

  /** The objects of a type as that type shows them, optionally in one namespace. */
  list(type: ResourceType, namespace: string | undefined): KObject[] {
    const items = this.store.list(this.storageType(type), namespace);
    return type.storedAs === undefined ? items : items.map((item) => type.storedAs?.fromStorage(item) ?? item);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KObject {
    if (type.storedAs !== undefined) return type.storedAs.fromStorage(this.get(this.storageType(type), namespace, name));
    const object = this.store.get(type, type.namespaced ? namespace : undefined, name);
    if (object === undefined) throw errors.notFound(type.plural, type.group, name);
    return object;
  }

  #requireNamespace(type: ResourceType, namespace: string | undefined): void {
    if (!type.namespaced) return;
    if (namespace === undefined) throw errors.badRequest('a namespace is required for this resource');
    const ns = this.store.get(this.type('', 'v1', 'namespaces'), undefined, namespace);
    if (ns === undefined) throw errors.notFound('namespaces', '', namespace);
    if (ns.metadata.deletionTimestamp !== undefined) throw errors.forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`);
  }

  create(type: ResourceType, namespace: string | undefined, input: KObject, manager: string): KObject {
    if (type.storedAs !== undefined) return type.storedAs.fromStorage(this.create(this.storageType(type), namespace, type.storedAs.toStorage(input), manager));
    const object = admitCreate(type, input, namespace);
    // The API server's only default of a built-in kind that clients rely on here: a Secret is Opaque unless typed.
    if (type.group === '' && type.plural === 'secrets' && object.type === undefined) object.type = 'Opaque';
    this.#requireNamespace(type, object.metadata.namespace);
    if (this.store.get(type, object.metadata.namespace, object.metadata.name) !== undefined) throw errors.alreadyExists(type.plural, type.group, object.metadata.name);
    recordUpdate(undefined, object, manager);
    return this.#write(type, object);
  }

  update(type: ResourceType, namespace: string | undefined, name: string, input: KObject, subresource: Subresource, manager: string): KObject {
    if (type.storedAs !== undefined) return type.storedAs.fromStorage(this.update(this.storageType(type), namespace, name, type.storedAs.toStorage(input), subresource, manager));
    const old = this.get(type, namespace, name);
    if (input.metadata.name !== name) throw errors.badRequest('the name of the object does not match the name on the URL');
    const object = admitUpdate(type, old, input, subresource);
    recordUpdate(old, object, manager);
    return this.#write(type, object);
  }

  /** PATCH of every kind; apply creates the object when it does not exist. */
  patch(type: ResourceType, namespace: string | undefined, name: string, contentType: string, body: Json, options: { subresource: Subresource; manager: string; force: boolean }): KObject {
    if (type.storedAs !== undefined) return this.#patchView(type, type.storedAs, namespace, name, contentType, body, options);
    const old = this.store.get(type, type.namespaced ? namespace : undefined, name);
    if (contentType === PATCH_TYPES.apply) {
      if (!isObject(body)) throw errors.badRequest('an apply configuration must be an object');
      const applied = body as unknown as KObject;
      if (old === undefined) {
        // Only the object itself can be created by an apply; its status of a missing object is a 404.
        if (options.subresource !== 'main') throw errors.notFound(type.plural, type.group, name);
        const created = serverSideApply(undefined, applied, options.manager, options.force, false);
        return this.#write(type, admitCreate(type, created, namespace));
      }
      const merged = serverSideApply(old, applied, options.manager, options.force, type.statusSubresource && options.subresource === 'main');
      merged.metadata.resourceVersion = old.metadata.resourceVersion;
      return this.#write(type, admitUpdate(type, old, merged, options.subresource));
    }
    if (old === undefined) throw errors.notFound(type.plural, type.group, name);
    if (contentType === PATCH_TYPES.strategic && type.schema !== undefined) throw errors.unsupportedMediaType(contentType);
    const patched = (contentType === PATCH_TYPES.json ? jsonPatch(old as unknown as Json, body) : mergePatch(old as unknown as Json, body)) as unknown as KObject;
    if (!isObject(patched.metadata)) throw errors.badRequest('a patch must keep metadata');
    const object = admitUpdate(type, old, patched, options.subresource);
    recordUpdate(old, object, options.manager);
    return this.#write(type, object);
  }

  /** A patch of a view type: merge and JSON patches apply to the object as the view shows it. */
  #patchView(type: ResourceType, view: StoredAs, namespace: string | undefined, name: string, contentType: string, body: Json, options: { subresource: Subresource; manager: string; force: boolean }): KObject {
    const storage = this.storageType(type);
    if (contentType === PATCH_TYPES.apply) {
      if (!isObject(body)) throw errors.badRequest('an apply configuration must be an object');
      return view.fromStorage(this.patch(storage, namespace, name, contentType, view.toStorage(body as unknown as KObject) as unknown as Json, options));
    }
    const old = this.get(type, namespace, name);
    const patched = (contentType === PATCH_TYPES.json ? jsonPatch(old as unknown as Json, body) : mergePatch(old as unknown as Json, body)) as unknown as KObject;
    if (!isObject(patched.metadata)) throw errors.badRequest('a patch must keep metadata');
    return this.update(type, namespace, name, patched, options.subresource, options.manager);
  }

  /** GET /scale: an autoscaling/v1 Scale read from the object through the type's replica paths. */
  getScale(type: ResourceType, namespace: string | undefined, name: string): KObject {
    return scaleOf(type, this.get(type, namespace, name));
  }

  /**
   * PUT /scale: writes `spec.replicas` of the Scale into the object, which is then admitted like any
   * update (so a CRD's `minimum` still holds), and answers the new Scale.
   */
  updateScale(type: ResourceType, namespace: string | undefined, name: string, input: Json, manager: string): KObject {
    const paths = type.scale;
    if (paths === undefined) throw errors.notFound(type.plural, type.group, name);
    const old = this.get(type, namespace, name);
    const spec = isObject(input) && isObject(input.spec) ? input.spec : {};
    const replicas = spec.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0` }]);
    }
    const metadata = isObject(input) && isObject(input.metadata) ? input.metadata : {};
    if (typeof metadata.resourceVersion === 'string' && metadata.resourceVersion !== '' && metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw errors.conflict(type.plural, type.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const changed = clone(old);
    writePath(changed as unknown as JsonObject, paths.specReplicasPath, replicas);
    return scaleOf(type, this.update(type, namespace, name, changed, 'main', manager));
  }

  /** PATCH /scale: the patch applies to the Scale, then the result is written as a PUT would. */
  patchScale(type: ResourceType, namespace: string | undefined, name: string, contentType: string, body: Json, manager: string): KObject {
    const current = this.getScale(type, namespace, name) as unknown as Json;
    if (contentType === PATCH_TYPES.apply) throw errors.unsupportedMediaType(contentType);
    const patched = contentType === PATCH_TYPES.json ? jsonPatch(current, body) : mergePatch(current, body);
    return this.updateScale(type, namespace, name, patched, manager);
  }

  /** DELETE: finalizers hold the object with a deletionTimestamp; dependents follow the policy. */
  delete(type: ResourceType, namespace: string | undefined, name: string, propagation = 'Background', preconditions?: { uid?: string; resourceVersion?: string }): KObject {
    if (type.storedAs !== undefined) return type.storedAs.fromStorage(this.delete(this.storageType(type), namespace, name, propagation, preconditions));
    const object = this.get(type, namespace, name);
    if (preconditions?.uid !== undefined && preconditions.uid !== object.metadata.uid) throw errors.conflict(type.plural, type.group, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${object.metadata.uid}`);
    if (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== object.metadata.resourceVersion) throw errors.conflict(type.plural, type.group, name, 'the object has been modified');
    this.deleteObject(type, object, propagation);
    const after = this.store.get(type, object.metadata.namespace, name);
    collect(this.store, this);
    return after ?? object;
  }

  /** Collector: starts deletion of one object. */
  deleteObject(type: ResourceType, object: KObject, propagation: string): void {
    const pending = clone(object);
    const isNamespace = type.group === '' && type.plural === 'namespaces';
    const hasDependents = this.store.scan().some((entry) => entry.object.metadata.ownerReferences?.some((reference) => reference.uid === object.metadata.uid) === true);
    if (propagation === 'Foreground' && hasDependents && !(pending.metadata.finalizers ?? []).includes(FOREGROUND)) pending.metadata.finalizers = [...(pending.metadata.finalizers ?? []), FOREGROUND];
    if (propagation === 'Orphan') propagate(this.store, this, object, 'Orphan');
    const held = (pending.metadata.finalizers ?? []).length > 0 || (isNamespace && this.#namespaceHasContent(object.metadata.name));
    if (held) {
      if (pending.metadata.deletionTimestamp === undefined) {
        pending.metadata.deletionTimestamp = now();
        if (isNamespace) pending.status = { phase: 'Terminating' };
        this.store.put(type, pending);
      }
      if (isNamespace) this.#emptyNamespace(object.metadata.name);
      if (propagation === 'Foreground') propagate(this.store, this, object, 'Foreground');
      return;
    }
    this.store.remove(type, object.metadata.namespace, object.metadata.name);
    this.#afterRemove(type, object);
    if (propagation !== 'Orphan') propagate(this.store, this, object, 'Background');
  }

  /** Collector: writes an object the collector changed (finalizers, owner references). */
  writeObject(type: ResourceType, object: KObject): void {
    this.#write(type, object);
  }

  #namespaceHasContent(namespace: string): boolean {
    return this.store.scan().some((entry) => entry.object.metadata.namespace === namespace);
  }

  #emptyNamespace(namespace: string): void {
    for (const entry of this.store.entries()) {
      if (entry.object.metadata.namespace === namespace && entry.object.metadata.deletionTimestamp === undefined) this.deleteObject(entry.type, entry.object, 'Background');
    }
  }

  /** Stores, or removes when a deleting object has lost its last finalizer; then the side effects. */
  #write(type: ResourceType, object: KObject): KObject {
    if (type.group === '' && type.plural === 'events') checkEventTimes(object);
    if (object.metadata.deletionTimestamp !== undefined && (object.metadata.finalizers ?? []).length === 0) {
      const isNamespace = type.group === '' && type.plural === 'namespaces';
      if (!isNamespace || !this.#namespaceHasContent(object.metadata.name)) {
        if ((object.metadata.finalizers ?? []).length === 0) Reflect.deleteProperty(object.metadata, 'finalizers');
        const stored = this.store.put(type, object);
        this.store.remove(type, object.metadata.namespace, object.metadata.name);
        this.#afterRemove(type, object);
        propagate(this.store, this, object, 'Background');
        collect(this.store, this);
        return stored;
      }
    }
    const before = this.store.peek(type, object.metadata.namespace, object.metadata.name);
    const stored = this.store.put(type, object);
    this.#afterWrite(type, stored);
    // The garbage collector also removes a dependent written after its owner was deleted (a
    // controller's reconcile that was still running when the owner went).
    if ((stored.metadata.ownerReferences ?? []).length > 0 && !leavesNothingToCollect(this.store, before, stored)) collect(this.store, this);
    return stored;
  }

  #afterWrite(type: ResourceType, object: KObject): void {
    if (type.group === 'apiextensions.k8s.io' && object.metadata.deletionTimestamp === undefined) this.#registerCrd(object);
    if (object.metadata.deletionTimestamp !== undefined) return;
    if (isWorkload(type)) this.#markReady(type, object);
    if (type.group === '' && type.plural === 'persistentvolumeclaims') this.#later(() => { this.#bind(type, object); });
  }

  #afterRemove(type: ResourceType, object: KObject): void {
    if (type.group === 'apiextensions.k8s.io') {
      const served = typeFromCrd(object);
      for (const entry of this.store.entries()) if (entry.type.group === served.group && entry.type.plural === served.plural) this.store.remove(entry.type, entry.object.metadata.namespace, entry.object.metadata.name);
      this.registry.remove(served);
    }
    if (object.metadata.namespace !== undefined) {
      const namespace = this.store.get(this.type('', 'v1', 'namespaces'), undefined, object.metadata.namespace);
      if (namespace?.metadata.deletionTimestamp !== undefined && !this.#namespaceHasContent(object.metadata.namespace)) this.#write(this.type('', 'v1', 'namespaces'), namespace);
    }
  }

  #registerCrd(crd: KObject): void {
    this.registry.add(typeFromCrd(crd));
    const established = isObject(crd.status) && Array.isArray(crd.status.conditions) && crd.status.conditions.length > 0;
    if (established) return;
    const time = now();
    const status = {
      conditions: [
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: time },
        { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: time },
      ],
      acceptedNames: isObject(crd.spec) ? crd.spec.names : {},
      storedVersions: ['v1'],
    };
    this.store.put(this.type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions'), { ...crd, status });
  }

  /** Runs `step` on the next turn, as the controllers' own writes after the one that triggered them. */
  #later(step: () => void): void {
    const timer = setImmediate(() => {
      this.#pending.delete(timer);
      step();
    });
    this.#pending.add(timer);
  }

  /** The simulated kubelet reports the rollout, and the StatefulSet controller makes missing claims. */
  #markReady(type: ResourceType, object: KObject): void {
    this.#later(() => {
      const current = this.store.get(type, object.metadata.namespace, object.metadata.name);
      if (current === undefined) return;
      const status = this.runsPodsOf?.(current) === true ? undefined : readyStatus(current, this.crashingImages);
      if (status !== undefined) this.store.put(type, { ...current, status });
      if (current.kind === 'StatefulSet') this.#makeClaims(current);
    });
  }

  #makeClaims(set: KObject): void {
    const claims = this.type('', 'v1', 'persistentvolumeclaims');
    for (const claim of claimsOf(set)) {
      if (this.store.get(claims, claim.metadata.namespace, claim.metadata.name) === undefined) this.create(claims, claim.metadata.namespace, claim, 'kube-controller-manager');
    }
  }

  /** A claim is bound at the size it asks for, and an expansion completes at once. */
  #bind(type: ResourceType, claim: KObject): void {
    const current = this.store.get(type, claim.metadata.namespace, claim.metadata.name);
    const status = current === undefined ? undefined : claimStatus(current);
    if (current !== undefined && status !== undefined) this.store.put(type, { ...current, status });
  }

  /** Cancels pending kubelet writes. */
  close(): void {
    for (const timer of this.#pending) clearImmediate(timer);
    this.#pending.clear();
  }
}
