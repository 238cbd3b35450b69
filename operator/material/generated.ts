/**
 * Secret material the operator generates: database passwords. Unseal shares come from the
 * barrier's own `newUnsealShares`, so the operator and `cryptoutil sm-kms init` produce shares of
 * one format that every barrier service accepts.
 */
import { randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: URL-safe so it needs no escaping inside a postgres:// URL. */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}
