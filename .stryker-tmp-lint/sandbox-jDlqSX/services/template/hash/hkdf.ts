// @ts-nocheck
import { hkdf } from 'node:crypto';
import { promisify } from 'node:util';
import type { Sha2 } from './versions.ts';

const hkdfAsync = promisify(hkdf);

/** HKDF extract-then-expand (RFC 5869, NIST SP 800-56C) on the libuv pool. */
export async function deriveHkdf(input: Buffer, salt: Buffer, info: Buffer, hash: Sha2, length: number): Promise<Buffer> {
  return Buffer.from(await hkdfAsync(hash, input, salt, info, length));
}
