/**
 * Per-client-address throttling of failed logins, in memory (one replica's view; the template's
 * rate limiter already bounds raw request rates). It slows password spraying across many accounts,
 * which the per-account lockout alone cannot see. Fixed windows: the first failure opens one.
 */

export interface ThrottleOptions {
  readonly maxFailures: number;
  readonly windowSeconds: number;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  /** Addresses tracked at most; beyond it, ended windows are dropped first. */
  readonly maxEntries?: number;
}

interface Window {
  failures: number;
  readonly endsAt: number;
}

export class FailureThrottle {
  readonly #windows = new Map<string, Window>();
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(options: ThrottleOptions) {
    this.#maxFailures = options.maxFailures;
    this.#windowMs = options.windowSeconds * 1000;
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  #current(key: string, now: number): Window | undefined {
    const window = this.#windows.get(key);
    if (window !== undefined && window.endsAt <= now) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }

  /** Seconds until `key` may try again (RFC 9110 §10.2.3 Retry-After), or undefined when it may now. */
  retryAfter(key: string): number | undefined {
    const now = this.#now();
    const window = this.#current(key, now);
    if (window === undefined || window.failures < this.#maxFailures) return undefined;
    return Math.max(1, Math.ceil((window.endsAt - now) / 1000));
  }

  recordFailure(key: string): void {
    const now = this.#now();
    const window = this.#current(key, now);
    if (window !== undefined) {
      window.failures += 1;
      return;
    }
    if (this.#windows.size >= this.#maxEntries) this.prune();
    // Still full of live windows: forget the oldest rather than grow without bound.
    if (this.#windows.size >= this.#maxEntries) {
      const oldest = this.#windows.keys().next();
      if (oldest.done !== true) this.#windows.delete(oldest.value);
    }
    this.#windows.set(key, { failures: 1, endsAt: now + this.#windowMs });
  }

  /** Drops ended windows (also run by the service's periodic sweep). */
  prune(): void {
    const now = this.#now();
    for (const [key, window] of this.#windows) {
      if (window.endsAt <= now) this.#windows.delete(key);
    }
  }

  get size(): number {
    return this.#windows.size;
  }
}
