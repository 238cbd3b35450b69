/**
 * The signed-in user's two-step verification (`/account/totp`, `/account/recovery-codes`); the
 * session and signing-in-again steps are shared with the passkey pages (passkeys.ts). A
 * session is required: the pages act on the user who signed in in this browser. Turning TOTP on
 * takes the password and one valid code from the new authenticator; new recovery codes take the
 * password and a current code; turning it off takes the password and a current code or an unused
 * recovery code (a stolen session alone cannot take the second step away). Each attempt is counted
 * by the lockout and the throttle as a login.
 */
import QRCode from 'qrcode';
import { ConflictError, ForbiddenError } from '../../template/errors/index.ts';
import { SESSION_COOKIE, readCookie } from '../cookies.ts';
import { checkCsrf, csrfToken } from '../csrf.ts';
import { IdpPendingLogin, IdpRecoveryCode, IdpTotp, type IdpUser } from '../entities.ts';
import { readForm } from '../forms.ts';
import { enrolPage, recoveryCodesPage, statusPage, totpOffPage } from '../pages/account.ts';
import type { TotpEnrolment } from '../totp.ts';
import type { ActiveSession } from '../sessions.ts';
import { sendPage, type IdpPages, type PageContext, type PageHandler } from './context.ts';
import { reserveAttempt } from './attempts.ts';
import { lockedMessage } from './login.ts';

/** This browser's session and its user; pages of an account are refused without one. */
export async function signedInSession(ctx: PageContext, idp: IdpPages): Promise<ActiveSession> {
  const active = await idp.sessions.find(ctx.state.em, readCookie(ctx, SESSION_COOKIE));
  if (active === undefined) throw new ForbiddenError('sign in through an application first, then come back to this page');
  return active;
}

async function signedInUser(ctx: PageContext, idp: IdpPages): Promise<IdpUser> {
  return (await signedInSession(ctx, idp)).user;
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

export const WRONG_PASSWORD_OR_CODE = 'The password or the code is incorrect.';

export const WRONG_PASSWORD = 'The password is incorrect.';

/**
 * Signing in again on an account page: the password and, when `code` is given, what it checks (a
 * code of the authenticator), counted as a login. Undefined when both are right, else what to show.
 */
export async function signInAgain(
  ctx: PageContext,
  idp: IdpPages,
  user: IdpUser,
  form: URLSearchParams,
  code?: () => Promise<boolean>,
): Promise<{ status: number; error: string } | undefined> {
  const attempt = await reserveAttempt(ctx, idp, user);
  if (attempt.lockedUntil !== undefined) return { status: 403, error: lockedMessage(attempt.lockedUntil) };
  const password = form.get('password') ?? '';
  const passwordRight = password !== '' && password.length <= 256 && await idp.hash.lowEntropyRandom.verify(password, user.passwordHash);
  // The code only after the right password: checking it consumes its step (and confirms a new
  // authenticator). The answer is the same either way.
  const codeRight = passwordRight && (code === undefined || await code());
  if (passwordRight && codeRight) {
    await attempt.succeeded();
    return undefined;
  }
  const nowLocked = await attempt.failed();
  return nowLocked === undefined ? { status: 401, error: code === undefined ? WRONG_PASSWORD : WRONG_PASSWORD_OR_CODE } : { status: 403, error: lockedMessage(nowLocked) };
}

/** The password and a code of the authenticator (the new one when `confirming`). */
function refusal(ctx: PageContext, idp: IdpPages, user: IdpUser, form: URLSearchParams, confirming: boolean): Promise<{ status: number; error: string } | undefined> {
  return signInAgain(ctx, idp, user, form, () => idp.totp.verify(ctx.state.em, user.id, form.get('code') ?? '', confirming));
}

/**
 * POST /account/totp: the password and one valid code of the new authenticator turn it on (a
 * stolen session alone cannot put an attacker's authenticator on the account); the recovery codes
 * are shown once.
 */
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
  const refused = await refusal(ctx, idp, user, form, true);
  if (refused !== undefined) {
    await renderEnrolment(ctx, refused.status, enrolment, refused.error);
    return;
  }
  sendPage(ctx, 200, recoveryCodesPage(await idp.recoveryCodes.replace(em, user.id)));
};

/** POST /account/recovery-codes: the password and a current code, then ten new codes replace the old. */
export const regenerateRecoveryCodes: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const user = await signedInUser(ctx, idp);
  const refused = await refusal(ctx, idp, user, form, false);
  if (refused !== undefined) {
    await renderStatus(ctx, idp, user, refused.status, refused.error);
    return;
  }
  sendPage(ctx, 200, recoveryCodesPage(await idp.recoveryCodes.replace(ctx.state.em, user.id)));
};

export const TOTP_NOT_ON = 'Two-step verification is not on.';

/**
 * POST /account/totp/off: the password and a current code (six digits) or an unused recovery code
 * (which it consumes), then the authenticator, the recovery codes and the logins waiting on a
 * second step go, in one transaction. Passkeys stay: they are managed on their own page.
 */
export const turnOffTotp: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const user = await signedInUser(ctx, idp);
  const { em } = ctx.state;
  if (!await idp.totp.confirmed(em, user.id)) throw new ConflictError(TOTP_NOT_ON);
  const code = form.get('code') ?? '';
  const refused = await signInAgain(ctx, idp, user, form, async () => (/^\d{6}$/.test(code)
    ? idp.totp.verify(em, user.id, code)
    : await idp.recoveryCodes.use(em, user.id, code) !== undefined));
  if (refused !== undefined) {
    await renderStatus(ctx, idp, user, refused.status, refused.error);
    return;
  }
  await em.transactional(async (tx) => {
    await tx.nativeDelete(IdpTotp, { userId: user.id });
    await tx.nativeDelete(IdpRecoveryCode, { userId: user.id });
    await tx.nativeDelete(IdpPendingLogin, { userId: user.id });
  });
  sendPage(ctx, 200, totpOffPage());
};
