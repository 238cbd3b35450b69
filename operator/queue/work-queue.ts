/**
 * A per-key work queue like client-go's: a key waiting is queued once however often it is added, a
 * key being reconciled is never reconciled twice at the same time (an add during the run queues one
 * more run after it), and a failed key comes back after an exponential backoff.
 */
import { performance } from 'node:perf_hooks';

/** Cancels a scheduled callback. */
export type CancelTimer = () => void;
/** Schedules a callback; injected so tests control time. */
export type SetTimer = (callback: () => void, delayMs: number) => CancelTimer;

export interface WorkQueueOptions {
  readonly handler: (key: string) => Promise<void>;
  /** Keys processed at once; one key is never processed twice at once regardless. */
  readonly concurrency?: number;
  /** First retry delay; doubles per consecutive failure of the same key. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly setTimer?: SetTimer;
  /** Called after every run, for metrics and logs: seconds taken and the error if it threw. */
  readonly onResult?: (key: string, seconds: number, error: unknown) => void;
}

const realTimer: SetTimer = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  timer.unref();
  return () => { clearTimeout(timer); };
};

export class WorkQueue {
  readonly #handler: (key: string) => Promise<void>;
  readonly #concurrency: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #setTimer: SetTimer;
  readonly #onResult: (key: string, seconds: number, error: unknown) => void;
  readonly #pending: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #retries = new Map<string, CancelTimer>();
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: WorkQueueOptions) {
    this.#handler = options.handler;
    this.#concurrency = options.concurrency ?? 4;
    this.#baseDelayMs = options.baseDelayMs ?? 200;
    this.#maxDelayMs = options.maxDelayMs ?? 300_000;
    this.#setTimer = options.setTimer ?? realTimer;
    this.#onResult = options.onResult ?? (() => undefined);
  }

  /** Keys waiting to run (the queue-depth metric). */
  get depth(): number {
    return this.#pending.length;
  }

  /** Queues `key` unless it is already waiting; a running key runs once more afterwards. */
  add(key: string): void {
    if (this.#closed) {
      return;
    }
    if (this.#running.has(key)) {
      this.#again.add(key);
      return;
    }
    if (!this.#queued.has(key)) {
      this.#queued.add(key);
      this.#pending.push(key);
    }
    this.#pump();
  }

  /** The delay before retry number `failures` (1-based): base · 2^(failures-1), capped. */
  backoff(failures: number): number {
    return Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (failures - 1));
  }

  /** Resolves once nothing is waiting or running (scheduled retries do not count). */
  async idle(): Promise<void> {
    if (this.#pending.length === 0 && this.#running.size === 0) {
      return;
    }
    await new Promise<void>((resolve) => { this.#idleWaiters.push(resolve); });
  }

  /** Stops taking work, cancels retries, drops waiting keys and waits for running ones to finish. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const cancel of this.#retries.values()) {
      cancel();
    }
    this.#retries.clear();
    this.#pending.length = 0;
    this.#queued.clear();
    this.#again.clear();
    await Promise.all(this.#running.values());
    this.#notifyIdle();
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency) {
      const key = this.#pending.shift();
      if (key === undefined) {
        break;
      }
      this.#queued.delete(key);
      this.#running.set(key, this.#process(key));
    }
    this.#notifyIdle();
  }

  async #process(key: string): Promise<void> {
    const started = performance.now();
    let failure: unknown = undefined;
    try {
      await this.#handler(key);
      this.#failures.delete(key);
    } catch (error) {
      failure = error;
      this.#retryLater(key);
    }
    this.#onResult(key, (performance.now() - started) / 1000, failure);
    this.#running.delete(key);
    if (this.#again.delete(key)) {
      this.add(key);
    }
    this.#pump();
  }

  #retryLater(key: string): void {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    this.#retries.get(key)?.();
    this.#retries.set(key, this.#setTimer(() => {
      this.#retries.delete(key);
      this.add(key);
    }, this.backoff(failures)));
  }

  #notifyIdle(): void {
    if (this.#pending.length === 0 && this.#running.size === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) {
        resolve();
      }
    }
  }
}
