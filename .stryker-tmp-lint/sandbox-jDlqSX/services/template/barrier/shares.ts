/**
 * Shamir split and combine of the unseal key as two pure functions (Vault's `shamir` package), on
 * top of the audited `shamir-secret-sharing`. A share travels as unpadded base64url (RFC 4648 §5)
 * of the library's bytes: 32 y-values then the x coordinate, 33 bytes in all.
 */
// @ts-nocheck

import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { UsageError } from '../errors/index.ts';
import { UnsealError } from './contract.ts';
import { allocateSecret, type SecretAllocator } from './wrapping.ts';

/** AES-256: the unseal key is 32 random bytes. */
export const UNSEAL_KEY_BYTES = 32;

/** One y-value per key byte plus the x coordinate the library appends. */
export const SHARE_BYTES = UNSEAL_KEY_BYTES + 1;

/** Shamir needs two points at least; GF(2^8) has 255 non-zero x coordinates. */
export const MIN_THRESHOLD = 2;
export const MAX_SHARES = 255;

// 33 bytes are 44 base64url characters with no spare bits, so the spelling is always canonical.
const SHARE_PATTERN = /^[A-Za-z0-9_-]*$/;
const SHARE_CHARACTERS = (SHARE_BYTES / 3) * 4;

/** A threshold Shamir can honour: 2 to 255. Anything else is a configuration mistake (exit 2). */
export function checkThreshold(threshold: number): void {
  if (!Number.isInteger(threshold) || threshold < MIN_THRESHOLD || threshold > MAX_SHARES) {
    throw new UsageError(`threshold must be an integer from ${MIN_THRESHOLD} to ${MAX_SHARES} (got ${threshold}): Shamir's scheme needs at least two shares`);
  }
}

/**
 * Refuses share counts the scheme cannot honour, before any key exists. Threshold 1 would make
 * every share the key itself, which is why the library (and we) start at 2.
 */
export function checkShareCounts(shares: number, threshold: number): void {
  checkThreshold(threshold);
  if (!Number.isInteger(shares) || shares < threshold || shares > MAX_SHARES) {
    throw new UsageError(`shares must be an integer from the threshold (${threshold}) to ${MAX_SHARES} (got ${shares})`);
  }
}

/** The library checks `constructor === Uint8Array`, which a Buffer fails: hand it a plain view. */
function plainView(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Splits a 32-byte unseal key into base64url shares; the caller keeps (and wipes) the key. */
export async function splitUnsealKey(key: Uint8Array, shares: number, threshold: number): Promise<string[]> {
  if (key.byteLength !== UNSEAL_KEY_BYTES) {
    throw new UsageError(`the unseal key must be ${UNSEAL_KEY_BYTES} bytes (got ${key.byteLength})`);
  }
  checkShareCounts(shares, threshold);
  const parts = await split(plainView(key), shares, threshold);
  // The shares leave as strings, which nothing can overwrite; wiping these bytes would protect nothing.
  return parts.map((part) => Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('base64url'));
}

/**
 * Decodes one share strictly, straight into memory from `allocate` (whoever holds it wipes it).
 * `position` (1-based) names the share in errors; the content never appears in a message. The x
 * coordinate 0 would be the key itself, and no split produces it.
 */
export function decodeShare(share: string, position?: number, allocate: SecretAllocator = allocateSecret): Buffer {
  const name = position === undefined ? 'the share' : `share ${position}`;
  if (!SHARE_PATTERN.test(share)) {
    throw new UnsealError(`${name} is not base64url`);
  }
  if (share.length !== SHARE_CHARACTERS) {
    throw new UnsealError(`${name} has the wrong length: an unseal share is ${SHARE_CHARACTERS} base64url characters (${SHARE_BYTES} bytes), not ${share.length}`);
  }
  const bytes = allocate(SHARE_BYTES);
  bytes.write(share, 'base64url');
  if (bytes[UNSEAL_KEY_BYTES] === 0) {
    bytes.fill(0);
    throw new UnsealError(`${name} has index 0, which no split produces`);
  }
  return bytes;
}

/** The x coordinate of a decoded share: two shares with the same one are the same point. */
export function shareIndex(share: Buffer): number {
  return share.readUInt8(UNSEAL_KEY_BYTES);
}

/**
 * Rebuilds a key from decoded shares. Every share given takes part, so one inconsistent share
 * among more than the threshold yields a wrong key rather than going unnoticed.
 */
export async function combineDecoded(shares: readonly Buffer[]): Promise<Uint8Array> {
  if (shares.length < MIN_THRESHOLD) {
    throw new UnsealError(`at least ${MIN_THRESHOLD} shares are needed (got ${shares.length})`);
  }
  const indexes = new Set(shares.map(shareIndex));
  if (indexes.size !== shares.length) {
    throw new UnsealError('two shares have the same index: each share may be given once');
  }
  return combine(shares.map(plainView));
}

/**
 * Rebuilds the unseal key from base64url shares; malformed or repeated shares throw UnsealError.
 * The decoded shares live in memory from `allocate` and are wiped before this returns.
 */
export async function combineShares(shares: readonly string[], allocate: SecretAllocator = allocateSecret): Promise<Uint8Array> {
  const decoded: Buffer[] = [];
  try {
    shares.forEach((share, index) => decoded.push(decodeShare(share, index + 1, allocate)));
    return await combineDecoded(decoded);
  } finally {
    for (const bytes of decoded) bytes.fill(0);
  }
}

/**
 * `cryptoutil <service> init`: a fresh random unseal key (in memory from `allocate`), split, then
 * wiped; only the shares remain. Bad counts throw UsageError.
 */
export async function newUnsealShares(shares: number, threshold: number, allocate: SecretAllocator = allocateSecret): Promise<string[]> {
  const key = randomFillSync(allocate(UNSEAL_KEY_BYTES));
  try {
    return await splitUnsealKey(key, shares, threshold);
  } finally {
    key.fill(0);
  }
}

/** Version prefix of a key check value, so that another derivation can follow without ambiguity. */
export const KEY_CHECK_PREFIX = 'kcv1:';

/** Fixed HMAC message: binds the check value to this one purpose, never reused as a key. */
export const KEY_CHECK_LABEL = 'cryptoutil/barrier/v1/key-check';

const KEY_CHECK_PATTERN = /^kcv1:[A-Za-z0-9_-]{43}$/;

/**
 * A one-way, non-secret commitment to an unseal key: `kcv1:` + base64url(HMAC-SHA-256(key, label)).
 * It names the key the barrier may be initialized under without revealing it (issue 13, point 10).
 */
export function keyCheckValue(key: Uint8Array): string {
  if (key.byteLength !== UNSEAL_KEY_BYTES) {
    throw new UsageError(`the unseal key must be ${UNSEAL_KEY_BYTES} bytes (got ${key.byteLength})`);
  }
  return KEY_CHECK_PREFIX + createHmac('sha256', key).update(KEY_CHECK_LABEL).digest('base64url');
}

/** A configured key check value must be one `keyCheckValue` produces; anything else is exit 2. */
export function checkKeyCheck(keyCheck: string): void {
  if (!KEY_CHECK_PATTERN.test(keyCheck)) {
    throw new UsageError('barrier.keyCheck must be the value init printed (kcv1: followed by 43 base64url characters)');
  }
}

/** Whether `key` is the key `keyCheck` commits to; compares the two values in constant time. */
export function matchesKeyCheck(key: Uint8Array, keyCheck: string): boolean {
  const expected = Buffer.from(keyCheck);
  const actual = Buffer.from(keyCheckValue(key));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The key check value of the key a full share set rebuilds (`cryptoutil up` with an older file). */
export async function keyCheckOfShares(shares: readonly string[], allocate: SecretAllocator = allocateSecret): Promise<string> {
  const key = await combineShares(shares, allocate);
  try {
    return keyCheckValue(key);
  } finally {
    key.fill(0);
  }
}

/** `init`: shares of a fresh unseal key and the key check value that names it. */
export interface NewUnsealKey {
  readonly shares: string[];
  readonly keyCheck: string;
}

/** Like `newUnsealShares`, with the key check value computed before the key is wiped. */
export async function newUnsealKey(shares: number, threshold: number, allocate: SecretAllocator = allocateSecret): Promise<NewUnsealKey> {
  const key = randomFillSync(allocate(UNSEAL_KEY_BYTES));
  try {
    const split = await splitUnsealKey(key, shares, threshold);
    return { shares: split, keyCheck: keyCheckValue(key) };
  } finally {
    key.fill(0);
  }
}
