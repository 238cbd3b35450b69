/**
 * Declared key sets (contract "Declared key sets"): `jose.keySets` names sets that must exist. Each
 * time the barrier opens, jose-ja makes the missing ones (audited as actor `jose-ja`) and gives the
 * existing ones the declared periods; sets not declared are left alone. Two replicas doing this at
 * once make one set with one active key: the unique name and the version guard decide, and the
 * loser finds the set made.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { ConflictError } from '../template/errors/index.ts';
import type { ReadinessCheck } from '../template/service.ts';
import { SERVICE_ACTOR, type JaContext } from './context.ts';
import { KeySet } from './entities.ts';
import { createKeySet, updatePeriods } from './key-sets.ts';
import type { KeySetInput } from './rules.ts';
import { loggableError } from '../template/middleware/problem-details.ts';

/** Attempts per set when another replica keeps changing it at the same moment. */
const ATTEMPTS = 3;

async function ensureOne(fork: () => EntityManager, ja: JaContext, input: KeySetInput): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (await fork().count(KeySet, { name: input.name }) === 0) await createKeySet(fork(), ja, input, SERVICE_ACTOR);
      else await updatePeriods(fork(), ja, input, SERVICE_ACTOR);
      return;
    } catch (error) {
      // Another replica made or changed the set between our read and our write: look again.
      if (!(error instanceof ConflictError) || attempt === ATTEMPTS) throw error;
    }
  }
}

/** Makes or updates every declared set; sig sets first, since an enc set may be paired with one. */
export async function ensureDeclared(fork: () => EntityManager, ja: JaContext, declared: readonly KeySetInput[]): Promise<void> {
  const ordered = [...declared.filter((input) => input.use === 'sig'), ...declared.filter((input) => input.use === 'enc')];
  for (const input of ordered) await ensureOne(fork, ja, input);
}

export interface DeclaredOptions {
  readonly fork: () => EntityManager;
  readonly ja: JaContext;
  readonly declared: readonly KeySetInput[];
  readonly log: Pick<Logger, 'error'>;
  /** How often the timer looks whether the barrier was opened. */
  readonly pollMs?: number;
  /** Wait after the first failed run; it doubles with each further failure. */
  readonly retryMs?: number;
  /** The longest wait between two failed runs. */
  readonly maxRetryMs?: number;
  readonly now?: () => number;
}

/**
 * A declaration that cannot be made (a pairing with a set nobody created) fails the same way every
 * time: retrying it on every request and every tick would load the database and flood the log.
 */
const RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

/** Runs `ensureDeclared` once per unseal: on the first request, readiness check or timer tick after it. */
export class DeclaredKeySets {
  readonly #options: DeclaredOptions;
  #done = false;
  #pending: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #retryAt = 0;
  #lastError: unknown;

  constructor(options: DeclaredOptions) {
    this.#options = options;
    options.ja.barrier.onSeal(() => {
      this.#done = false;
      this.#pending = undefined;
      this.#failures = 0;
      this.#retryAt = 0;
    });
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** Whether nothing is left to do since the last unseal. */
  get settled(): boolean {
    return this.#options.declared.length === 0 || this.#done;
  }

  /**
   * Ensures the declared sets unless done or sealed; concurrent callers share one run. After a failed
   * run, callers get its error until the backoff has passed (1 s, doubling, at most 60 s).
   */
  async ensure(): Promise<void> {
    if (this.settled || this.#options.ja.barrier.isSealed()) return;
    if (this.#backingOff) throw this.#lastError;
    this.#pending ??= ensureDeclared(this.#options.fork, this.#options.ja, this.#options.declared).then(
      () => { this.#done = true; },
      (error: unknown) => {
        this.#pending = undefined;
        this.#lastError = error;
        const first = this.#options.retryMs ?? RETRY_MS;
        this.#retryAt = this.#now() + Math.min(first * 2 ** this.#failures, this.#options.maxRetryMs ?? MAX_RETRY_MS);
        this.#failures += 1;
        throw error;
      },
    );
    await this.#pending;
  }

  /** Whether a failed run's backoff lasts, with no run under way. */
  get #backingOff(): boolean {
    return this.#pending === undefined && this.#now() < this.#retryAt;
  }

  /**
   * `ensure` for requests: a declaration that cannot be made (a pairing with a set that does not
   * exist) must not stop the sets that do exist from being served. Its failure shows in readiness
   * and in the timer's log line instead.
   */
  async settle(): Promise<void> {
    await this.ensure().catch(() => undefined);
  }

  /** Starts the timer (unreferenced); a failure is logged and retried on the next tick. */
  start(): void {
    if (this.#options.declared.length === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      // Only a run that was tried logs: one line per failed attempt, not one per tick.
      if (this.settled || this.#pending !== undefined || this.#backingOff) return;
      this.ensure().catch((error: unknown) => { this.#options.log.error(loggableError(error), 'jose-ja could not make its declared key sets; retrying'); });
    }, this.#options.pollMs ?? 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Ready once every declared set exists (trivially when none is declared). */
  readiness(): ReadinessCheck {
    const settledOrWaiting = (): { ok: boolean; detail?: string } => (this.settled ? { ok: true } : { ok: false, detail: 'the barrier is sealed: declared key sets are made once it opens' });
    return {
      name: 'declared-key-sets',
      check: () => this.ensure().then(settledOrWaiting, () => ({ ok: false, detail: 'making the declared key sets failed; see the log' })),
    };
  }
}
