/**
 * Material keys: the versions of an elastic key. Rotation generates a new latest version, import
 * adds a caller's JWK as one, revocation retires one for good. Material is generated (or checked)
 * and sealed before the transaction; inside it, the version number comes from the highest stored
 * one, and the unique (key, version) pair turns a concurrent rotation into a 409 instead of a clash.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { JWK } from 'jose';
import { ConflictError, NotFoundError } from '../template/errors/index.ts';
import { flushOrConflict, uuidv7 } from '../template/database/index.ts';
import { generateKeyMaterial, importKeyMaterial, resolveAlgorithm } from '../template/jose/index.ts';
import type { KeyMaterial } from '../template/jose/contract.ts';
import { recordAudit } from './audit.ts';
import { SYSTEM_ACTOR, type Actor, type KmsContext } from './context.ts';
import { findElasticKey } from './elastic-keys.ts';
import { ElasticKey, MaterialKey } from './entities.ts';
import { assertOperation, type MaterialStatus } from './lifecycle.ts';
import { sealMaterial } from './material.ts';

export interface MaterialKeyView {
  readonly id: string;
  readonly elasticKeyId: string;
  readonly version: number;
  readonly status: MaterialStatus;
  readonly imported: boolean;
  /** Null for `oct` keys, which have no public part. Private members are never shown. */
  readonly publicJwk: JWK | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** The API shape of a material key. */
export function presentMaterialKey(material: MaterialKey): MaterialKeyView {
  return {
    id: material.id,
    elasticKeyId: material.elasticKey.id,
    version: material.version,
    status: material.status,
    imported: material.imported,
    publicJwk: material.publicJwk ?? null,
    createdAt: material.createdAt.toISOString(),
    revokedAt: material.revokedAt?.toISOString() ?? null,
  };
}

/** How a new version comes to be: the audit action and whether the caller brought the key. */
type Origin = 'rotate' | 'import';

/**
 * Adds a version to an active key, honouring `versioningAllowed` and `importAllowed`. With
 * `replaces`, only while that material key is still the latest version (undefined otherwise).
 */
async function addVersion(em: EntityManager, kms: KmsContext, id: string, origin: Origin, make: (kid: string) => Promise<KeyMaterial>, actor: Actor): Promise<MaterialKeyView>;
async function addVersion(em: EntityManager, kms: KmsContext, id: string, origin: Origin, make: (kid: string) => Promise<KeyMaterial>, actor: Actor, replaces: string): Promise<MaterialKeyView | undefined>;
async function addVersion(em: EntityManager, kms: KmsContext, id: string, origin: Origin, make: (kid: string) => Promise<KeyMaterial>, actor: Actor, replaces?: string): Promise<MaterialKeyView | undefined> {
  const current = await findElasticKey(em, kms, id);
  assertOperation(current.status, origin);
  if (origin === 'import' && !current.importAllowed) throw new ConflictError('the elastic key does not allow import (importAllowed is false)');
  const kid = uuidv7();
  const material = await make(kid);
  const sealed = await sealMaterial(kms.barrier, material);
  const now = kms.now();
  try {
    return await em.fork().transactional(async (tx) => {
      const key = await tx.findOneOrFail(ElasticKey, { id });
      // Read again inside the transaction: the status may have moved while the material was made.
      assertOperation(key.status, origin);
      const latest = await tx.findOne(MaterialKey, { elasticKey: id }, { orderBy: { version: 'desc' } });
      if (replaces !== undefined && latest?.id !== replaces) return undefined;
      if (latest !== null && !key.versioningAllowed) throw new ConflictError('the elastic key does not allow versioning (versioningAllowed is false) and has a material key');
      const created = tx.create(MaterialKey, {
        id: kid, elasticKey: key, version: (latest?.version ?? 0) + 1, status: 'active', imported: origin === 'import',
        publicJwk: material.publicJwk ?? null, sealedJwk: sealed, createdAt: now, revokedAt: null,
      });
      await flushOrConflict(tx, 'another version was added at the same time; retry');
      await recordAudit(tx, { elasticKeyId: id, materialKeyId: kid, action: origin, actor }, now);
      return presentMaterialKey(created);
    });
  } finally {
    kms.cache.forgetKey(id);
  }
}

/** `POST /elastickeys/{id}/materialkeys`: a new generated version, which encrypt and sign use from now on. */
export async function rotateMaterial(em: EntityManager, kms: KmsContext, id: string, actor: Actor): Promise<MaterialKeyView> {
  const key = await findElasticKey(em, kms, id);
  const row = resolveAlgorithm(key.algorithm);
  return addVersion(em, kms, id, 'rotate', (kid) => generateKeyMaterial(row, kid), actor);
}

/**
 * Automatic rotation (docs/sm-kms/usage-limits.md): a new generated version, recorded as a rotate
 * by `sm-kms`, unless `kid` is no longer the latest version (another request rotated first).
 */
export async function rotateAfter(em: EntityManager, kms: KmsContext, id: string, kid: string): Promise<MaterialKeyView | undefined> {
  const key = await findElasticKey(em, kms, id);
  // A cheap look first: requests that chose `kid` before a rotation need not generate a key.
  const latest = await em.findOne(MaterialKey, { elasticKey: id }, { orderBy: { version: 'desc' }, fields: ['id'] });
  if (latest?.id !== kid) return undefined;
  const row = resolveAlgorithm(key.algorithm);
  return addVersion(em, kms, id, 'rotate', (next) => generateKeyMaterial(row, next), SYSTEM_ACTOR, kid);
}

/** `POST /elastickeys/{id}/import`: the caller's JWK, checked against the key's algorithm, as the new version. */
export async function importMaterial(em: EntityManager, kms: KmsContext, id: string, jwk: unknown, actor: Actor): Promise<MaterialKeyView> {
  const key = await findElasticKey(em, kms, id);
  const row = resolveAlgorithm(key.algorithm);
  return addVersion(em, kms, id, 'import', (kid) => importKeyMaterial(row, jwk, kid), actor);
}

/** One material key of the elastic key; 404 when either is unknown or the two do not belong together. */
export async function findMaterialKey(em: EntityManager, kms: KmsContext, id: string, kid: string): Promise<MaterialKey> {
  await findElasticKey(em, kms, id);
  const material = await em.findOne(MaterialKey, { id: kid, elasticKey: id });
  if (material === null) throw new NotFoundError('no such material key');
  return material;
}

/** One page of the key's versions, newest first. */
export async function listMaterialKeys(em: EntityManager, kms: KmsContext, id: string, page: number, size: number): Promise<{ items: MaterialKeyView[]; total: number }> {
  await findElasticKey(em, kms, id);
  const [materials, total] = await em.findAndCount(MaterialKey, { elasticKey: id }, { orderBy: { version: 'desc' }, limit: size, offset: page * size });
  return { items: materials.map(presentMaterialKey), total };
}

/** `POST .../materialkeys/{mid}/revoke`: active → revoked, once; 409 when already revoked. */
export async function revokeMaterial(em: EntityManager, kms: KmsContext, id: string, kid: string, actor: Actor): Promise<MaterialKeyView> {
  const key = await findElasticKey(em, kms, id);
  assertOperation(key.status, 'revoke');
  await findMaterialKey(em, kms, id, kid);
  const now = kms.now();
  try {
    return await em.fork().transactional(async (tx) => {
      const changed = await tx.nativeUpdate(MaterialKey, { id: kid, status: 'active' }, { status: 'revoked', revokedAt: now });
      if (changed === 0) throw new ConflictError('the material key is already revoked');
      await recordAudit(tx, { elasticKeyId: id, materialKeyId: kid, action: 'revoke', actor, fromStatus: 'active', toStatus: 'revoked' }, now);
      return presentMaterialKey(await tx.findOneOrFail(MaterialKey, { id: kid }));
    });
  } finally {
    kms.cache.forgetKey(id);
    kms.cache.forgetMaterial(kid);
  }
}
