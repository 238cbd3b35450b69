/**
 * The seam where multi-factor authentication plugs in (DESIGN: TOTP, WebAuthn passkeys, recovery
 * codes). After the password, a user to whom a factor applies does not get a session yet: the login
 * waits on its own page (`/login/second-factor`) until one applicable factor passes, and the login's
 * `amr` (RFC 8176) becomes `pwd`, the factor's values and `mfa`. A factor is one row of the list
 * `secondFactors` builds; adding a row adds a way to pass the step.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { IdpUser } from './entities.ts';
import type { Passkeys } from './passkeys.ts';
import type { RecoveryCodes } from './recovery-codes.ts';
import type { TotpAuthenticators } from './totp.ts';

/** What a factor sees of the login in progress. */
export interface SecondFactorContext {
  readonly em: EntityManager;
  readonly user: IdpUser;
  /** The posted form of the second-factor page, where the factor's own fields travel. */
  readonly form: URLSearchParams;
  /** The pending login's id: what a passkey challenge of this step is bound to. */
  readonly pendingId: string;
}

/**
 * A factor that passed; `notice` is shown to the user before the login goes on, `amr` replaces
 * the factor's own values when the one used decides them (a passkey is `hwk` or `swk`).
 */
export interface PassedFactor {
  readonly notice?: string;
  readonly amr?: readonly string[];
}

export interface SecondFactor {
  /** The form's `method` value that chooses this factor. */
  readonly method: string;
  /** RFC 8176 §2 method references this factor adds, e.g. `otp`. */
  readonly amr: readonly string[];
  /** Whether this user has enrolled the factor. */
  appliesTo(em: EntityManager, user: IdpUser): Promise<boolean>;
  /** Checks and consumes the factor; undefined refuses it (a failed attempt, counted as a wrong password is). */
  verify(context: SecondFactorContext): Promise<PassedFactor | undefined>;
}

/** The factors that apply to `user`, in list order: none means the password alone signs in. */
export async function applicableFactors(factors: readonly SecondFactor[], em: EntityManager, user: IdpUser): Promise<SecondFactor[]> {
  const applicable: SecondFactor[] = [];
  for (const factor of factors) {
    if (await factor.appliesTo(em, user)) applicable.push(factor);
  }
  return applicable;
}

/**
 * RFC 8176 §2: what came before (the password, or the `amr` of the session a step-up upgrades),
 * what the factor adds, and `mfa` since two factors were used.
 */
export function amrAfter(factor: Pick<SecondFactor, 'amr'>, passed: PassedFactor = {}, before: readonly string[] = ['pwd']): string[] {
  return [...new Set([...before, ...(passed.amr ?? factor.amr), 'mfa'])];
}

/** `9 recovery codes left.`, with the right number. */
export function recoveryCodesLeft(count: number): string {
  return `${String(count)} recovery code${count === 1 ? '' : 's'} left.`;
}

export interface SecondFactorParts {
  readonly totp: TotpAuthenticators;
  readonly recoveryCodes: RecoveryCodes;
  readonly passkeys: Passkeys;
}

/**
 * The factors of this build. A recovery code stands in for the TOTP code and reports `otp` too:
 * it is a one-time password, and RFC 8176 has no value of its own for it
 * (docs/identity-idp/second-factors.md).
 */
export function secondFactors({ totp, recoveryCodes, passkeys }: SecondFactorParts): SecondFactor[] {
  return [
    {
      method: 'totp',
      amr: ['otp'],
      appliesTo: (em, user) => totp.confirmed(em, user.id),
      verify: async ({ em, user, form }) => (await totp.verify(em, user.id, form.get('code') ?? '') ? {} : undefined),
    },
    {
      method: 'recovery',
      amr: ['otp'],
      // Codes exist only beside a confirmed authenticator: they replace it, never stand alone.
      appliesTo: (em, user) => totp.confirmed(em, user.id),
      verify: async ({ em, user, form }) => {
        const left = await recoveryCodes.use(em, user.id, form.get('code') ?? '');
        return left === undefined ? undefined : { notice: `You signed in with a recovery code. ${recoveryCodesLeft(left)}` };
      },
    },
    {
      method: 'passkey',
      amr: ['hwk'],
      appliesTo: (em, user) => passkeys.has(em, user.id),
      verify: async ({ em, user, form, pendingId }) => {
        const response = form.get('response');
        const passkey = await passkeys.claimed(em, response);
        // Another user's passkey is no second factor of this one.
        const used = passkey?.userId === user.id ? await passkeys.authenticate(em, 'second-factor', pendingId, passkey, response) : undefined;
        return used === undefined ? undefined : { amr: [used.amr] };
      },
    },
  ];
}
