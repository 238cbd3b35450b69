/**
 * The signed-in user's password (`/account/password`). The current password is checked the way the
 * account pages sign in again (signInAgain: the hash service, counted by the throttle and the
 * lockout as a login), so the page cannot be used to guess it. The new password follows the admin
 * API's rule. The write is one guarded UPDATE on the hash that was checked: of parallel changes
 * exactly one wins, and the others get a 409 page. The change ends the user's other sessions here
 * and tells identity-authz (account event `password-changed`), all in one transaction: when
 * identity-authz cannot be told, nothing changes (503).
 */
import { ConflictError } from '../../template/errors/index.ts';
import { checkCsrf, csrfToken } from '../csrf.ts';
import { readForm } from '../forms.ts';
import { passwordPage } from '../pages/self-service.ts';
import { newPasswordProblem, replacePasswordHash } from '../users.ts';
import { sendPage, type PageHandler } from './context.ts';
import { signedInSession, signInAgain } from './account.ts';

export const PASSWORDS_DIFFER = 'The new password and its confirmation differ.';
export const PASSWORD_CHANGED_MEANWHILE = 'Your password was changed by another request meanwhile; this change was not made. Sign in with the new password if you do not know it.';
export const PASSWORD_CHANGED = 'Your password was changed, and your other sessions are signed out.';

/** GET /account/password: the form. */
export const showPassword: PageHandler = async (ctx, idp) => {
  await signedInSession(ctx, idp);
  sendPage(ctx, 200, passwordPage({ csrf: csrfToken(ctx) }));
};

/** POST /account/password: the current password, then the new one (twice). */
export const changePassword: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const { session, user } = await signedInSession(ctx, idp);
  const csrf = csrfToken(ctx);
  const newPassword = form.get('new_password') ?? '';
  // Checked before the current password: a refusal here costs no attempt and tells nothing of it.
  const invalid = newPasswordProblem(newPassword) ?? (newPassword === form.get('confirm_password') ? undefined : PASSWORDS_DIFFER);
  if (invalid !== undefined) {
    sendPage(ctx, 400, passwordPage({ csrf, error: invalid }));
    return;
  }
  // The hash the current password is checked against, and the only one the write may replace.
  const checkedHash = user.passwordHash;
  const refused = await signInAgain(ctx, idp, user, form);
  if (refused !== undefined) {
    sendPage(ctx, refused.status, passwordPage({ csrf, error: refused.error }));
    return;
  }
  const newHash = await idp.hash.lowEntropyRandom.hashWithLatest(newPassword);
  // Signed before the transaction: signing may write the key ring.
  const tell = await idp.events.prepare(user.id, 'password-changed');
  await ctx.state.em.transactional(async (em) => {
    if (!await replacePasswordHash(em, user.id, checkedHash, newHash)) throw new ConflictError(PASSWORD_CHANGED_MEANWHILE);
    // OWASP Session Management: the other sessions the old password opened end; this one stays.
    await idp.sessions.endOthers(em, user.id, session.id);
    await tell();
  });
  sendPage(ctx, 200, passwordPage({ csrf, notice: PASSWORD_CHANGED }));
};
