/**
 * Random octets for the JWE hot path. Each `randomBytes` call crosses into OpenSSL on its own,
 * which profiling showed to be the largest single cost of an encrypt; one `randomFillSync` per 4 KiB
 * serves about a hundred encrypts instead. Every octet handed out is zeroed in the pool at once, so
 * the pool never holds a CEK or IV that is already in use.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

/** Fills a buffer with random octets; node's CSPRNG unless a test supplies its own. */
export type Refill = (pool: Buffer) => void;

export class RandomPool {
  readonly #pool: Buffer;
  readonly #refill: Refill;
  #offset: number;

  constructor(size = POOL_BYTES, refill: Refill = (pool) => { randomFillSync(pool); }) {
    this.#pool = Buffer.alloc(size);
    this.#refill = refill;
    this.#offset = size;
  }

  /** `count` fresh random octets (at most the pool size), never handed out before. */
  take(count: number): Buffer {
    if (count > this.#pool.length) throw new RangeError(`at most ${String(this.#pool.length)} octets at once`);
    if (this.#offset + count > this.#pool.length) {
      this.#refill(this.#pool);
      this.#offset = 0;
    }
    const window = this.#pool.subarray(this.#offset, this.#offset + count);
    const taken = Buffer.from(window);
    window.fill(0);
    this.#offset += count;
    return taken;
  }
}

/** The process's pool for content keys and IVs. */
export const randomOctets = ((pool: RandomPool) => (count: number): Buffer => pool.take(count))(new RandomPool());
