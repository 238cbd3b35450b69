/**
 * GET and POST /consent: the logged-in user sees which client asks for which scopes and allows or
 * denies. Either way the browser goes back to identity-authz with a signed login result; a denial
 * carries `error: access_denied` (RFC 6749 §4.1.2.1) and no scope. The page lists, and an
 * allowance grants, only the requested scopes the user is entitled to (groups.ts). No consent is
 * remembered yet, so the page shows on every authorization.
 */
import { BadRequestError } from '../../template/errors/index.ts';
import { SESSION_COOKIE, readCookie } from '../cookies.ts';
import { checkCsrf, csrfToken } from '../csrf.ts';
import { readForm } from '../forms.ts';
import type { LoginRequest } from '../login-request.ts';
import { entitledScopes, entitlementOf } from '../groups.ts';
import { requiredAcr, sessionReaches } from '../mfa-policy.ts';
import { consentPage } from '../pages/consent.ts';
import type { ActiveSession } from '../sessions.ts';
import { pagePolicy } from './page-policy.ts';
import { loginUrl, queryValue, seeOther, sendPage, sessionSatisfies, type IdpPages, type PageContext, type PageHandler } from './context.ts';

/** What the consent grants: the scopes asked for that the user is entitled to. */
async function grantable(ctx: PageContext, request: LoginRequest, active: ActiveSession): Promise<string[]> {
  return entitledScopes(request.scopes, await entitlementOf(ctx.state.em, active.user.id));
}

/**
 * The session that may consent to `request` (recent enough, and as strong as the login must be),
 * or undefined after redirecting the browser to log in (which steps a weak session up).
 */
async function sessionFor(ctx: PageContext, idp: IdpPages, request: LoginRequest): Promise<ActiveSession | undefined> {
  const { em } = ctx.state;
  const active = await idp.sessions.find(em, readCookie(ctx, SESSION_COOKIE));
  if (active !== undefined && sessionSatisfies(request, active.session, idp.now())
    && sessionReaches(active.session.amr, await requiredAcr(em, idp.mfa, request, active.user))) return active;
  seeOther(ctx, loginUrl(request));
  return undefined;
}

export const showConsent: PageHandler = async (ctx, idp) => {
  const request = await idp.verifier.verify(queryValue(ctx, 'login_challenge'));
  const active = await sessionFor(ctx, idp, request);
  if (active === undefined) return;
  // The post answers 303 to identity-authz, which answers 303 to one of the client's redirect URIs.
  ctx.set('Content-Security-Policy', pagePolicy([new URL(request.returnTo).origin, ...request.redirectOrigins]));
  sendPage(ctx, 200, consentPage({
    clientName: request.clientName,
    username: active.user.username,
    scopes: await grantable(ctx, request, active),
    challenge: request.challenge,
    csrf: csrfToken(ctx),
  }));
};

export const submitConsent: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const request = await idp.verifier.verify(form.get('login_challenge'));
  const decision = form.get('decision');
  if (decision !== 'allow' && decision !== 'deny') throw new BadRequestError('choose Allow or Deny');
  const active = await sessionFor(ctx, idp, request);
  if (active === undefined) return;
  const { session, user } = active;
  seeOther(ctx, await idp.signer.redirectUrl(request, {
    subject: user.id,
    authTime: Math.floor(session.authTime.getTime() / 1000),
    amr: session.amr.split(' '),
    username: user.username,
    email: user.email,
    // Allowing grants what the page listed: per-scope choice is not offered in this version.
    decision: decision === 'allow' ? await grantable(ctx, request, active) : 'denied',
  }));
};
