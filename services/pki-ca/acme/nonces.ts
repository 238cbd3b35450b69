/**
 * Replay nonces (RFC 8555 §6.5). A nonce is a row; using it is deleting it, so of any number of
 * requests carrying the same nonce, on any replica, exactly one sees its delete touch a row.
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { uuidv7 } from '../../template/database/index.ts';
import { AcmeNonce } from './entities.ts';

/** How long an unused nonce stays valid. */
export const NONCE_LIFETIME_MS = 60 * 60 * 1000;

/** A new nonce, stored; expired ones are swept on the way. */
export async function issueNonce(em: EntityManager, now: Date): Promise<string> {
  const value = randomBytes(16).toString('base64url');
  await em.nativeDelete(AcmeNonce, { expiresAt: { $lt: now } });
  await em.insert(AcmeNonce, { id: uuidv7(), value, expiresAt: new Date(now.getTime() + NONCE_LIFETIME_MS) });
  return value;
}

/** Uses a nonce: true for the one caller whose delete removed an unexpired row. */
export async function consumeNonce(em: EntityManager, value: string, now: Date): Promise<boolean> {
  const removed = await em.nativeDelete(AcmeNonce, { value, expiresAt: { $gte: now } });
  return removed === 1;
}
