/**
 * Signing keys under the barrier (docs/signing-keys.md): rings of JWKs per purpose, rotated on a
 * schedule or on demand, retired keys kept published for verification until their retention ends.
 */
// @ts-nocheck

export { resolveAlgorithm, type SigningAlgorithm } from './algorithms.ts';
export { SigningKey, signingKeyEntities } from './entities.ts';
export { signingKeyMigrations } from './migrations.ts';
export {
  createSigningKeys,
  DEFAULT_REFRESH_MS,
  signingKeyAad,
  type SigningKeyRing,
  type SigningKeys,
  type SigningKeysOptions,
} from './signing-keys.ts';
