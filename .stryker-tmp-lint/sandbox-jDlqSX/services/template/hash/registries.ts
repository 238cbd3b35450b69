// @ts-nocheck
import { HashError } from './errors.ts';

/** The four registries, named as `createHashService` returns them. */
export type RegistryName = 'lowEntropyRandom' | 'lowEntropyDeterministic' | 'highEntropyRandom' | 'highEntropyDeterministic';

/** The parameters a hash string may carry: `i` PBKDF2 iterations, `p` pepper version. */
export type ParameterName = 'i' | 'p';

/** What sets one registry apart; every registry shares the version table of versions.ts. */
export interface RegistrySpec {
  readonly name: RegistryName;
  /** The registry field of the hash string. */
  readonly id: string;
  readonly kdf: 'pbkdf2' | 'hkdf';
  /** Deterministic registries derive a secret salt from the pepper and store none. */
  readonly peppered: boolean;
  /** Bytes of random salt stored in the string (0 when the salt comes from the pepper). */
  readonly saltBytes: number;
  /** Shortest input accepted, in UTF-8 bytes. */
  readonly minInputBytes: number;
  /** The parameters, in the order the string carries them. */
  readonly parameters: readonly ParameterName[];
}

// 32-byte random salts: NIST SP 800-132 §5.1 asks for at least 16. HKDF is a key derivation
// function, not a password hash (RFC 5869 §4): it is sound only for inputs that carry their own
// entropy, so the high-entropy registries refuse anything shorter than 16 bytes (128 bits).
const SPECS: readonly RegistrySpec[] = [
  { name: 'lowEntropyRandom', id: 'low-entropy-random', kdf: 'pbkdf2', peppered: false, saltBytes: 32, minInputBytes: 1, parameters: ['i'] },
  { name: 'lowEntropyDeterministic', id: 'low-entropy-deterministic', kdf: 'pbkdf2', peppered: true, saltBytes: 0, minInputBytes: 1, parameters: ['i', 'p'] },
  { name: 'highEntropyRandom', id: 'high-entropy-random', kdf: 'hkdf', peppered: false, saltBytes: 32, minInputBytes: 16, parameters: [] },
  { name: 'highEntropyDeterministic', id: 'high-entropy-deterministic', kdf: 'hkdf', peppered: true, saltBytes: 0, minInputBytes: 16, parameters: ['p'] },
];

/** Every registry, in the order the service lists them. */
export const REGISTRIES: readonly RegistrySpec[] = Object.freeze(SPECS.map((spec) => Object.freeze(spec)));

const BY_ID: Readonly<Record<string, RegistrySpec>> = Object.assign(
  Object.create(null) as object,
  Object.fromEntries(REGISTRIES.map((spec) => [spec.id, spec])),
);

/** Resolves the registry field of a hash string, throwing a typed error for names never issued. */
export function resolveRegistry(id: string): RegistrySpec {
  const spec = BY_ID[id];
  if (spec === undefined) throw new HashError('ERR_HASH_UNKNOWN_REGISTRY');
  return spec;
}
