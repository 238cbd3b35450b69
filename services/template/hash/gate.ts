/**
 * A FIFO gate in front of the PBKDF2 calls. libuv runs them off the event loop, but each one keeps
 * a core busy for close to 100 ms: with every core hashing, the event loop and the other services
 * on the machine wait for the CPU. The gate lets `maxConcurrent` derivations run, queues up to
 * `maxQueued` more in arrival order and refuses the rest, so an overload is answered at once
 * instead of waiting without bound (docs/decisions/0005-hash-concurrency.md).
 */

/** How many derivations run at once and how many may wait; both checked by `createHashGate`. */
export interface GateLimits {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
}

/**
 * A place taken in the gate: it counts against the bound from `enter` until `leave`, and each `run`
 * waits for one of the `maxConcurrent` slots. A login takes its place before it counts an attempt,
 * so an overload is refused before anything is counted against the user.
 */
export interface GatePlace {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Gives the place back; calling it again does nothing. */
  leave(): void;
}

/** What the gate holds right now, for metrics and tests. */
export interface GateState {
  readonly running: number;
  readonly waiting: number;
  readonly places: number;
  /** Places refused since start because every place was taken. */
  readonly refused: number;
}

export class HashGate {
  readonly limits: GateLimits;
  #running = 0;
  #places = 0;
  #refused = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limits: GateLimits) {
    this.limits = limits;
  }

  get state(): GateState {
    return { running: this.#running, waiting: this.#waiting.length, places: this.#places, refused: this.#refused };
  }

  /** A place, or undefined when `maxConcurrent + maxQueued` places are already taken. */
  enter(): GatePlace | undefined {
    if (this.#places >= this.limits.maxConcurrent + this.limits.maxQueued) {
      this.#refused += 1;
      return undefined;
    }
    this.#places += 1;
    let left = false;
    return {
      run: (work) => this.#run(work),
      leave: () => {
        if (left) return;
        left = true;
        this.#places -= 1;
      },
    };
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limits.maxConcurrent) {
      await new Promise<void>((resolve) => { this.#waiting.push(resolve); });
    } else {
      this.#running += 1;
    }
    try {
      return await work();
    } finally {
      // The slot passes straight to the oldest waiter, so a newcomer can never overtake it.
      const next = this.#waiting.shift();
      if (next === undefined) this.#running -= 1;
      else next();
    }
  }
}
