/**
 * Scheduled rotation and key deletion (issue 17 point 1): every `jose.sweepIntervalSeconds` each
 * process rotates the sets whose active key has been active for their rotation period and deletes
 * the retired keys whose retention has ended. Both changes are guarded by the set's version, so
 * replicas sweeping at once change each set once; the loser of a race just skips it.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError } from '../template/errors/index.ts';
import { SERVICE_ACTOR, type JaContext } from './context.ts';
import { deleteExpiredKeys, dueForRotation, rotateKeySet } from './key-sets.ts';
import { loggableError } from '../template/middleware/problem-details.ts';

export interface SweepOptions {
  readonly fork: () => EntityManager;
  readonly ja: JaContext;
  readonly log: Pick<Logger, 'info' | 'error'>;
  readonly intervalMs: number;
}

/** What one sweep changed. */
export interface SweepResult {
  readonly rotated: readonly string[];
  readonly deleted: readonly string[];
}

/** Rotates `name` on schedule; false when another replica (or a request) changed or deleted it first. */
async function rotateOnSchedule(options: SweepOptions, name: string): Promise<boolean> {
  try {
    await rotateKeySet(options.fork(), options.ja, name, SERVICE_ACTOR, { action: 'rotate.scheduled' });
    return true;
  } catch (error) {
    // Changed by another replica, or deleted since the listing: this set waits or is gone, the others still rotate.
    if (error instanceof ConflictError || error instanceof NotFoundError) return false;
    throw error;
  }
}

/** One sweep: due rotations, then expired keys. Nothing to do while sealed (a rotation makes a key). */
export async function sweepOnce(options: SweepOptions): Promise<SweepResult> {
  if (options.ja.barrier.isSealed()) return { rotated: [], deleted: [] };
  const rotated: string[] = [];
  for (const name of await dueForRotation(options.fork(), options.ja.now())) {
    if (await rotateOnSchedule(options, name)) rotated.push(name);
  }
  return { rotated, deleted: await deleteExpiredKeys(options.fork, options.ja) };
}

/** Runs `sweepOnce` on an unreferenced timer chain: the next sweep is scheduled when one ends, so two never overlap. */
export class LifecycleSweep {
  readonly #options: SweepOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(options: SweepOptions) {
    this.#options = options;
  }

  /** One sweep now; what it changes is logged, and so is a failure (the next sweep tries again). */
  async run(): Promise<void> {
    try {
      const { rotated, deleted } = await sweepOnce(this.#options);
      if (rotated.length > 0 || deleted.length > 0) this.#options.log.info({ rotated, deleted }, 'jose-ja: scheduled rotations and key deletions done');
    } catch (error) {
      this.#options.log.error(loggableError(error), 'jose-ja: the key-set sweep failed; it runs again later');
    }
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.run().finally(() => {
        this.#running = undefined;
        this.#schedule();
      });
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops the chain and waits for a sweep under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
