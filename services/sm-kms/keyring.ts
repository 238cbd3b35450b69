/**
 * The hot path: from an elastic key id (and for decrypt/verify a `kid`) to a PreparedKey the
 * algorithms can run, with every rule of docs/sm-kms/key-states.md checked on snapshots at most
 * 500 ms old, and the database touched only when a cache entry is missing or stale.
 */
import type { EntityManager } from '@mikro-orm/core';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { prepareKey, resolveAlgorithm, type PreparedKey } from '../template/jose/index.ts';
import type { KeySnapshot, MaterialSnapshot } from './cache.ts';
import type { KmsContext } from './context.ts';
import { settleKey } from './deletion.ts';
import { ElasticKey, MaterialKey } from './entities.ts';
import { assertMaterialUsable, assertOperation, assertUse, type KeyOperation } from './lifecycle.ts';
import { openMaterial } from './material.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A key ready for one operation: the elastic key as checked and the material key to use. */
export interface UsableKey {
  readonly key: KeySnapshot;
  readonly prepared: PreparedKey;
}

async function loadKey(em: EntityManager, id: string): Promise<KeySnapshot | null> {
  const key = await em.findOne(ElasticKey, { id });
  if (key === null) return null;
  const latest = await em.findOne(MaterialKey, { elasticKey: id, status: 'active' }, { orderBy: { version: 'desc' }, fields: ['id'] });
  return {
    id,
    algorithm: resolveAlgorithm(key.algorithm),
    status: key.status,
    deletionScheduledAt: key.deletionScheduledAt ?? null,
    revokedMayDecrypt: key.revokedMayDecrypt,
    revokedMayVerify: key.revokedMayVerify,
    autoRotate: key.autoRotate,
    latestActiveKid: latest?.id ?? null,
  };
}

async function loadMaterial(em: EntityManager, kid: string): Promise<MaterialSnapshot | null> {
  const material = await em.findOne(MaterialKey, { id: kid }, { fields: ['id', 'status', 'elasticKey'] });
  return material === null ? null : { kid, elasticKeyId: material.elasticKey.id, status: material.status };
}

/** The elastic key's snapshot, a due deletion applied first; 404 when there is no such key. */
async function snapshot(em: EntityManager, kms: KmsContext, id: string): Promise<KeySnapshot> {
  const key = await kms.cache.key(id, () => loadKey(em.fork(), id));
  if (key === null) throw new NotFoundError('no such elastic key');
  if (await settleKey(em, kms, key)) return snapshot(em, kms, id);
  return key;
}

async function prepared(em: EntityManager, kms: KmsContext, key: KeySnapshot, kid: string): Promise<PreparedKey> {
  return kms.cache.prepared(kid, async () => {
    const stored = await em.fork().findOne(MaterialKey, { id: kid });
    if (stored?.sealedJwk == null) throw new ConflictError('the material key has been destroyed');
    return prepareKey(key.algorithm, await openMaterial(kms.barrier, { id: kid, sealedJwk: stored.sealedJwk, publicJwk: stored.publicJwk ?? null }));
  });
}

/** Checks that the key allows the operation in its status and by its algorithm's use. */
async function checkedKey(em: EntityManager, kms: KmsContext, id: string, operation: KeyOperation): Promise<KeySnapshot> {
  const key = await snapshot(em, kms, id);
  assertUse(key.algorithm.use, operation);
  assertOperation(key.status, operation);
  return key;
}

/** For encrypt, sign and generate: the latest active material key (409 when there is none yet). */
export async function latestKey(em: EntityManager, kms: KmsContext, id: string, operation: KeyOperation): Promise<UsableKey> {
  const key = await checkedKey(em, kms, id, operation);
  if (key.latestActiveKid === null) throw new ConflictError('the elastic key has no active material key; rotate or import one');
  return { key, prepared: await prepared(em, kms, key, key.latestActiveKid) };
}

/**
 * For decrypt and verify: the material key the JOSE header's `kid` names. A `kid` that is unknown
 * or belongs to another elastic key is a 400: the object was not made by this key.
 */
export async function keyForKid(em: EntityManager, kms: KmsContext, id: string, kid: string, operation: KeyOperation): Promise<UsableKey> {
  const key = await checkedKey(em, kms, id, operation);
  // Material key ids are UUIDs: anything else names no key here (and must not reach a uuid column).
  const material = UUID.test(kid) ? await kms.cache.material(kid, () => loadMaterial(em.fork(), kid)) : null;
  if (material?.elasticKeyId !== id) throw new BadRequestError('the JOSE object was not made by this elastic key');
  assertMaterialUsable(material.status, operation, key);
  return { key, prepared: await prepared(em, kms, key, kid) };
}
