/**
 * GET and POST /login/second-factor: the step between the password and consent for a user with a
 * second factor. The password page opened a pending login bound to this browser and this login
 * request; this page takes one factor (a TOTP code or a recovery code). Every attempt is counted
 * as a password is (attempts.ts), so a wrong code is a failed login; the one that passes releases
 * the count and opens the session.
 */
import { BadRequestError } from '../../template/errors/index.ts';
import { PENDING_COOKIE, readCookie, setCookie } from '../cookies.ts';
import { checkCsrf, csrfToken } from '../csrf.ts';
import type { IdpUser } from '../entities.ts';
import { readForm } from '../forms.ts';
import type { LoginRequest } from '../login-request.ts';
import { factorsReaching, requiredAcr } from '../mfa-policy.ts';
import { PENDING_LOGIN_SECONDS, type PendingLogin, type StepUpBase } from '../pending-logins.ts';
import { noticePage, secondFactorPage } from '../pages/second-factor.ts';
import { amrAfter, applicableFactors, type SecondFactor } from '../second-factors.ts';
import { consentUrl, loginUrl, queryValue, secondFactorUrl, seeOther, sendPage, type IdpPages, type PageContext, type PageHandler } from './context.ts';
import { reserveAttempt } from './attempts.ts';
import { lockedMessage } from './login.ts';
import { startSession } from './session-start.ts';

export const WRONG_CODE = 'The code is incorrect or was already used.';
export const WRONG_PASSKEY = 'That passkey could not sign you in. Try again with a passkey registered for this account.';

/** After a right password (or for a step-up of a live session): the pending login, its cookie, and the browser sent to this page. */
export async function beginSecondFactor(ctx: PageContext, idp: IdpPages, request: LoginRequest, user: IdpUser, stepUp?: StepUpBase): Promise<void> {
  const token = await idp.pendingLogins.create(ctx.state.em, user, request.id, stepUp);
  // Strict: only this site's own pages carry it, and it ends with the step.
  setCookie(ctx, PENDING_COOKIE, token, { sameSite: 'Strict', maxAgeSeconds: PENDING_LOGIN_SECONDS });
  seeOther(ctx, secondFactorUrl(request));
}

/** The factors of `pending`'s user that take this login to the level it must reach. */
async function offeredFactors(ctx: PageContext, idp: IdpPages, request: LoginRequest, pending: PendingLogin): Promise<SecondFactor[]> {
  const { em } = ctx.state;
  return factorsReaching(await applicableFactors(idp.factors, em, pending.user), await requiredAcr(em, idp.mfa, request, pending.user));
}

/** The page with the forms of the factors offered to `pending`'s user; a passkey form gets a new challenge. */
async function render(ctx: PageContext, idp: IdpPages, request: LoginRequest, pending: PendingLogin, status: number, error?: string): Promise<void> {
  const { em } = ctx.state;
  const methods = (await offeredFactors(ctx, idp, request, pending)).map((factor) => factor.method);
  const passkeyOptions = methods.includes('passkey')
    ? JSON.stringify(await idp.passkeys.authenticationOptions(em, 'second-factor', pending.id, pending.user.id))
    : undefined;
  sendPage(ctx, status, secondFactorPage({
    clientName: request.clientName,
    challenge: request.challenge,
    csrf: csrfToken(ctx),
    error,
    totp: methods.includes('totp'),
    ...(passkeyOptions === undefined ? {} : { passkeyOptions }),
  }));
}

/** The pending login of this browser for `request`, or undefined after sending it back to the password page. */
async function pendingFor(ctx: PageContext, idp: IdpPages, request: LoginRequest): Promise<PendingLogin | undefined> {
  const pending = await idp.pendingLogins.find(ctx.state.em, readCookie(ctx, PENDING_COOKIE), request.id);
  if (pending === undefined) seeOther(ctx, loginUrl(request));
  return pending;
}

export const showSecondFactor: PageHandler = async (ctx, idp) => {
  const request = await idp.verifier.verify(queryValue(ctx, 'login_challenge'));
  const pending = await pendingFor(ctx, idp, request);
  if (pending === undefined) return;
  await render(ctx, idp, request, pending, 200);
};

export const submitSecondFactor: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const request = await idp.verifier.verify(form.get('login_challenge'));
  const pending = await pendingFor(ctx, idp, request);
  if (pending === undefined) return;
  const { user } = pending;
  const { em } = ctx.state;
  const factor = (await offeredFactors(ctx, idp, request, pending)).find((candidate) => candidate.method === form.get('method'));
  if (factor === undefined) throw new BadRequestError('choose one of the ways this page offers: a passkey, the code from your authenticator app or a recovery code');

  const attempt = await reserveAttempt(ctx, idp, user);
  if (attempt.lockedUntil !== undefined) {
    await render(ctx, idp, request, pending, 403, lockedMessage(attempt.lockedUntil));
    return;
  }
  const passed = await factor.verify({ em, user, form, pendingId: pending.id });
  if (passed === undefined) {
    const nowLocked = await attempt.failed();
    if (nowLocked === undefined) await render(ctx, idp, request, pending, 401, factor.method === 'passkey' ? WRONG_PASSKEY : WRONG_CODE);
    else await render(ctx, idp, request, pending, 403, lockedMessage(nowLocked));
    return;
  }
  // One pending login opens one session, whatever else was submitted in parallel.
  if (!(await idp.pendingLogins.finish(em, pending.id))) {
    seeOther(ctx, loginUrl(request));
    return;
  }
  await attempt.succeeded();
  setCookie(ctx, PENDING_COOKIE, '', { sameSite: 'Strict', maxAgeSeconds: 0 });
  // A step-up keeps what the session was signed in with, and when its password was checked.
  await startSession(ctx, idp, user, amrAfter(factor, passed, pending.stepUp?.amr), pending.stepUp?.authTime);
  if (passed.notice === undefined) seeOther(ctx, consentUrl(request));
  else sendPage(ctx, 200, noticePage(passed.notice, consentUrl(request)));
};
