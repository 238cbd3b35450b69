// @ts-nocheck
import { InternalError } from '../errors/index.ts';

/** Stable reasons a hash operation fails; tests and callers branch on these, never on messages. */
export type HashErrorReason =
  | 'ERR_HASH_MALFORMED'
  | 'ERR_HASH_UNKNOWN_REGISTRY'
  | 'ERR_HASH_WRONG_REGISTRY'
  | 'ERR_HASH_UNKNOWN_VERSION'
  | 'ERR_HASH_UNKNOWN_PEPPER'
  | 'ERR_HASH_INPUT_TOO_SHORT'
  | 'ERR_HASH_PEPPER_INVALID'
  | 'ERR_HASH_PARAMETERS_INVALID';

// One sentence per reason: the message never carries the input, the pepper or the hash string.
const MESSAGES: Readonly<Record<HashErrorReason, string>> = Object.assign(Object.create(null) as object, {
  ERR_HASH_MALFORMED: 'hash string is malformed',
  ERR_HASH_UNKNOWN_REGISTRY: 'hash string names an unknown registry',
  ERR_HASH_WRONG_REGISTRY: 'hash string belongs to another registry',
  ERR_HASH_UNKNOWN_VERSION: 'unknown hash version',
  ERR_HASH_UNKNOWN_PEPPER: 'hash string names a pepper version that is not configured',
  ERR_HASH_INPUT_TOO_SHORT: 'input is too short for this registry',
  ERR_HASH_PEPPER_INVALID: 'pepper configuration is invalid',
  ERR_HASH_PARAMETERS_INVALID: 'hash parameters are invalid',
});

/**
 * Every hash failure: a 500 to clients (a stored hash or the configuration is wrong, not the
 * request), with a stable `reason` for code and a short message for operators.
 */
export class HashError extends InternalError {
  readonly reason: HashErrorReason;

  constructor(reason: HashErrorReason, detail?: string) {
    super();
    this.name = 'HashError';
    this.reason = reason;
    this.message = detail === undefined ? MESSAGES[reason] : `${MESSAGES[reason]}: ${detail}`;
  }
}
