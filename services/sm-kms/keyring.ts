/**
 * The hot path: from an elastic key id (and for decrypt/verify a `kid`) to a PreparedKey the
 * algorithms can run, with every rule of docs/sm-kms/key-states.md checked on snapshots at most
 * 500 ms old, and the database touched only when a cache entry is missing or stale, through
 * prepared reads (docs/decisions/0004-prepared-reads.md).
 */
import type { EntityManager } from '@mikro-orm/core';
import { defineRead, type Reads } from '../template/database/index.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { prepareKey, resolveAlgorithm, type PreparedKey } from '../template/jose/index.ts';
import type { JWK } from 'jose';
import type { KeySnapshot, MaterialSnapshot } from './cache.ts';
import type { KmsContext } from './context.ts';
import { settleKey } from './deletion.ts';
import { assertMaterialUsable, assertOperation, assertUse, type KeyOperation, type KeyStatus, type MaterialStatus } from './lifecycle.ts';
import { openMaterial } from './material.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A key ready for one operation: the elastic key as checked and the material key to use. */
export interface UsableKey {
  readonly key: KeySnapshot;
  readonly prepared: PreparedKey;
}

/** The elastic key and its highest active version, in one statement. */
const KEY_SNAPSHOT = defineRead(
  `select algorithm, status, deletion_scheduled_at as "deletionScheduledAt", revoked_may_decrypt as "revokedMayDecrypt",
     revoked_may_verify as "revokedMayVerify", auto_rotate as "autoRotate",
     (select m.id from kms_material_keys m where m.elastic_key_id = k.id and m.status = ? order by m.version desc limit 1) as "latestActiveKid"
   from kms_elastic_keys k where k.id = ?`,
  { algorithm: 'string', status: 'string', deletionScheduledAt: 'date?', revokedMayDecrypt: 'boolean', revokedMayVerify: 'boolean', autoRotate: 'boolean', latestActiveKid: 'string?' },
);
const MATERIAL_SNAPSHOT = defineRead('select elastic_key_id as "elasticKeyId", status from kms_material_keys where id = ?', { elasticKeyId: 'string', status: 'string' });
const MATERIAL = defineRead('select sealed_jwk as "sealedJwk", public_jwk as "publicJwk" from kms_material_keys where id = ?', { sealedJwk: 'bytes?', publicJwk: 'json?' });

async function loadKey(reads: Reads, id: string): Promise<KeySnapshot | null> {
  const key = await reads.one(KEY_SNAPSHOT, ['active', id]);
  if (key === undefined) return null;
  return {
    id,
    algorithm: resolveAlgorithm(key.algorithm),
    status: key.status as KeyStatus,
    deletionScheduledAt: key.deletionScheduledAt,
    revokedMayDecrypt: key.revokedMayDecrypt,
    revokedMayVerify: key.revokedMayVerify,
    autoRotate: key.autoRotate,
    latestActiveKid: key.latestActiveKid,
  };
}

async function loadMaterial(reads: Reads, kid: string): Promise<MaterialSnapshot | null> {
  const material = await reads.one(MATERIAL_SNAPSHOT, [kid]);
  return material === undefined ? null : { kid, elasticKeyId: material.elasticKeyId, status: material.status as MaterialStatus };
}

/** The elastic key's snapshot, a due deletion applied first; 404 when there is no such key. */
async function snapshot(em: () => EntityManager, kms: KmsContext, id: string): Promise<KeySnapshot> {
  const key = await kms.cache.key(id, () => loadKey(kms.reads, id));
  if (key === null) throw new NotFoundError('no such elastic key');
  if (await settleKey(em, kms, key)) return snapshot(em, kms, id);
  return key;
}

async function prepared(kms: KmsContext, key: KeySnapshot, kid: string): Promise<PreparedKey> {
  return kms.cache.prepared(kid, async () => {
    const stored = await kms.reads.one(MATERIAL, [kid]);
    if (stored?.sealedJwk == null) throw new ConflictError('the material key has been destroyed');
    return prepareKey(key.algorithm, await openMaterial(kms.barrier, { id: kid, sealedJwk: stored.sealedJwk, publicJwk: stored.publicJwk as JWK | null }));
  });
}

/** Checks that the key allows the operation in its status and by its algorithm's use. */
async function checkedKey(em: () => EntityManager, kms: KmsContext, id: string, operation: KeyOperation): Promise<KeySnapshot> {
  const key = await snapshot(em, kms, id);
  assertUse(key.algorithm.use, operation);
  assertOperation(key.status, operation);
  return key;
}

/** For encrypt, sign and generate: the latest active material key (409 when there is none yet). */
export async function latestKey(em: () => EntityManager, kms: KmsContext, id: string, operation: KeyOperation): Promise<UsableKey> {
  const key = await checkedKey(em, kms, id, operation);
  if (key.latestActiveKid === null) throw new ConflictError('the elastic key has no active material key; rotate or import one');
  return { key, prepared: await prepared(kms, key, key.latestActiveKid) };
}

/**
 * For decrypt and verify: the material key the JOSE header's `kid` names. A `kid` that is unknown
 * or belongs to another elastic key is a 400: the object was not made by this key.
 */
export async function keyForKid(em: () => EntityManager, kms: KmsContext, id: string, kid: string, operation: KeyOperation): Promise<UsableKey> {
  const key = await checkedKey(em, kms, id, operation);
  // Material key ids are UUIDs: anything else names no key here (and must not reach a uuid column).
  const material = UUID.test(kid) ? await kms.cache.material(kid, () => loadMaterial(kms.reads, kid)) : null;
  if (material?.elasticKeyId !== id) throw new BadRequestError('the JOSE object was not made by this elastic key');
  assertMaterialUsable(material.status, operation, key);
  return { key, prepared: await prepared(kms, key, kid) };
}
