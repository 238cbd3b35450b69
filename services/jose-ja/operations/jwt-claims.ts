/**
 * The claim checks of JWT verification (RFC 7519 §4.1), one row each, run in order after the
 * signature: the first that fails is the answer. Times are NumericDate seconds with leeway for clock skew.
 */
import { failure } from './outcome.ts';
import type { Failure } from './outcome.ts';

export type Claims = Readonly<Record<string, unknown>>;

/** What the caller and the key set expect of the claims. */
export interface Expectations {
  readonly issuer: string;
  readonly audience: string | undefined;
  readonly requiredClaims: readonly string[];
  readonly leewaySeconds: number;
  /** Seconds since the epoch. */
  readonly now: number;
}

type ClaimCheck = (claims: Claims, expected: Expectations) => Failure | undefined;

/** RFC 7519 §4.1.3: `aud` is one string or an array of them. */
function audiences(aud: unknown): readonly unknown[] {
  return Array.isArray(aud) ? aud : [aud];
}

/** True when the claim is absent, or a NumericDate no later than `latest`. */
function absentOrBy(value: unknown, latest: number): boolean {
  return value === undefined || (typeof value === 'number' && value <= latest);
}

const CLAIM_CHECKS: readonly ClaimCheck[] = [
  (claims, expected) => (claims.iss === expected.issuer ? undefined : failure('issuer', 'iss is not the issuer of this key set')),
  (claims, expected) =>
    expected.audience === undefined || audiences(claims.aud).includes(expected.audience) ? undefined : failure('audience', 'aud does not name the expected audience'),
  // §4.1.4: not accepted on or after exp. Every JWT this service issues has one, so none is not "never expires".
  (claims, expected) =>
    typeof claims.exp === 'number' && expected.now - expected.leewaySeconds < claims.exp ? undefined : failure('expired', 'exp has passed or is not a NumericDate'),
  (claims, expected) => (absentOrBy(claims.nbf, expected.now + expected.leewaySeconds) ? undefined : failure('notYetValid', 'nbf is still ahead')),
  (claims, expected) => (absentOrBy(claims.iat, expected.now + expected.leewaySeconds) ? undefined : failure('issuedInFuture', 'iat is in the future')),
  (claims, expected) => {
    // Own members only: a name such as `constructor` or `__proto__` is not a claim the token carries.
    const missing = expected.requiredClaims.find((name) => !Object.hasOwn(claims, name));
    return missing === undefined ? undefined : failure('missingClaim', `the claim ${missing} is missing`);
  },
];

/** The first claim check the claims fail, or `undefined` when they pass every one. */
export function claimFailure(claims: Claims, expected: Expectations): Failure | undefined {
  for (const check of CLAIM_CHECKS) {
    const failed = check(claims, expected);
    if (failed !== undefined) return failed;
  }
  return undefined;
}
