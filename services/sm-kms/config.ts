/**
 * sm-kms's own configuration keys (`kms.*`), merged by the template with its shared keys.
 * docs/sm-kms/usage-limits.md explains the encryption limit and why its default is 2^30.
 */
import type { Schema } from 'convict';
import { UsageError } from '../template/errors/index.ts';

/**
 * NIST SP 800-38D §8.3: at most 2^32 AES-GCM invocations with random 96-bit IVs per key. The
 * default stays a factor of four below, so the chance of an IV collision stays far under 2^-32.
 */
export const DEFAULT_ENCRYPTION_LIMIT = 2 ** 30;

/** The bound of SP 800-38D itself: a limit at or above it would not protect anything. */
export const GCM_RANDOM_IV_BOUND = 2 ** 32;

export interface KmsConfig {
  readonly kms: {
    /** AES-GCM encryptions with random IVs one material key may make; then it refuses to encrypt. */
    readonly encryptionLimit: number;
  };
}

export const kmsSchema: Schema<KmsConfig> = {
  kms: {
    encryptionLimit: {
      doc: 'AES-GCM encryptions with a random IV one material key may make (encrypt and generate with A*GCM/dir and A*GCMKW keys); at the limit it answers 409 until the elastic key is rotated. 1 to 2^32-1.',
      format: 'nat',
      default: DEFAULT_ENCRYPTION_LIMIT,
    },
  },
};

/** The rule convict cannot express; a broken one stops start-up with exit 2, naming the key. */
export function checkKmsConfig(config: KmsConfig): void {
  const limit = config.kms.encryptionLimit;
  if (limit < 1 || limit >= GCM_RANDOM_IV_BOUND) throw new UsageError(`kms.encryptionLimit must be from 1 to ${String(GCM_RANDOM_IV_BOUND - 1)}`);
}
