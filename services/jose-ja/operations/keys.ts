/**
 * Choosing the key for an operation. Signing and encrypting use the set's active key; verifying and
 * decrypting read the header first and pick among the usable keys by `kid`, after refusing any
 * header this service never produces.
 */
import { BadRequestError } from '../../template/errors/index.ts';
import type { PreparedKey } from '../../template/jose/index.ts';
import type { KeyChoice, KeySetUse } from '../ports.ts';
import { failure } from './outcome.ts';
import type { Outcome } from './outcome.ts';

/** A protected header joined with any unprotected one (RFC 7515 §4, RFC 7516 §4: the JOSE Header). */
export type Header = Readonly<Record<string, unknown>>;

/**
 * Members that would make us fetch a key, trust a key the object carries, decompress before
 * checking, or honour an extension we do not implement (RFC 7515 §4.1.2–4.1.5, §4.1.11; RFC 7516 §4.1.3).
 */
const REFUSED_MEMBERS = ['crit', 'zip', 'jku', 'jwk', 'x5u'] as const;

/** The set's keys when its use fits the operation; a sig set asked to encrypt (or the reverse) is the caller's mistake. */
export function requireUse(choice: KeyChoice, use: KeySetUse, operation: string): KeyChoice {
  const { name, use: actual } = choice.settings;
  if (actual !== use) throw new BadRequestError(`key set ${name} has use ${actual}; it cannot ${operation}`);
  return choice;
}

/** The paired sig set of an enc set, which signs the JWTs this set encrypts. */
export function requirePaired(choice: KeyChoice, operation: string): KeyChoice {
  if (choice.paired === undefined) throw new BadRequestError(`key set ${choice.settings.name} is an enc set with no paired sig set; it cannot ${operation}`);
  return choice.paired;
}

/**
 * The usable key the header names, once the header passes: no refused member, and exactly the
 * set's `alg` (and `enc`), so `none` or another algorithm never reaches a key.
 */
export function keyForHeader(choice: KeyChoice, header: Header): Outcome<PreparedKey> {
  const refused = REFUSED_MEMBERS.find((member) => header[member] !== undefined);
  if (refused !== undefined) return failure('malformed', `the JOSE header member ${refused} is not accepted`);
  const { row } = choice.active;
  if (header.alg !== row.alg || header.enc !== row.enc) return failure('algorithm', `key set ${choice.settings.name} accepts ${row.name} only`);
  const key = choice.usable.find((usable) => usable.kid === header.kid);
  if (key === undefined) return failure('unknownKey', `no usable key of set ${choice.settings.name} has this kid`);
  return { ok: true, value: key, kid: key.kid };
}
