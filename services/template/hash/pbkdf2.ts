import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import type { Sha2 } from './versions.ts';

const pbkdf2Async = promisify(pbkdf2);

/** The shape of `derivePbkdf2`; tests put a counting wrapper in its place (HashServiceOptions.pbkdf2). */
export type Pbkdf2Function = (input: Buffer, salt: Buffer, iterations: number, hash: Sha2, length: number) => Promise<Buffer>;

/** PBKDF2-HMAC (RFC 8018 §5.2, NIST SP 800-132) on the libuv pool, so the event loop keeps running. */
export function derivePbkdf2(input: Buffer, salt: Buffer, iterations: number, hash: Sha2, length: number): Promise<Buffer> {
  return pbkdf2Async(input, salt, iterations, length, hash);
}
