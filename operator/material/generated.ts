/**
 * Secret material the operator generates: database passwords and the barrier unseal shares. The
 * shares are a Shamir split of one 32-byte unseal key, the same split `cryptoutil sm-kms init` does.
 */
import { randomBytes } from 'node:crypto';
import { split } from 'shamir-secret-sharing';

/** 32 random bytes, base64url: URL-safe so it needs no escaping inside a postgres:// URL. */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

/** `count` shares of a fresh 32-byte unseal key, any `threshold` of which rebuild it; base64url like the CLI prints them. */
export async function generateUnsealShares(count: number, threshold: number): Promise<string[]> {
  const unsealKey = randomBytes(32);
  try {
    const shares = await split(new Uint8Array(unsealKey), count, threshold);
    return shares.map((share) => Buffer.from(share).toString('base64url'));
  } finally {
    // The key exists only as shares from here on.
    unsealKey.fill(0);
  }
}
