// @ts-nocheck
import { HashError } from './errors.ts';
import { MAX_PARAMETER } from './versions.ts';

/** One hash string taken apart; bytes are decoded, numbers parsed, nothing is checked against a registry yet. */
export interface HashFields {
  readonly registry: string;
  readonly version: number;
  readonly algorithm: string;
  /** Named numeric parameters in the order they appear (`i` iterations, `p` pepper version). */
  readonly parameters: readonly (readonly [string, number])[];
  readonly salt: Buffer;
  readonly digest: Buffer;
}

// docs/hash-format.md: $registry$v=N$algorithm$params$salt$digest, base64url without padding.
const NUMBER = '[1-9][0-9]{0,7}';
const GRAMMAR = new RegExp(
  `^\\$[a-z]+(?:-[a-z]+)*\\$v=${NUMBER}\\$[a-z0-9]+(?:-[a-z0-9]+)*` +
    `\\$(?:[a-z]=${NUMBER}(?:,[a-z]=${NUMBER})*)?\\$[A-Za-z0-9_-]*\\$[A-Za-z0-9_-]+$`,
);

/** Encodes fields as the one self-describing string stored for a hash. */
export function encodeHash(fields: HashFields): string {
  const parameters = fields.parameters.map(([name, value]) => `${name}=${String(value)}`).join(',');
  return [
    '',
    fields.registry,
    `v=${String(fields.version)}`,
    fields.algorithm,
    parameters,
    fields.salt.toString('base64url'),
    fields.digest.toString('base64url'),
  ].join('$');
}

/** Parses a hash string strictly: anything that would not re-encode to the same text is malformed. */
export function parseHash(text: string): HashFields {
  if (!GRAMMAR.test(text)) throw new HashError('ERR_HASH_MALFORMED');
  // The grammar matched, so the string has exactly seven '$'-separated fields.
  const [, registry, version, algorithm, parameters, salt, digest] = text.split('$') as [string, string, string, string, string, string, string];
  const fields: HashFields = {
    registry,
    version: Number(version.slice(2)),
    algorithm,
    parameters: parameters === '' ? [] : parameters.split(',').map(parseParameter),
    salt: Buffer.from(salt, 'base64url'),
    digest: Buffer.from(digest, 'base64url'),
  };
  // base64url leaves spare bits in the last character; only the canonical spelling is accepted,
  // so no two strings verify as the same hash.
  if (encodeHash(fields) !== text) throw new HashError('ERR_HASH_MALFORMED', 'not canonical');
  return fields;
}

// The grammar makes every parameter one letter, '=', and a number without leading zeros.
function parseParameter(text: string): readonly [string, number] {
  const name = text.slice(0, 1);
  const value = Number(text.slice(2));
  if (value > MAX_PARAMETER) throw new HashError('ERR_HASH_MALFORMED', `parameter ${name} out of range`);
  return [name, value];
}
