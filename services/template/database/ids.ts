/**
 * Primary keys and request ids are UUIDv7 (DESIGN "Data"): ids sort by creation time, so indexes
 * stay append-mostly and a page ordered by id is ordered by age. Every entity takes its id from here
 * (primary-key.ts). Free of the ORM, so that what needs only ids (request ids) does not load it.
 */
import { randomFillSync } from 'node:crypto';

/** Fills a buffer with cryptographically strong random bytes (node:crypto's signature). */
export type RandomFill = (bytes: Uint8Array) => Uint8Array;

export interface UuidV7Options {
  /** Milliseconds since the epoch; tests stop or rewind the clock. */
  readonly now?: () => number;
  readonly randomFill?: RandomFill;
}

/**
 * Random bytes come from the CSPRNG in one block per this many ids: one 4 KiB draw costs about as
 * much as one 16-byte draw, and a draw per id was most of the request-id step (docs/performance.md).
 */
const IDS_PER_DRAW = 256;

/**
 * A UUIDv7 source (RFC 9562 §5.7). Monotonic per RFC 9562 §6.2 method 1: within one millisecond a
 * 32-bit counter, seeded at random each new millisecond, fills `rand_a` and the top of `rand_b`; the
 * remaining 42 bits are fresh random. A clock that steps back keeps the last millisecond, and a
 * counter that wraps moves on to the next (§6.2 allows it), so every id is greater than the last.
 */
export function uuidv7Generator(options: UuidV7Options = {}): () => string {
  const now = options.now ?? Date.now;
  const randomFill = options.randomFill ?? randomFillSync;
  const pool = Buffer.alloc(IDS_PER_DRAW * 16);
  const id = Buffer.alloc(16);
  let offset = pool.length;
  let lastMs = Number.NEGATIVE_INFINITY;
  let counter = 0;

  return () => {
    if (offset === pool.length) {
      randomFill(pool);
      offset = 0;
    }
    const random = offset;
    offset += 16;
    const clock = now();
    if (clock > lastMs) {
      lastMs = clock;
      counter = pool.readUInt32BE(random);
    } else {
      counter = (counter + 1) >>> 0;
      if (counter === 0) lastMs += 1;
    }
    id.writeUIntBE(lastMs, 0, 6); // unix_ts_ms, 48 bits
    id[6] = 0x70 | (counter >>> 28); // version 7, counter bits 31..28
    id[7] = (counter >>> 20) & 0xff; // bits 27..20
    id[8] = 0x80 | ((counter >>> 14) & 0x3f); // variant 10, bits 19..14
    id[9] = (counter >>> 6) & 0xff; // bits 13..6
    id[10] = ((counter << 2) & 0xff) | (pool.readUInt8(random + 10) & 0x03); // bits 5..0, then random
    pool.copy(id, 11, random + 11, random + 16);
    const hex = id.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/** A new UUIDv7 (RFC 9562 §5.7); ids made in the same millisecond still increase. */
export const uuidv7: () => string = uuidv7Generator();
