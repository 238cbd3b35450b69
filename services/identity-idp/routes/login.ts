/**
 * GET and POST /login. The password is checked by the hash service (PBKDF2 in the thread pool, the
 * event loop stays free). An unknown username costs the same hash as a wrong password and gets the
 * same message (OWASP Authentication Cheat Sheet, "Authentication and Error Messages"), a lockout
 * says so and until when, and failures from one address are throttled.
 */
import { randomUUID } from 'node:crypto';
import { TooManyRequestsError } from '../../template/errors/index.ts';
import { HashError, type HashAdmission } from '../../template/hash/index.ts';
import { rateLimitKey } from '../../template/middleware/client-address.ts';
import { SESSION_COOKIE, readCookie } from '../cookies.ts';
import { checkCsrf, csrfToken } from '../csrf.ts';
import { IdpUser } from '../entities.ts';
import type { LockoutSubject } from '../lockout.ts';
import { readForm } from '../forms.ts';
import { replacePasswordHash } from '../users.ts';
import type { LoginRequest } from '../login-request.ts';
import { loginPage } from '../pages/login.ts';
import { ACR_PWD, satisfies } from '../acr.ts';
import { factorsReaching, requiredAcr } from '../mfa-policy.ts';
import { applicableFactors } from '../second-factors.ts';
import { beginSecondFactor } from './second-factor.ts';
import { continueSession, refuseUnmet } from './step-up.ts';
import { startSession } from './session-start.ts';
import { consentUrl, queryValue, seeOther, sendPage, sessionSatisfies, type IdpPages, type PageContext, type PageHandler } from './context.ts';

/** The admin API's longest password: a longer one cannot be stored, so it is not hashed. */
const PASSWORD_MAX = 256;

/** The admin API's rule for a username: what cannot be a stored one is not looked up. */
function mayBeUsername(value: string): boolean {
  return /^[A-Za-z0-9._-]{3,64}$/.test(value);
}

/** `2026-11-27 10:15:00 UTC`: a reader anywhere can tell when the lock ends. */
export function utcTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function lockedMessage(until: Date): string {
  return `This account is locked after too many failed sign-ins, until ${utcTime(until)}. Try again after that time or ask an administrator to unlock it.`;
}

/** What the login page says when the password checks are overloaded (503, Retry-After). */
export const OVERLOADED_MESSAGE = 'Too many sign-ins are being checked right now. Nothing was counted against your account: please try again in a moment.';

/**
 * A hash of a random password, made once per service, for unknown usernames to be checked against.
 * It is made in the caller's gate admission; one that failed (an overload) is tried again next time.
 */
export function decoyHash(hash: IdpPages['hash']): (admission?: HashAdmission) => Promise<string> {
  let decoy: Promise<string> | undefined;
  return (admission) => {
    decoy ??= hash.lowEntropyRandom.hashWithLatest(randomUUID(), admission).catch((error: unknown) => {
      decoy = undefined;
      throw error;
    });
    return decoy;
  };
}

/**
 * The password check, after the attempt has been reserved: the user it signs in, or undefined. An
 * unknown user is checked against the decoy hash: the same work, so the answer time does not tell
 * whether the account exists.
 */
async function signedInUser(idp: IdpPages, user: IdpUser | null, password: string, admission: HashAdmission): Promise<IdpUser | undefined> {
  if (password === '' || password.length > PASSWORD_MAX) return undefined;
  if (user === null) {
    await idp.hash.lowEntropyRandom.verify(password, await idp.decoyHash(admission), admission);
    return undefined;
  }
  return await idp.hash.lowEntropyRandom.verify(password, user.passwordHash, admission) ? user : undefined;
}

/** The login page; its passkey button gets a new challenge bound to this login request. */
export async function renderLogin(ctx: PageContext, idp: IdpPages, request: LoginRequest, status: number, username: string | undefined, error?: string): Promise<void> {
  const passkeyOptions = JSON.stringify(await idp.passkeys.authenticationOptions(ctx.state.em, 'login', request.id));
  sendPage(ctx, status, loginPage({ clientName: request.clientName, challenge: request.challenge, csrf: csrfToken(ctx), username, error, passkeyOptions }));
}

/**
 * GET /login: the form, unless a session already answers the request and it does not ask for a new
 * login; such a session goes on to consent, or to a step-up when it is too weak (step-up.ts).
 */
export const showLogin: PageHandler = async (ctx, idp) => {
  const request = await idp.verifier.verify(queryValue(ctx, 'login_challenge'));
  const active = request.prompt.includes('login') ? undefined : await idp.sessions.find(ctx.state.em, readCookie(ctx, SESSION_COOKIE));
  if (active !== undefined && sessionSatisfies(request, active.session, idp.now())) {
    await continueSession(ctx, idp, request, active);
    return;
  }
  await renderLogin(ctx, idp, request, 200, request.loginHint);
};

/**
 * A place in the hash gate for this attempt's password check, taken before anything is counted: an
 * overload answers the form again with 503 and Retry-After, and neither the throttle nor the
 * lockout has moved, so nobody is locked out by a crowd of logins (issue 19 point 6).
 */
async function admitPasswordCheck(ctx: PageContext, idp: IdpPages, request: LoginRequest, username: string): Promise<HashAdmission | undefined> {
  try {
    return idp.hash.lowEntropyRandom.admit();
  } catch (error) {
    if (!(error instanceof HashError) || error.reason !== 'ERR_HASH_OVERLOADED') throw error;
    for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
    await renderLogin(ctx, idp, request, error.status, username, OVERLOADED_MESSAGE);
    return undefined;
  }
}

/** POST /login: checks the password, then opens a session and moves on to consent. */
export const submitLogin: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const request = await idp.verifier.verify(form.get('login_challenge'));
  const admission = await admitPasswordCheck(ctx, idp, request, form.get('username') ?? '');
  if (admission === undefined) return;
  try {
    await attemptLogin(ctx, idp, request, form, admission);
  } finally {
    admission.leave();
  }
};

/** One counted attempt: throttle and lockout reserved, the password checked in the admission taken. */
async function attemptLogin(ctx: PageContext, idp: IdpPages, request: LoginRequest, form: URLSearchParams, admission: HashAdmission): Promise<void> {
  const { em } = ctx.state;
  const username = form.get('username') ?? '';
  const password = form.get('password') ?? '';
  const now = idp.now();
  // Per address and username: one user's failures do not lock out everyone behind the same ingress.
  const throttleKey = `${rateLimitKey(ctx.ip)} ${username}`;
  const retryAfter = idp.throttle.reserve(throttleKey);
  if (retryAfter !== undefined) throw new TooManyRequestsError(retryAfter);

  const known = mayBeUsername(username);
  const user = known ? await em.findOne(IdpUser, { username }) : null;
  // What cannot be a username is never stored, so it has no counter; every other name has one.
  const subject: LockoutSubject | undefined = user !== null ? { user } : known ? { unknown: username } : undefined;
  // Reserved before the password is hashed: a burst of guesses gets at most the lockout's checks.
  const locked = subject === undefined ? undefined : await idp.lockout.reserve(em, subject, now);
  if (locked !== undefined) {
    await renderLogin(ctx, idp, request, 403, username, lockedMessage(locked));
    return;
  }
  // Always hashed, also for an unknown user: the answer time must not tell whether the account exists.
  const signedIn = await signedInUser(idp, user, password, admission);
  if (signedIn === undefined) {
    // A wrong password keeps both reservations; the one that filled the count has locked the account.
    const nowLocked = subject === undefined ? undefined : await idp.lockout.lockedUntil(em, subject, now);
    // The same words for an unknown user and a wrong password: neither reveals which.
    if (nowLocked === undefined) await renderLogin(ctx, idp, request, 401, username, 'The username or password is incorrect.');
    else await renderLogin(ctx, idp, request, 403, username, lockedMessage(nowLocked));
    return;
  }

  // The password is known right now: the moment to move its hash to the latest version. Guarded
  // by the hash just checked, so a password changed meanwhile is not overwritten by the old one.
  if (await idp.hash.lowEntropyRandom.needsRehash(signedIn.passwordHash)) {
    await replacePasswordHash(em, signedIn.id, signedIn.passwordHash, await idp.hash.lowEntropyRandom.hashWithLatest(password, admission));
  }
  const applicable = await applicableFactors(idp.factors, em, signedIn);
  const required = await requiredAcr(em, idp.mfa, request, signedIn);
  if (factorsReaching(applicable, required).length > 0) {
    // Not signed in yet: both reservations stay until the second factor passes, so a known password
    // does not buy fresh guesses at the code.
    await em.flush();
    await beginSecondFactor(ctx, idp, request, signedIn);
    return;
  }
  idp.throttle.clear(throttleKey);
  await idp.lockout.release(em, { user: signedIn });
  if (applicable.length > 0) {
    // A factor this login cannot use (a code where a passkey is needed): no session, and no way on.
    await em.flush();
    await refuseUnmet(ctx, idp, request, signedIn);
    return;
  }
  // No second factor at all: the password session opens, so the account pages can enrol one.
  await startSession(ctx, idp, signedIn, ['pwd']);
  if (satisfies(ACR_PWD, required)) seeOther(ctx, consentUrl(request));
  else await refuseUnmet(ctx, idp, request, signedIn);
}
