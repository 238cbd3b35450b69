import { ProblemError } from '../errors/index.ts';

/** Stable reasons a hash operation fails; tests and callers branch on these, never on messages. */
export type HashErrorReason =
  | 'ERR_HASH_MALFORMED'
  | 'ERR_HASH_UNKNOWN_REGISTRY'
  | 'ERR_HASH_WRONG_REGISTRY'
  | 'ERR_HASH_UNKNOWN_VERSION'
  | 'ERR_HASH_UNKNOWN_PEPPER'
  | 'ERR_HASH_INPUT_TOO_SHORT'
  | 'ERR_HASH_PEPPER_INVALID'
  | 'ERR_HASH_PARAMETERS_INVALID'
  | 'ERR_HASH_OVERLOADED';

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
  ERR_HASH_OVERLOADED: 'too many hashes are waiting; retry shortly',
});

/** Seconds a refused caller is asked to wait: a queue of a few hundred hashes drains in seconds. */
export const OVERLOADED_RETRY_AFTER_SECONDS = 1;

/**
 * Every hash failure, with a stable `reason` for code and a short message for operators. A 500 to
 * clients (a stored hash or the configuration is wrong, not the request), except an overload: a
 * 503 with Retry-After, since the same request succeeds once the queue has drained.
 */
export class HashError extends ProblemError {
  readonly reason: HashErrorReason;
  override readonly expose: boolean;

  constructor(reason: HashErrorReason, detail?: string) {
    const message = detail === undefined ? MESSAGES[reason] : `${MESSAGES[reason]}: ${detail}`;
    if (reason === 'ERR_HASH_OVERLOADED') {
      super(503, 'service_unavailable', 'Service Unavailable', { detail: message, headers: { 'Retry-After': String(OVERLOADED_RETRY_AFTER_SECONDS) } });
    } else {
      super(500, 'internal_error', 'Internal Server Error', { detail: message });
    }
    this.name = 'HashError';
    this.reason = reason;
    // The overload message names no input, pepper or hash: a client may read it.
    this.expose = reason === 'ERR_HASH_OVERLOADED';
  }
}
