/**
 * The signed-in user's two-step verification (`/account/totp`, `/account/recovery-codes`). A
 * session is required: the pages act on the user who signed in in this browser. Turning TOTP on
 * takes one valid code from the new authenticator; new recovery codes take the password and a
 * current code (signing in again), each attempt counted by the lockout and the throttle as a login.
 */
import QRCode from 'qrcode';
import { ForbiddenError } from '../../template/errors/index.ts';
import { SESSION_COOKIE, readCookie } from '../cookies.ts';
import { checkCsrf, csrfToken } from '../csrf.ts';
import type { IdpUser } from '../entities.ts';
import { readForm } from '../forms.ts';
import { enrolPage, recoveryCodesPage, statusPage } from '../pages/account.ts';
import type { TotpEnrolment } from '../totp.ts';
import { sendPage, type IdpPages, type PageContext, type PageHandler } from './context.ts';
import { reserveAttempt } from './attempts.ts';
import { lockedMessage } from './login.ts';
import { WRONG_CODE } from './second-factor.ts';

/** The user of this browser's session; pages of an account are refused without one. */
async function signedInUser(ctx: PageContext, idp: IdpPages): Promise<IdpUser> {
  const active = await idp.sessions.find(ctx.state.em, readCookie(ctx, SESSION_COOKIE));
  if (active === undefined) throw new ForbiddenError('sign in through an application first, then come back to this page');
  return active.user;
}

async function renderEnrolment(ctx: PageContext, status: number, enrolment: TotpEnrolment, error?: string): Promise<void> {
  const qrSvg = await QRCode.toString(enrolment.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  sendPage(ctx, status, enrolPage({ csrf: csrfToken(ctx), ...enrolment, qrSvg, error }));
}

async function renderStatus(ctx: PageContext, idp: IdpPages, user: IdpUser, status: number, error?: string): Promise<void> {
  sendPage(ctx, status, statusPage({ csrf: csrfToken(ctx), remaining: await idp.recoveryCodes.remaining(ctx.state.em, user.id), error }));
}

/** GET /account/totp: enrolment, or the status once TOTP is on. */
export const showTotp: PageHandler = async (ctx, idp) => {
  const user = await signedInUser(ctx, idp);
  const enrolment = await idp.totp.enrolment(ctx.state.em, user);
  if (enrolment === undefined) await renderStatus(ctx, idp, user, 200);
  else await renderEnrolment(ctx, 200, enrolment);
};

/** POST /account/totp: one valid code confirms the authenticator; the recovery codes are shown once. */
export const confirmTotp: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const user = await signedInUser(ctx, idp);
  const { em } = ctx.state;
  const enrolment = await idp.totp.enrolment(em, user);
  if (enrolment === undefined) {
    await renderStatus(ctx, idp, user, 409, 'Two-step verification is already on.');
    return;
  }
  if (!(await idp.totp.verify(em, user.id, form.get('code') ?? '', true))) {
    await renderEnrolment(ctx, 400, enrolment, WRONG_CODE);
    return;
  }
  sendPage(ctx, 200, recoveryCodesPage(await idp.recoveryCodes.replace(em, user.id)));
};

/** POST /account/recovery-codes: the password and a current code, then ten new codes replace the old. */
export const regenerateRecoveryCodes: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const user = await signedInUser(ctx, idp);
  const { em } = ctx.state;
  const attempt = await reserveAttempt(ctx, idp, user);
  if (attempt.lockedUntil !== undefined) {
    await renderStatus(ctx, idp, user, 403, lockedMessage(attempt.lockedUntil));
    return;
  }
  const password = form.get('password') ?? '';
  // Both are checked whatever the first says: the answer does not tell which one was wrong.
  const passwordRight = password !== '' && password.length <= 256 && await idp.hash.lowEntropyRandom.verify(password, user.passwordHash);
  const codeRight = await idp.totp.verify(em, user.id, form.get('code') ?? '');
  if (!passwordRight || !codeRight) {
    const nowLocked = await attempt.failed();
    if (nowLocked === undefined) await renderStatus(ctx, idp, user, 401, 'The password or the code is incorrect.');
    else await renderStatus(ctx, idp, user, 403, lockedMessage(nowLocked));
    return;
  }
  await attempt.succeeded();
  sendPage(ctx, 200, recoveryCodesPage(await idp.recoveryCodes.replace(em, user.id)));
};
