/**
 * Key usage limits (docs/sm-kms/usage-limits.md). A material key whose every encryption draws a
 * random 96-bit AES-GCM IV under the key itself counts those encryptions; NIST SP 800-38D §8.3
 * bounds them, so at `kms.encryptionLimit` the key refuses to encrypt (409: rotate). The count is
 * one guarded increment in the database, reserved before encrypting, so concurrent requests and
 * processes never pass the limit together. An elastic key with `autoRotate` rotates once its latest
 * version has made three quarters of the limit, and encryption continues under the new version.
 */
import type { EntityManager } from '@mikro-orm/core';
import { ConflictError } from '../template/errors/index.ts';
import { drawsRandomIvUnderKey } from '../template/jose/index.ts';
import type { KeySnapshot } from './cache.ts';
import type { KmsContext } from './context.ts';
import { rotateAfter } from './material-keys.ts';

/**
 * The share of the limit at which `autoRotate` rotates: the last quarter leaves room for requests
 * that chose the old version before the rotation, and for other processes' caches (at most 500 ms old).
 */
export const AUTO_ROTATE_SHARE = 0.75;

/** The count at which an `autoRotate` key rotates: three quarters of the limit, at least one. */
export function rotationPoint(limit: number): number {
  return Math.max(1, Math.floor(limit * AUTO_ROTATE_SHARE));
}

/** The count after this request's increment; PostgreSQL returns bigint as text. */
interface ReservedRow {
  readonly gcm_encryptions: number | string;
}

// RETURNING (PostgreSQL, SQLite 3.35+) gives this request's own count: no read after the write.
const RESERVE = 'update kms_material_keys set gcm_encryptions = gcm_encryptions + 1 where id = ? and gcm_encryptions < ? returning gcm_encryptions';

/**
 * Reserves one random-IV encryption of material key `kid` of `key` before it is made; 409 when the
 * key has made its limit. Keys whose algorithm draws no IV under the key are not counted (and ask
 * for no entity manager).
 */
export async function reserveEncryption(entityManager: () => EntityManager, kms: KmsContext, key: KeySnapshot, kid: string): Promise<void> {
  if (!drawsRandomIvUnderKey(key.algorithm)) return;
  const em = entityManager();
  const limit = kms.encryptionLimit;
  const rows = await em.getConnection().execute(RESERVE, [kid, limit], 'all') as readonly ReservedRow[];
  const row = rows[0];
  if (row === undefined) {
    throw new ConflictError(`the material key ${kid} has made ${String(limit)} AES-GCM encryptions, its limit (kms.encryptionLimit); rotate the elastic key (POST /elastickeys/${key.id}/materialkeys) to encrypt again`);
  }
  if (key.autoRotate && Number(row.gcm_encryptions) >= rotationPoint(limit)) await rotateQuietly(em, kms, key.id, kid);
}

/**
 * Every request past the rotation point tries until one succeeds, so a failed rotation is retried
 * by the next one; a rival's rotation (a 409 on the version) or a key that stopped being active is
 * not this request's failure, and its encryption is within the limit.
 */
async function rotateQuietly(em: EntityManager, kms: KmsContext, id: string, kid: string): Promise<void> {
  try {
    await rotateAfter(em.fork(), kms, id, kid);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}
