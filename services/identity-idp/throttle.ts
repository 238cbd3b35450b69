/**
 * Throttling of failed logins per client address and username, in memory (one replica's view; the
 * template's rate limiter already bounds raw request rates). Keyed by both, so one user's failures
 * behind a shared ingress address do not lock everyone else behind it out. Fixed windows: the first
 * attempt opens one.
 *
 * Like the lockout, an attempt reserves its place before the password is hashed: `reserve` counts
 * it and answers in the same synchronous step, so parallel requests cannot all pass one check. A
 * right password clears the window; a wrong one keeps its reservation.
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

  /**
   * Counts one attempt for `key` unless its window is full: undefined when the attempt may go on,
   * otherwise the seconds until `key` may try again (RFC 9110 §10.2.3 Retry-After).
   */
  reserve(key: string): number | undefined {
    const now = this.#now();
    const window = this.#current(key, now);
    if (window === undefined) {
      this.#open(key, now);
      return undefined;
    }
    if (window.failures >= this.#maxFailures) return Math.max(1, Math.ceil((window.endsAt - now) / 1000));
    window.failures += 1;
    return undefined;
  }

  /**
   * A right password ends the key's window: whoever sends it from that address knows it, and the
   * key names one user, so nobody else's attempts are forgiven.
   */
  clear(key: string): void {
    this.#windows.delete(key);
  }

  #open(key: string, now: number): void {
    if (this.#windows.size >= this.#maxEntries) this.prune();
    // Still full of live windows: forget the oldest rather than grow without bound.
    for (const oldest of this.#windows.keys()) {
      if (this.#windows.size < this.#maxEntries) break;
      this.#windows.delete(oldest);
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
