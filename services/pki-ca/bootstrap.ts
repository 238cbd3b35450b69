/**
 * When to create the default hierarchy (`pki.bootstrap`): the first time the barrier is open. The
 * template unseals from configured shares before operations exist, or later through the admin
 * endpoint; so every request, the readiness check and a light timer each make sure it has run.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../template/service.ts';
import type { PkiContext } from './context.ts';
import { bootstrapHierarchy } from './hierarchy.ts';
import { loggableError } from '../template/middleware/problem-details.ts';

/** How often the timer looks whether the barrier was unsealed (it does nothing once bootstrapped). */
export const BOOTSTRAP_POLL_MS = 1000;

/** The longest the timer waits between two failed attempts (the wait doubles from the poll interval). */
export const BOOTSTRAP_MAX_BACKOFF_MS = 60_000;

export interface BootstrapOptions {
  readonly pki: PkiContext;
  readonly fork: () => EntityManager;
  readonly log: Pick<Logger, 'error'>;
  readonly pollMs?: number;
}

/** Runs `bootstrapHierarchy` once per unseal when `pki.bootstrap` is set; a failure is retried. */
export class HierarchyBootstrap {
  readonly #options: BootstrapOptions;
  #running: Promise<void> | undefined;
  #done = false;
  #timer: NodeJS.Timeout | undefined;
  /** Failed timer attempts in a row, and when the timer may try again. */
  #failures = 0;
  #retryAt = 0;

  constructor(options: BootstrapOptions) {
    this.#options = options;
    // A new unseal may meet a database another process emptied or filled: look again.
    options.pki.barrier.onSeal(() => { this.#done = false; this.#running = undefined; });
  }

  /** Whether there is nothing left to do: bootstrap is off, or has completed since the last unseal. */
  get settled(): boolean {
    return !this.#options.pki.config.bootstrap || this.#done;
  }

  /** Bootstraps unless off, sealed or done; concurrent callers share one run. */
  async ensure(): Promise<void> {
    if (this.settled || this.#options.pki.barrier.isSealed()) return;
    if (this.#running === undefined) {
      const run = bootstrapHierarchy(this.#options.fork, this.#options.pki).then(() => { this.#done = true; });
      this.#running = run;
      run.catch(() => { if (this.#running === run) this.#running = undefined; });
    }
    await this.#running;
  }

  /** Starts the timer (unreferenced, so it never keeps the process alive). */
  start(): void {
    if (!this.#options.pki.config.bootstrap || this.#timer !== undefined) return;
    const pollMs = this.#options.pollMs ?? BOOTSTRAP_POLL_MS;
    this.#timer = setInterval(() => {
      if (this.settled || this.#options.pki.barrier.isSealed() || Date.now() < this.#retryAt) return;
      this.ensure().then(() => { this.#failures = 0; }, (error: unknown) => {
        this.#failures += 1;
        const waitMs = Math.min(BOOTSTRAP_MAX_BACKOFF_MS, pollMs * 2 ** this.#failures);
        this.#retryAt = Date.now() + waitMs;
        this.#options.log.error({ ...loggableError(error), retryInMs: waitMs }, 'pki-ca could not bootstrap its CA hierarchy; retrying');
      });
    }, pollMs);
    this.#timer.unref();
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Ready once the hierarchy exists (or bootstrap is off). */
  readiness(): ReadinessCheck {
    return {
      name: 'ca-hierarchy',
      check: async () => {
        try {
          await this.ensure();
        } catch {
          return { ok: false, detail: 'bootstrapping the CA hierarchy failed; see the log' };
        }
        return this.settled ? { ok: true } : { ok: false, detail: 'waiting for the unseal to bootstrap the CA hierarchy' };
      },
    };
  }
}
