/**
 * POST /login/passkey: the passwordless login. The login page's passkey button asks the browser
 * for a discoverable credential (no username, user verification required) against a challenge
 * bound to this login request; the credential names its user. The attempt is counted as a
 * password is (attempts.ts): a refused assertion is a failed login of that user, and a locked
 * account refuses even a valid one.
 */
import { TooManyRequestsError } from '../../template/errors/index.ts';
import { rateLimitKey } from '../../template/middleware/client-address.ts';
import { checkCsrf } from '../csrf.ts';
import { IdpUser } from '../entities.ts';
import { readForm } from '../forms.ts';
import { consentUrl, seeOther, type PageHandler } from './context.ts';
import { reserveAttempt } from './attempts.ts';
import { lockedMessage, renderLogin } from './login.ts';
import { startSession } from './session-start.ts';

export const WRONG_PASSKEY_LOGIN = 'That passkey could not sign you in. Use a passkey registered for your account, or your username and password.';

export const submitPasskeyLogin: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const request = await idp.verifier.verify(form.get('login_challenge'));
  const { em } = ctx.state;
  const response = form.get('response');
  const passkey = await idp.passkeys.claimed(em, response);
  const user = passkey === undefined ? null : await em.findOne(IdpUser, { id: passkey.userId });
  if (passkey === undefined || user === null) {
    // No user to count it against: an unknown credential counts against the address alone.
    const retryAfter = idp.throttle.reserve(`${rateLimitKey(ctx.ip)} `);
    if (retryAfter !== undefined) throw new TooManyRequestsError(retryAfter);
    await renderLogin(ctx, idp, request, 401, undefined, WRONG_PASSKEY_LOGIN);
    return;
  }
  const attempt = await reserveAttempt(ctx, idp, user);
  if (attempt.lockedUntil !== undefined) {
    await renderLogin(ctx, idp, request, 403, undefined, lockedMessage(attempt.lockedUntil));
    return;
  }
  const used = await idp.passkeys.authenticate(em, 'login', request.id, passkey, response);
  if (used === undefined) {
    const nowLocked = await attempt.failed();
    if (nowLocked === undefined) await renderLogin(ctx, idp, request, 401, undefined, WRONG_PASSKEY_LOGIN);
    else await renderLogin(ctx, idp, request, 403, undefined, lockedMessage(nowLocked));
    return;
  }
  await attempt.succeeded();
  // RFC 8176 §2: a proof of possession of a key (`hwk`/`swk`), and `mfa`: user verification (a PIN
  // or a biometric on the device) was required to use it, so two factors took part.
  await startSession(ctx, idp, user, [used.amr, 'mfa']);
  seeOther(ctx, consentUrl(request));
};
