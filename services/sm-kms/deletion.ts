/**
 * The end of a scheduled deletion: once `deletionScheduledAt` has passed, the elastic key becomes
 * `deleted` and every material key's sealed private material is removed, in one audited
 * transaction. It happens lazily on every access and in a periodic sweep, so a key past its date is
 * never usable, whichever comes first, and the one that comes second finds nothing left to do.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { errorClass } from '../template/middleware/problem-details.ts';
import { recordAudit } from './audit.ts';
import { SYSTEM_ACTOR, type KmsContext } from './context.ts';
import { ElasticKey, MaterialKey } from './entities.ts';
import { nextStatus } from './lifecycle.ts';

/** What the due check reads of a key, entity or snapshot. */
export interface DeletionState {
  readonly status: string;
  readonly deletionScheduledAt?: Date | null;
}

/** True once a pending deletion's waiting period is over. */
export function isDue(key: DeletionState, now: Date): boolean {
  return key.status === 'pending_deletion' && key.deletionScheduledAt != null && key.deletionScheduledAt.getTime() <= now.getTime();
}

/**
 * Deletes one due key; false when it was not due (or another process got there first: the guarded
 * update makes the transition, its audit row and the wipe happen exactly once).
 */
export async function expireKey(em: EntityManager, kms: KmsContext, id: string): Promise<boolean> {
  const now = kms.now();
  const from = 'pending_deletion';
  const to = nextStatus(from, 'delete');
  const kids = await em.transactional(async (tx) => {
    const changed = await tx.nativeUpdate(ElasticKey, { id, status: from, deletionScheduledAt: { $lte: now } }, { status: to, updatedAt: now });
    if (changed === 0) return undefined;
    const materials = await tx.find(MaterialKey, { elasticKey: id }, { fields: ['id'] });
    await tx.nativeUpdate(MaterialKey, { elasticKey: id }, { sealedJwk: null });
    await recordAudit(tx, { elasticKeyId: id, action: 'delete', actor: SYSTEM_ACTOR, fromStatus: from, toStatus: to }, now);
    return materials.map((material) => material.id);
  });
  if (kids === undefined) return false;
  kms.cache.forgetKey(id);
  for (const kid of kids) kms.cache.forgetPrepared(kid);
  return true;
}

/**
 * Expires the key first when it is due, so the caller sees what is true now. The entity manager is
 * asked for only then: on the hot path a key is almost never due, and forking one costs.
 */
export async function settleKey(em: () => EntityManager, kms: KmsContext, key: DeletionState & { readonly id: string }): Promise<boolean> {
  return isDue(key, kms.now()) && await expireKey(em(), kms, key.id);
}

/** Expires every due key; returns how many this call deleted. */
export async function expireDue(em: EntityManager, kms: KmsContext): Promise<number> {
  const due = await em.find(ElasticKey, { status: 'pending_deletion', deletionScheduledAt: { $lte: kms.now() } }, { fields: ['id'], orderBy: { id: 'asc' } });
  let deleted = 0;
  for (const key of due) {
    if (await expireKey(em.fork(), kms, key.id)) deleted += 1;
  }
  return deleted;
}

export interface SweepOptions {
  /** A fresh entity manager per run. */
  readonly fork: () => EntityManager;
  readonly kms: KmsContext;
  readonly log: Logger;
  readonly intervalMs: number;
}

/**
 * The periodic sweep. It runs only while unsealed: a seal (and closing the service, which seals)
 * stops the timer, and the next business request after an unseal starts it again. The timer never
 * keeps the process alive.
 */
export class DeletionSweep {
  readonly #options: SweepOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(options: SweepOptions) {
    this.#options = options;
    options.kms.barrier.onSeal(() => { this.stop(); });
  }

  get active(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts the timer unless it runs or the barrier is sealed. Cheap: called on every request. */
  ensureRunning(): void {
    if (this.#timer !== undefined || this.#options.kms.barrier.isSealed()) return;
    this.#timer = setInterval(() => { void this.runOnce(); }, this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One sweep; overlapping calls share the run in progress. Failures are logged, never thrown. */
  runOnce(): Promise<number> {
    this.#running ??= Promise.resolve()
      .then(() => expireDue(this.#options.fork(), this.#options.kms))
      .catch((error: unknown) => {
        this.#options.log.warn({ error: errorClass(error) }, 'sm-kms deletion sweep failed; the next run retries');
        return 0;
      })
      .finally(() => { this.#running = undefined; });
    return this.#running;
  }
}
