/**
 * What a verification or decryption ends in: the value and the key that produced it, or the one
 * check that failed. JWT verify answers the failure as data; the other operations turn it into a
 * problem, and the audit trail records the check either way.
 */

/** The checks the contract names (`failed.check` of verifyJwt, `detail` of a failure audit row). */
export type Check =
  | 'malformed'
  | 'unknownKey'
  | 'algorithm'
  | 'signature'
  | 'decryption'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'notYetValid'
  | 'issuedInFuture'
  | 'missingClaim'
  | 'type';

export interface Failure {
  readonly ok: false;
  readonly check: Check;
  /** Says what was wrong without quoting the object, the payload or any key. */
  readonly detail: string;
  /** The key that was tried, once one was found. */
  readonly kid?: string;
}

export interface Success<T> {
  readonly ok: true;
  readonly value: T;
  readonly kid: string;
}

export type Outcome<T> = Success<T> | Failure;

export function failure(check: Check, detail: string, kid?: string): Failure {
  return kid === undefined ? { ok: false, check, detail } : { ok: false, check, detail, kid };
}

export function success<T>(value: T, kid: string): Success<T> {
  return { ok: true, value, kid };
}
