/**
 * The key types a profile may allow, one row each: how a profile's rule for that type reads in a
 * refusal and in `GET /profiles`, and why a CSR key of that type breaks the rule's sizes. Adding a
 * key type is adding a row (and its branch of the schema).
 */
import type { CsrKey } from './csr-facts.ts';
import type { KeyAlgorithmRule } from './schema.ts';

/** What the catalog and the rules need to know of one key type. */
interface KeyTypeRow<T extends KeyAlgorithmRule['type']> {
  /** The rule in one phrase, for refusals: `EC P-256/P-384`, `RSA 2048-4096 bits`. */
  readonly describe: (rule: Extract<KeyAlgorithmRule, { readonly type: T }>) => string;
  /** The rule as `ProfileSummary.keyAlgorithms` lists it: `EC P-256`, `EC P-384`, `RSA 2048-4096`. */
  readonly labels: (rule: Extract<KeyAlgorithmRule, { readonly type: T }>) => readonly string[];
  /** Why the key's size breaks the rule, or `undefined`. */
  readonly sizeProblem: (rule: Extract<KeyAlgorithmRule, { readonly type: T }>, key: CsrKey) => string | undefined;
}

function list(items: readonly string[]): string {
  return items.join(', ');
}

const keyTypes: { readonly [T in KeyAlgorithmRule['type']]: KeyTypeRow<T> } = {
  EC: {
    describe: (rule) => `EC ${rule.curves.join('/')}`,
    labels: (rule) => rule.curves.map((curve) => `EC ${curve}`),
    sizeProblem: (rule, key) => {
      const curve = String(key.curve);
      return (rule.curves as readonly string[]).includes(curve) ? undefined : `EC curve ${curve} is not one of ${list(rule.curves)}`;
    },
  },
  RSA: {
    describe: (rule) => `RSA ${String(rule.minBits)}-${String(rule.maxBits)} bits`,
    labels: (rule) => [`RSA ${String(rule.minBits)}-${String(rule.maxBits)}`],
    sizeProblem: (rule, key) => {
      const bits = Number(key.bits);
      return bits >= rule.minBits && bits <= rule.maxBits ? undefined : `RSA key of ${String(bits)} bits is outside ${String(rule.minBits)}-${String(rule.maxBits)}`;
    },
  },
  Ed25519: {
    describe: () => 'Ed25519',
    labels: () => ['Ed25519'],
    sizeProblem: () => undefined,
  },
};

/** The row of a rule's key type; each row reads only its own type's fields, so the cast is safe. */
function rowOf(rule: KeyAlgorithmRule): KeyTypeRow<KeyAlgorithmRule['type']> {
  return keyTypes[rule.type] as KeyTypeRow<KeyAlgorithmRule['type']>;
}

/** A key rule in one phrase, for refusals. */
export function describeKeyRule(rule: KeyAlgorithmRule): string {
  return rowOf(rule).describe(rule);
}

/** A key rule as profile summaries list it. */
export function keyRuleLabels(rule: KeyAlgorithmRule): readonly string[] {
  return rowOf(rule).labels(rule);
}

/** Why `key` breaks the size part of `rule` (which is of the key's type), or `undefined`. */
export function keySizeProblem(rule: KeyAlgorithmRule, key: CsrKey): string | undefined {
  return rowOf(rule).sizeProblem(rule, key);
}
