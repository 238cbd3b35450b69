/**
 * Elastic keys: create, read, change policy, enable/disable, schedule and cancel deletion. Every
 * change runs in one transaction with its audit row; status changes are guarded updates (`where
 * status = <seen>`), so two processes racing on one key cannot both apply a transition.
 */
import type { EntityManager } from '@mikro-orm/core';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { flushOrConflict, uuidv7 } from '../template/database/index.ts';
import { generateKeyMaterial, resolveAlgorithm } from '../template/jose/index.ts';
import { recordAudit } from './audit.ts';
import type { Actor, KmsContext } from './context.ts';
import { settleKey, expireDue } from './deletion.ts';
import { ElasticKey, MaterialKey } from './entities.ts';
import { assertOperation, nextStatus, STATUS_REQUESTS, type KeyStatus, type Transition } from './lifecycle.ts';
import { sealMaterial } from './material.ts';

/** The body of `POST /elastickeys`, validated against the OpenAPI document (defaults applied). */
export interface ElasticKeyInput {
  readonly name: string;
  readonly description?: string;
  readonly algorithm: string;
  readonly versioningAllowed?: boolean;
  readonly importAllowed?: boolean;
  readonly revokedMayDecrypt?: boolean;
  readonly revokedMayVerify?: boolean;
  readonly autoRotate?: boolean;
}

/** The body of `PUT /elastickeys/{id}`: any of these; `status` only `active` or `disabled`. */
export interface ElasticKeyChanges {
  readonly name?: string;
  readonly description?: string;
  readonly status?: KeyStatus;
  readonly versioningAllowed?: boolean;
  readonly importAllowed?: boolean;
  readonly revokedMayDecrypt?: boolean;
  readonly revokedMayVerify?: boolean;
  readonly autoRotate?: boolean;
}

export interface ElasticKeyView {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly algorithm: string;
  readonly status: KeyStatus;
  readonly versioningAllowed: boolean;
  readonly importAllowed: boolean;
  readonly revokedMayDecrypt: boolean;
  readonly revokedMayVerify: boolean;
  readonly autoRotate: boolean;
  readonly deletionScheduledAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ElasticKeyFilter {
  readonly name?: string;
  readonly algorithm?: string;
  readonly status?: KeyStatus;
}

/** The API shape of an elastic key. */
export function presentElasticKey(key: ElasticKey): ElasticKeyView {
  return {
    id: key.id,
    name: key.name,
    description: key.description,
    algorithm: key.algorithm,
    status: key.status,
    versioningAllowed: key.versioningAllowed,
    importAllowed: key.importAllowed,
    revokedMayDecrypt: key.revokedMayDecrypt,
    revokedMayVerify: key.revokedMayVerify,
    autoRotate: key.autoRotate,
    deletionScheduledAt: key.deletionScheduledAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
    updatedAt: key.updatedAt.toISOString(),
  };
}

const POLICY_FIELDS = ['versioningAllowed', 'importAllowed', 'revokedMayDecrypt', 'revokedMayVerify', 'autoRotate'] as const;

/** Automatic rotation adds versions, so a key that allows only one cannot rotate itself. */
function assertRotationPolicy(policy: { readonly autoRotate: boolean; readonly versioningAllowed: boolean }): void {
  if (policy.autoRotate && !policy.versioningAllowed) throw new BadRequestError('autoRotate needs versioningAllowed: rotation adds a version');
}

const DUPLICATE_NAME = 'an elastic key with this name exists';

/**
 * Creates the key, and unless it waits for an import, its version 1, in one transaction. The
 * material is generated before the transaction opens: RSA generation takes a while and the
 * transaction should not hold a write lock meanwhile.
 */
export async function createElasticKey(em: EntityManager, kms: KmsContext, input: ElasticKeyInput, actor: Actor): Promise<ElasticKeyView> {
  const row = resolveAlgorithm(input.algorithm);
  const importAllowed = input.importAllowed ?? false;
  const versioningAllowed = input.versioningAllowed ?? true;
  const autoRotate = input.autoRotate ?? false;
  assertRotationPolicy({ autoRotate, versioningAllowed });
  const kid = uuidv7();
  const material = importAllowed ? undefined : await generateKeyMaterial(row, kid);
  const sealed = material === undefined ? undefined : await sealMaterial(kms.barrier, material);
  const now = kms.now();
  return em.transactional(async (tx) => {
    const key = tx.create(ElasticKey, {
      name: input.name,
      description: input.description ?? '',
      algorithm: row.name,
      status: 'active',
      versioningAllowed,
      importAllowed,
      revokedMayDecrypt: input.revokedMayDecrypt ?? true,
      revokedMayVerify: input.revokedMayVerify ?? false,
      autoRotate,
      deletionScheduledAt: null,
      createdAt: now,
      updatedAt: now,
    });
    if (material !== undefined && sealed !== undefined) {
      tx.create(MaterialKey, { id: kid, elasticKey: key, version: 1, status: 'active', imported: false, publicJwk: material.publicJwk ?? null, sealedJwk: sealed, createdAt: now, revokedAt: null });
    }
    await flushOrConflict(tx, DUPLICATE_NAME);
    await recordAudit(tx, { elasticKeyId: key.id, ...(material === undefined ? {} : { materialKeyId: kid }), action: 'create', actor, toStatus: 'active' }, now);
    return presentElasticKey(key);
  });
}

/** The key as it is now (a due deletion applied first); 404 when there is none. */
export async function findElasticKey(em: EntityManager, kms: KmsContext, id: string): Promise<ElasticKey> {
  const key = await em.findOne(ElasticKey, { id });
  if (key === null) throw new NotFoundError('no such elastic key');
  if (await settleKey(() => em, kms, key)) return findElasticKey(em.fork(), kms, id);
  return key;
}

/** One page of keys matching every given filter, oldest first. */
export async function listElasticKeys(em: EntityManager, kms: KmsContext, filter: ElasticKeyFilter, page: number, size: number): Promise<{ items: ElasticKeyView[]; total: number }> {
  await expireDue(em, kms);
  const [keys, total] = await em.fork().findAndCount(ElasticKey, { ...filter }, { orderBy: { id: 'asc' }, limit: size, offset: page * size });
  return { items: keys.map(presentElasticKey), total };
}

/**
 * Applies a transition to a key read inside `tx`: a guarded update, then the audit row. A rival
 * that changed the status first makes the guard match nothing: 409, nothing written.
 */
async function applyTransition(tx: EntityManager, key: ElasticKey, transition: Transition, actor: Actor, now: Date, deletionScheduledAt: Date | null): Promise<void> {
  const from = key.status;
  const to = nextStatus(from, transition);
  const changed = await tx.nativeUpdate(ElasticKey, { id: key.id, status: from }, { status: to, deletionScheduledAt, updatedAt: now });
  if (changed === 0) throw new ConflictError('the elastic key changed meanwhile; read it again');
  // Keep the loaded entity equal to the row, so presenting it and any later flush agree.
  Object.assign(key, { status: to, deletionScheduledAt, updatedAt: now });
  await recordAudit(tx, { elasticKeyId: key.id, action: transition, actor, fromStatus: from, toStatus: to }, now);
}

/** Runs `change` on the settled key inside one transaction, then drops the key's cached snapshot. */
async function changeKey(em: EntityManager, kms: KmsContext, id: string, change: (tx: EntityManager, key: ElasticKey, now: Date) => Promise<void>): Promise<ElasticKeyView> {
  await findElasticKey(em, kms, id);
  const now = kms.now();
  try {
    return await em.fork().transactional(async (tx) => {
      const key = await tx.findOneOrFail(ElasticKey, { id });
      await change(tx, key, now);
      return presentElasticKey(key);
    });
  } finally {
    kms.cache.forgetKey(id);
  }
}

/** `PUT /elastickeys/{id}`: policy and description changes (audited `update`), and enable/disable. */
export function updateElasticKey(em: EntityManager, kms: KmsContext, id: string, changes: ElasticKeyChanges, actor: Actor): Promise<ElasticKeyView> {
  return changeKey(em, kms, id, async (tx, key, now) => {
    assertOperation(key.status, 'update');
    const fields = { name: changes.name, description: changes.description, ...Object.fromEntries(POLICY_FIELDS.map((field) => [field, changes[field]])) };
    const changed = Object.fromEntries(Object.entries(fields).filter(([field, value]) => value !== undefined && value !== key[field as keyof typeof fields]));
    if (Object.keys(changed).length > 0) {
      assertRotationPolicy({ autoRotate: changes.autoRotate ?? key.autoRotate, versioningAllowed: changes.versioningAllowed ?? key.versioningAllowed });
      tx.assign(key, { ...changed, updatedAt: now });
      await flushOrConflict(tx, DUPLICATE_NAME);
      await recordAudit(tx, { elasticKeyId: id, action: 'update', actor }, now);
    }
    const transition = changes.status === undefined || changes.status === key.status ? undefined : STATUS_REQUESTS[changes.status];
    if (transition !== undefined) await applyTransition(tx, key, transition, actor, now, null);
  });
}

/** Milliseconds in a day: the waiting period is given in days. */
const DAY_MS = 86_400_000;

/** `DELETE /elastickeys/{id}?pendingDays=`: pending deletion for that many days, cancellable meanwhile. */
export function scheduleDeletion(em: EntityManager, kms: KmsContext, id: string, pendingDays: number, actor: Actor): Promise<ElasticKeyView> {
  return changeKey(em, kms, id, (tx, key, now) =>
    applyTransition(tx, key, 'schedule_deletion', actor, now, new Date(now.getTime() + pendingDays * DAY_MS)));
}

/** `POST /elastickeys/{id}/cancel-deletion`: back to `disabled`, the date cleared. */
export function cancelDeletion(em: EntityManager, kms: KmsContext, id: string, actor: Actor): Promise<ElasticKeyView> {
  return changeKey(em, kms, id, (tx, key, now) => applyTransition(tx, key, 'cancel_deletion', actor, now, null));
}
