/**
 * Secret material the operator generates: database passwords and the barrier unseal shares. The
 * shares come from the barrier's own split, so the operator and `cryptoutil sm-kms init` produce
 * shares of one format that every barrier service accepts.
 */
import { randomBytes } from 'node:crypto';
import { newUnsealShares } from '../../services/template/barrier/index.ts';

/** 32 random bytes, base64url: URL-safe so it needs no escaping inside a postgres:// URL. */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

/** `count` shares of a fresh 32-byte unseal key, any `threshold` of which rebuild it; base64url like the CLI prints them. */
export function generateUnsealShares(count: number, threshold: number): Promise<string[]> {
  return newUnsealShares(count, threshold);
}
