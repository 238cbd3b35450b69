/**
 * Step-up (mfa-policy.ts): a live session that answers a login request (prompt, max_age) but is
 * weaker than the login must be gets the second factor only, never the password again; passing it
 * opens an upgraded session with both `amr`s and the original `auth_time`. A user with no factor
 * that reaches the level is sent back to identity-authz with `unmet_authentication_requirements`
 * (OIDC Core §3.1.2.6), which the client receives.
 */
import type { IdpUser } from '../entities.ts';
import type { LoginRequest } from '../login-request.ts';
import { factorsReaching, requiredAcr, sessionReaches } from '../mfa-policy.ts';
import { applicableFactors } from '../second-factors.ts';
import type { ActiveSession } from '../sessions.ts';
import { consentUrl, seeOther, type IdpPages, type PageContext } from './context.ts';
import { beginSecondFactor } from './second-factor.ts';

/** Back to identity-authz with `unmet_authentication_requirements` for `user`'s login. */
export async function refuseUnmet(ctx: PageContext, idp: IdpPages, request: LoginRequest, user: IdpUser): Promise<void> {
  seeOther(ctx, await idp.signer.redirectUrl(request, {
    subject: user.id,
    authTime: Math.floor(idp.now().getTime() / 1000),
    amr: [],
    username: user.username,
    email: user.email,
    decision: 'unmet',
  }));
}

/** A session that answers `request`: on to consent when it is strong enough, else the step-up or the refusal. */
export async function continueSession(ctx: PageContext, idp: IdpPages, request: LoginRequest, active: ActiveSession): Promise<void> {
  const { em } = ctx.state;
  const { session, user } = active;
  const required = await requiredAcr(em, idp.mfa, request, user);
  if (sessionReaches(session.amr, required)) {
    seeOther(ctx, consentUrl(request));
    return;
  }
  if (factorsReaching(await applicableFactors(idp.factors, em, user), required).length === 0) {
    await refuseUnmet(ctx, idp, request, user);
    return;
  }
  await beginSecondFactor(ctx, idp, request, user, { amr: session.amr.split(' '), authTime: session.authTime });
}
