/**
 * The one controller shape (STYLE "Uniform modules registered by a loop"): every kind's controller
 * is a `Reconciler` built from its row of the kind table. A reconcile reads the resource, creates
 * missing generated Secrets, server-side applies the desired children, then writes status only if it
 * changed. Throwing hands the key back to the work queue for a rate-limited retry.
 */
import type { KindRow } from '../kinds.ts';
import { API_VERSION } from '../kinds.ts';
import { isTransient, KubeApiError, type KubeApi } from '../kube/api.ts';
import { refOf, type BarrierStatus, type KubeObject, type ObjectRef, type ServiceResource } from '../resources/types.ts';
import { childNames, forService, managesDatabase } from '../children/names.ts';
import { serviceUrl } from '../children/endpoint.ts';
import { componentWanted } from '../children/realm.ts';
import { shareSecretName, unsealSplit } from '../children/unseal.ts';
import { desiredChildren } from '../children/desired.ts';
import type { Images } from '../children/desired.ts';
import { ensureMaterial } from './material.ts';
import { nextConditions, sameStatus } from './conditions.ts';
import type { Observation } from './conditions.ts';
import { ReconcileProblem } from './problem.ts';
import { resolveIssuer } from './issuer.ts';
import { DEV_IMAGE, describeObject, imageAllowed, ownedBy } from '../guards/index.ts';
import type { Publication, Publisher } from './publishers.ts';
import type { ContentSync } from '../realm-content/index.ts';
import { deploymentRollout } from './rollout.ts';
import { planStorage } from './storage.ts';

/**
 * Guards the generated Secrets that have no owner reference (the unseal Secret, the database
 * credentials) on a `deletionPolicy: Delete` resource: the reconciler deletes them, then releases it.
 */
export const RETAINED_SECRETS_FINALIZER = 'cryptoutil.io/retained-secrets';

/** Every controller: reconcile one object by key; resolve when converged or waiting, throw to retry. */
export interface Reconciler {
  readonly kind: string;
  reconcile(ref: ObjectRef): Promise<void>;
}

export interface ReconcilerOptions {
  readonly api: KubeApi;
  readonly images: Images;
  /**
   * Entries `spec.image` must match (guards/images.ts); the chart's `allowedImages`. The operator's
   * own service image is always allowed; absent, only that and `cryptoutil:dev` are.
   */
  readonly allowedImages?: readonly string[];
  /** What a kind's running service publishes (pki-ca: its root; jose-ja: its JWKS URLs), by kind. */
  readonly publishers?: Readonly<Partial<Record<string, Publisher>>>;
  /**
   * Told when the replicas run but the service has published nothing yet (starting, sealed, its
   * Service not routed yet): nothing else would change to trigger another reconcile, so the caller
   * asks again soon rather than at the next resync.
   */
  readonly onPublicationPending?: (ref: ObjectRef) => void;
  /**
   * What a kind keeps inside its running service through the service's API (IdentityRealm:
   * `spec.clients` in identity-authz, realm-content/), by kind.
   */
  readonly contentSync?: Readonly<Partial<Record<string, ContentSync>>>;
  /**
   * Told after each content sync: changes made through the service's API are not watched, so the
   * caller reconciles again after a while to find and revert them.
   */
  readonly onContentSynced?: (ref: ObjectRef) => void;
  readonly now?: () => Date;
}

/** One service of a resource, with the resource as that service sees it (children/names.ts `forService`). */
interface Unit {
  readonly row: KindRow;
  readonly resource: ServiceResource;
}

/** The services `resource` runs: its kind's own, then each component it asks for. */
function unitsOf(resource: ServiceResource, row: KindRow): Unit[] {
  const components = (row.components ?? []).filter((component) => componentWanted(resource, component.component));
  return [{ row, resource }, ...components.map((component) => ({ row: component.row, resource: forService(resource, component.row) }))];
}

/**
 * The generated Secrets that outlive the resource under Retain: the unseal share Secrets (and the
 * single unseal Secret of the earlier layout), the hash peppers and the database credentials, of
 * every service of the resource, each name once (a realm's services share their unseal Secrets).
 */
function retainedSecrets(resource: ServiceResource, row: KindRow): string[] {
  const names = unitsOf(resource, row).flatMap((unit) => {
    const own = childNames(unit.resource);
    const shares = Array.from({ length: unsealSplit(unit.resource).shares }, (_unused, index) => shareSecretName(unit.resource, index + 1));
    return [
      ...(unit.row.children.unseal ? [own.unseal, ...shares] : []),
      ...(unit.row.children.pepper === true ? [own.pepper] : []),
      ...(managesDatabase(unit.resource) ? [own.databaseSecret] : []),
    ];
  });
  return [...new Set(names)];
}

function needsFinalizer(resource: ServiceResource, row: KindRow): boolean {
  return resource.spec.deletionPolicy === 'Delete' && retainedSecrets(resource, row).length > 0;
}

/** The common status fields the reconciler always writes; the rest came from a publisher. */
const COMMON_STATUS: ReadonlySet<string> = new Set(['observedGeneration', 'readyReplicas', 'endpoint', 'consoleUrl', 'conditions', 'barrier']);

/** What a publisher wrote before: kept while the service cannot be asked (a failure, a restart). */
function publishedStatus(resource: ServiceResource): Readonly<Record<string, unknown>> {
  return Object.fromEntries(Object.entries(resource.status ?? {}).filter(([key]) => !COMMON_STATUS.has(key)));
}

function readyReplicas(object: KubeObject | undefined): number {
  const status = object?.status as { readyReplicas?: number } | undefined;
  return status?.readyReplicas ?? 0;
}

class ServiceReconciler implements Reconciler {
  readonly kind: string;
  readonly #row: KindRow;
  readonly #api: KubeApi;
  readonly #images: Images;
  readonly #allowedImages: readonly string[];
  readonly #publisher: Publisher | undefined;
  readonly #onPublicationPending: (ref: ObjectRef) => void;
  readonly #content: ContentSync | undefined;
  readonly #onContentSynced: (ref: ObjectRef) => void;
  readonly #now: () => Date;

  constructor(row: KindRow, options: ReconcilerOptions) {
    this.kind = row.kind;
    this.#row = row;
    this.#api = options.api;
    this.#images = options.images;
    this.#allowedImages = [options.images.service, ...(options.allowedImages ?? [DEV_IMAGE])];
    this.#publisher = options.publishers?.[row.kind];
    this.#onPublicationPending = options.onPublicationPending ?? (() => undefined);
    this.#content = options.contentSync?.[row.kind];
    this.#onContentSynced = options.onContentSynced ?? (() => undefined);
    this.#now = options.now ?? (() => new Date());
  }

  async reconcile(ref: ObjectRef): Promise<void> {
    const resource = (await this.#api.get(ref)) as ServiceResource | undefined;
    if (resource === undefined) {
      // Gone: owner references let the garbage collector remove the children.
      return;
    }
    if (resource.metadata.deletionTimestamp !== undefined) {
      await this.#finalize(resource);
      return;
    }
    await this.#syncFinalizer(resource);
    let barrier: BarrierStatus | undefined;
    try {
      this.#admitImage(resource);
      const issuer = this.#row.ownIssuer?.(resource) ?? await resolveIssuer(this.#api, resource);
      const units = unitsOf(resource, this.#row);
      const children: KubeObject[] = [];
      const missing: ReconcileProblem[] = [];
      for (const unit of units) {
        const material = await ensureMaterial({ api: this.#api, now: this.#now, announce: (reason, note, type = 'Normal') => this.#event(resource, type, reason, note) }, unit.resource, unit.row);
        // A realm's services share one unseal key; a service without a barrier finds none.
        barrier = material.barrier ?? barrier;
        missing.push(...material.missing);
        // The config names the key check value the material step found, before status records it.
        children.push(...desiredChildren(material.barrier === undefined ? unit.resource : { ...unit.resource, status: { ...unit.resource.status, barrier: material.barrier } }, unit.row, this.#images, issuer));
      }
      // Every child is checked before the first is written, so a conflict leaves nothing half-applied.
      const existing: (KubeObject | undefined)[] = [];
      for (const child of children) {
        existing.push(await this.#admitWrite(resource, child));
      }
      const { writes, problem } = await this.#planVolumes(children, existing);
      for (const child of writes) {
        await this.#api.apply(child);
      }
      // A missing Secret of an initialized instance is never regenerated; the rest is still applied.
      const [lost] = missing;
      if (lost !== undefined) throw lost;
      if (problem !== undefined) throw problem;
      const observed = await this.#observe(resource, units);
      const publication = await this.#publish(resource, observed);
      const content = await this.#syncContent(resource, observed);
      const published = { ...(publication?.status ?? publishedStatus(resource)), ...content, ...(this.#row.ownIssuer === undefined ? {} : { issuer }) };
      await this.#writeStatus(resource, publication === undefined && this.#publisher !== undefined ? { ...observed, pending: this.#publisher.awaiting } : observed, published, barrier);
    } catch (error) {
      // A failing API server says nothing about the resource: its conditions stay as they were.
      if (!isTransient(error)) await this.#degraded(resource, error, barrier);
      throw error;
    }
  }

  /** StatefulSets keep their claim templates; storage changes become claim expansions (storage.ts). */
  async #planVolumes(children: readonly KubeObject[], existing: readonly (KubeObject | undefined)[]): Promise<{ writes: KubeObject[]; problem: ReconcileProblem | undefined }> {
    const writes: KubeObject[] = [];
    let problem: ReconcileProblem | undefined;
    for (const [index, child] of children.entries()) {
      if (child.kind !== 'StatefulSet') {
        writes.push(child);
        continue;
      }
      const plan = await planStorage(this.#api, child, existing[index]);
      writes.push(plan.set, ...plan.claims);
      problem ??= plan.problem;
    }
    return { writes, problem };
  }

  /** Once the replicas run, what the service publishes, applied as owned children like the rest. */
  async #publish(resource: ServiceResource, observed: Observation): Promise<Publication | undefined> {
    if (this.#publisher === undefined || observed.readyReplicas < observed.desiredReplicas || !observed.databaseReady) return undefined;
    const publication = await this.#publisher.publish({ resource, row: this.#row, endpoint: this.#endpoint(resource), api: this.#api });
    if (publication === undefined) {
      this.#onPublicationPending(refOf(resource));
      return undefined;
    }
    for (const child of publication.children) {
      await this.#admitWrite(resource, child);
    }
    for (const child of publication.children) {
      await this.#api.apply(child);
    }
    return publication;
  }

  /** Once every replica runs, the content the resource declares, synced through the service's API. */
  async #syncContent(resource: ServiceResource, observed: Observation): Promise<Readonly<Record<string, unknown>>> {
    if (this.#content === undefined || observed.readyReplicas < observed.desiredReplicas || !observed.databaseReady) return {};
    const status = await this.#content.sync({
      resource,
      row: this.#row,
      endpoint: this.#endpoint(resource),
      api: this.#api,
      announce: (type, reason, note) => this.#event(resource, type, reason, note),
    }, publishedStatus(resource));
    this.#onContentSynced(refOf(resource));
    return status ?? {};
  }

  /**
   * `status.consoleUrl` of a kind with a console: present while the resource runs one, and left out
   * otherwise, which removes it (server-side apply drops a field its manager no longer sets).
   */
  #consoleUrl(resource: ServiceResource): { readonly consoleUrl?: string } {
    const url = this.#row.consoleUrl?.(resource);
    return url === undefined ? {} : { consoleUrl: url };
  }

  #endpoint(resource: ServiceResource): string {
    return serviceUrl(resource, this.#row);
  }

  /** `spec.image` outside the allowed list: nothing is deployed (no confused deputy for the image). */
  #admitImage(resource: ServiceResource): void {
    const { image } = resource.spec;
    if (image !== undefined && !imageAllowed(image, this.#allowedImages)) {
      throw new ReconcileProblem('ImageNotAllowed', `spec.image ${image} matches none of the operator's allowed images (chart value allowedImages)`);
    }
  }

  /** A forced apply takes fields from every other manager: only objects this resource owns are written. */
  async #admitWrite(resource: ServiceResource, child: KubeObject): Promise<KubeObject | undefined> {
    const existing = await this.#api.get({ apiVersion: child.apiVersion, kind: child.kind, namespace: resource.metadata.namespace, name: child.metadata.name });
    if (existing !== undefined && !ownedBy(existing, resource)) {
      throw new ReconcileProblem('ObjectConflict', `${describeObject(existing)} exists and is not owned by this ${resource.kind}; the operator leaves it untouched`);
    }
    return existing;
  }

  /** The replicas and databases of every service of the resource, summed: Ready means all of them. */
  async #observe(resource: ServiceResource, units: readonly Unit[]): Promise<Observation> {
    const { namespace } = resource.metadata;
    let ready = 0;
    let databaseReady = true;
    let rolledOut = true;
    let stalled: string | undefined;
    for (const unit of units) {
      const names = childNames(unit.resource);
      const workload = await this.#api.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: names.workload });
      if (managesDatabase(resource)) {
        databaseReady &&= readyReplicas(await this.#api.get({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace, name: names.postgres })) >= 1;
      }
      const rollout = deploymentRollout(workload, resource.spec.replicas);
      ready += rollout.readyReplicas;
      rolledOut &&= rollout.rolledOut;
      stalled ??= rollout.stalled;
    }
    return {
      generation: resource.metadata.generation,
      desiredReplicas: resource.spec.replicas * units.length,
      readyReplicas: ready,
      databaseReady,
      rolledOut,
      ...(stalled === undefined ? {} : { stalled }),
    };
  }

  /** Reports the failure on the resource; a failure to report must not hide the original error. */
  async #degraded(resource: ServiceResource, error: unknown, barrier: BarrierStatus | undefined): Promise<void> {
    const problem = error instanceof ReconcileProblem ? error : new ReconcileProblem('ReconcileError', `${error instanceof KubeApiError ? error.message : 'applying children failed'}; the operator retries with backoff`);
    await this.#event(resource, 'Warning', problem.reason, problem.message);
    const observed: Observation = { generation: resource.metadata.generation, desiredReplicas: resource.spec.replicas, readyReplicas: 0, databaseReady: false, error: { reason: problem.reason, message: problem.message } };
    try {
      await this.#writeStatus(resource, observed, publishedStatus(resource), barrier);
    } catch {
      // The queue retries the whole reconcile, status included.
    }
  }

  async #writeStatus(resource: ServiceResource, observed: Observation, published: Readonly<Record<string, unknown>> = publishedStatus(resource), barrier: BarrierStatus | undefined = resource.status?.barrier): Promise<void> {
    const previous = resource.status?.conditions ?? [];
    const status = {
      ...published,
      ...(barrier === undefined ? {} : { barrier }),
      observedGeneration: resource.metadata.generation,
      readyReplicas: observed.readyReplicas,
      endpoint: this.#endpoint(resource),
      ...this.#consoleUrl(resource),
      conditions: nextConditions(previous, observed, this.#now()),
    };
    if (sameStatus(resource.status, status)) {
      return;
    }
    await this.#api.applyStatus({ apiVersion: API_VERSION, kind: this.kind, metadata: { name: resource.metadata.name, namespace: resource.metadata.namespace }, status });
  }

  async #syncFinalizer(resource: ServiceResource): Promise<void> {
    const present = resource.metadata.finalizers?.includes(RETAINED_SECRETS_FINALIZER) === true;
    const wanted = needsFinalizer(resource, this.#row);
    if (present !== wanted) {
      await this.#setFinalizer(resource, wanted);
    }
  }

  async #setFinalizer(resource: ServiceResource, on: boolean): Promise<void> {
    // Server-side apply: listing the finalizer claims it for our field manager; an empty list releases it.
    await this.#api.apply({ apiVersion: API_VERSION, kind: this.kind, metadata: { name: resource.metadata.name, namespace: resource.metadata.namespace, finalizers: on ? [RETAINED_SECRETS_FINALIZER] : [] } });
  }

  async #finalize(resource: ServiceResource): Promise<void> {
    if (resource.metadata.finalizers?.includes(RETAINED_SECRETS_FINALIZER) !== true) {
      return;
    }
    if (needsFinalizer(resource, this.#row)) {
      await this.#deleteRetained(resource);
    }
    await this.#setFinalizer(resource, false);
  }

  /** Deletes the retained Secrets that are the operator's; one the user supplied under that name stays. */
  async #deleteRetained(resource: ServiceResource): Promise<void> {
    const removed: string[] = [];
    const kept: string[] = [];
    for (const name of retainedSecrets(resource, this.#row)) {
      const ref = { apiVersion: 'v1', kind: 'Secret', namespace: resource.metadata.namespace, name };
      const secret = await this.#api.get(ref);
      if (secret !== undefined && ownedBy(secret, resource)) {
        await this.#api.delete(ref);
        removed.push(name);
      } else if (secret !== undefined) {
        kept.push(name);
      }
    }
    if (removed.length > 0) {
      await this.#event(resource, 'Normal', 'SecretsDeleted', `deletionPolicy is Delete: removed Secret ${removed.join(', ')}`);
    }
    if (kept.length > 0) {
      await this.#event(resource, 'Warning', 'SecretKept', `deletionPolicy is Delete, but Secret ${kept.join(', ')} was not created by the operator for this resource; left in place`);
    }
  }

  async #event(resource: ServiceResource, type: 'Normal' | 'Warning', reason: string, note: string): Promise<void> {
    const { name, namespace, uid } = resource.metadata;
    await this.#api.event({ regarding: { apiVersion: resource.apiVersion, kind: resource.kind, namespace, name, uid }, type, reason, note });
  }
}

/** The controller of one kind-table row. */
export function serviceReconciler(row: KindRow, options: ReconcilerOptions): Reconciler {
  return new ServiceReconciler(row, options);
}
