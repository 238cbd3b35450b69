/**
 * jose-ja's own configuration keys (`jose.*`), merged by the template with its shared keys: how long
 * verifiers may cache a JWKS, the key sets a deployment declares, and the base URL issuers and JWKS
 * URLs name.
 */
import type { Schema } from 'convict';
import { checkKeySetInput, type KeySetInput } from './rules.ts';

export interface JoseConfig {
  readonly jose: {
    /** `Cache-Control: max-age` of every JWKS; also how long a `next` key is published before it may sign. */
    readonly jwksMaxAgeSeconds: number;
    /** Key sets made at start (and after each unseal) when missing: contract "Declared key sets". */
    readonly keySets: readonly KeySetInput[];
    /** Base of issuers and JWKS URLs; `''` = the public listener's URL. */
    readonly publicUrl: string;
    /** Seconds between two sweeps for scheduled rotations and retired keys past retention. */
    readonly sweepIntervalSeconds: number;
  };
}

/** Throws with the index and the reason of the first declared key set that breaks a createKeySet rule. */
export function checkDeclared(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list of {name, use, alg, rotationDays, retentionDays}');
  const names = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const problem = checkKeySetInput(entry);
    if (problem !== undefined) throw new Error(`entry ${String(index)}: ${problem}`);
    const { name } = entry as KeySetInput;
    if (names.has(name)) throw new Error(`entry ${String(index)}: the name ${name} is declared twice`);
    names.add(name);
  });
}

/** The convict schema of the `jose.*` keys. */
export const joseSchema: Schema<JoseConfig> = {
  jose: {
    jwksMaxAgeSeconds: {
      doc: 'Cache-Control max-age of each JWKS; a rotation that is not immediate waits until the next key has been published this long.',
      format: 'nat',
      default: 300,
    },
    keySets: {
      doc: 'Key sets to make when missing, each {name, use, alg, rotationDays, retentionDays} with optional issuer, tokenType and pairedWith (set in YAML).',
      format: checkDeclared,
      default: [],
    },
    publicUrl: { doc: 'Base URL of default issuers and JWKS URLs; empty for the public listener URL.', format: String, default: '' },
    sweepIntervalSeconds: { doc: 'Seconds between sweeps for due scheduled rotations and retired keys past their retention.', format: 'nat', default: 60 },
  },
};
