/**
 * What a key set may be (contract "Key sets"): its name, its purpose and one asymmetric algorithm
 * of the shared table, its periods. The API's document and the declared sets of the configuration
 * are checked by the same rules, so a set the operator declares is one the API would accept.
 */
import { ALGORITHM_NAMES, resolveAlgorithm } from '../template/jose/index.ts';
import type { KeySetUse } from './ports.ts';

/** `createKeySet`'s body and one entry of `jose.keySets`. */
export interface KeySetInput {
  readonly name: string;
  readonly use: KeySetUse;
  readonly alg: string;
  readonly rotationDays: number;
  readonly retentionDays: number;
  readonly issuer?: string;
  readonly tokenType?: string;
  readonly pairedWith?: string;
}

/** RFC 1123 label: what a set name may be, so it is safe in a URL path and a Kubernetes name. */
export const KEY_SET_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The longest rotation and retention period, in days (ten years). */
export const MAX_DAYS = 3650;

/** A JWKS publishes public keys only: the rows whose keys are asymmetric (no oct, HS*, dir or AES-KW). */
export const KEY_SET_ALGORITHMS: readonly string[] = Object.freeze(ALGORITHM_NAMES.filter((name) => resolveAlgorithm(name).kty !== 'oct'));

const USES: readonly string[] = ['sig', 'enc'];

function isDays(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_DAYS;
}

function isOptionalText(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value !== '');
}

/** Checks one field each; the first one that fails names the problem. */
const FIELD_RULES: readonly (readonly [(input: Readonly<Record<string, unknown>>) => boolean, string])[] = [
  [(input) => typeof input.name === 'string' && KEY_SET_NAME.test(input.name), 'name must be 1 to 63 lower-case letters, digits and inner hyphens'],
  [(input) => USES.includes(input.use as string), 'use must be "sig" or "enc"'],
  [(input) => KEY_SET_ALGORITHMS.includes(input.alg as string), `alg must be one of ${KEY_SET_ALGORITHMS.join(', ')}`],
  [(input) => resolveAlgorithm(input.alg as string).use === input.use, 'alg is not an algorithm for the set\'s use'],
  [(input) => isDays(input.rotationDays), `rotationDays must be an integer from 1 to ${String(MAX_DAYS)}`],
  [(input) => isDays(input.retentionDays), `retentionDays must be an integer from 1 to ${String(MAX_DAYS)}`],
  [(input) => isOptionalText(input.issuer) && isOptionalText(input.tokenType) && isOptionalText(input.pairedWith), 'issuer, tokenType and pairedWith must be non-empty strings when given'],
  [(input) => input.pairedWith === undefined || input.use === 'enc', 'pairedWith is only for enc sets (it names the sig set nested JWTs are signed by)'],
];

/** Why `input` is not a valid key set, or undefined when it is one. */
export function checkKeySetInput(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'a key set must be an object';
  const fields = input as Readonly<Record<string, unknown>>;
  return FIELD_RULES.find(([holds]) => !holds(fields))?.[1];
}
