/**
 * Who must use a second factor, and how strong a login must be (acr.ts). A login must reach the
 * stronger of what identity-authz asks (the client's `mfa: required`, the request's `acr_values`)
 * and what this idp's own policy asks of the user: `idp.mfa.required` for everyone, or membership
 * of one of `idp.mfa.requiredGroups`.
 */
import type { EntityManager } from '@mikro-orm/core';
import { ACR_MFA, ACR_PWD, acrOf, satisfies, stronger, type Acr } from './acr.ts';
import type { IdpUser } from './entities.ts';
import { groupsOf } from './groups.ts';
import type { LoginRequest } from './login-request.ts';
import { amrAfter, type SecondFactor } from './second-factors.ts';

/** `idp.mfa`. */
export interface MfaPolicy {
  readonly required: boolean;
  readonly requiredGroups: readonly string[];
}

/** Whether this idp's own policy makes `user` use a second factor. */
export async function policyRequiresMfa(em: EntityManager, policy: MfaPolicy, user: IdpUser): Promise<boolean> {
  if (policy.required) return true;
  if (policy.requiredGroups.length === 0) return false;
  const groups = await groupsOf(em, user.id);
  return groups.some((group) => policy.requiredGroups.includes(group));
}

/** The level a login of `user` for `request` must reach. */
export async function requiredAcr(em: EntityManager, policy: MfaPolicy, request: LoginRequest, user: IdpUser): Promise<Acr> {
  const asked = request.acr ?? ACR_PWD;
  if (satisfies(asked, ACR_MFA)) return asked;
  return await policyRequiresMfa(em, policy, user) ? stronger(asked, ACR_MFA) : asked;
}

/** The factors that take a login to `required` (only a passkey reaches phr). */
export function factorsReaching(factors: readonly SecondFactor[], required: Acr): SecondFactor[] {
  return factors.filter((factor) => satisfies(acrOf(amrAfter(factor)), required));
}

/** Whether a session signed in with `amr` (space-separated, as stored) reaches `required`. */
export function sessionReaches(amr: string, required: Acr): boolean {
  return satisfies(acrOf(amr.split(' ')), required);
}
