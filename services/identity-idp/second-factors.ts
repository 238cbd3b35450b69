/**
 * The seam where multi-factor authentication plugs in (DESIGN: TOTP, WebAuthn passkeys, recovery
 * codes come later). After the password is verified, the login passes through every factor that
 * applies to the user, in order; each one that passes adds its RFC 8176 `amr` value to the result.
 * The list is empty in this version, so `amr` is `['pwd']` alone.
 */
import type { IdpUser } from './entities.ts';

/** What a factor sees of the login in progress. */
export interface SecondFactorContext {
  readonly user: IdpUser;
  /** The posted form of the login, where a factor's own fields will travel. */
  readonly form: URLSearchParams;
}

export interface SecondFactor {
  /** RFC 8176 §2 method reference, e.g. `otp` (TOTP) or `hwk` (a passkey). */
  readonly amr: string;
  /** Whether this user has enrolled the factor. */
  appliesTo(user: IdpUser): Promise<boolean>;
  /** Checks the factor; throws a ProblemError (the page shows it) to refuse the login. */
  verify(context: SecondFactorContext): Promise<void>;
}

/** The factors of this build, in the order a login passes through them. */
export const SECOND_FACTORS: readonly SecondFactor[] = [];

/** Runs every applicable factor; the `amr` values of a login that passed them all. */
export async function passSecondFactors(factors: readonly SecondFactor[], context: SecondFactorContext): Promise<string[]> {
  const amr = ['pwd'];
  for (const factor of factors) {
    if (!(await factor.appliesTo(context.user))) continue;
    await factor.verify(context);
    amr.push(factor.amr);
  }
  return amr;
}
