/**
 * The signed-in user's passkeys (`/account/passkeys`). Adding one and removing one both take the
 * password (signing in again, counted as a login by the lockout and the throttle); a new passkey's
 * challenge is bound to this browser's session.
 */
import { checkCsrf, csrfToken } from '../csrf.ts';
import type { IdpSession, IdpUser } from '../entities.ts';
import { readForm } from '../forms.ts';
import { passkeysPage } from '../pages/passkeys.ts';
import { sendPage, type IdpPages, type PageContext, type PageHandler } from './context.ts';
import { signedInSession, signInAgain } from './account.ts';

export const PASSKEY_REFUSED = 'The passkey could not be added: it did not answer this page\'s request with user verification. Try again.';
export const PASSKEY_DUPLICATE = 'That passkey is already registered.';
export const NO_SUCH_PASSKEY = 'There is no such passkey on your account.';

async function render(ctx: PageContext, idp: IdpPages, user: IdpUser, sessionId: string, status: number, messages: { readonly notice?: string; readonly error?: string } = {}): Promise<void> {
  const { em } = ctx.state;
  const options = JSON.stringify(await idp.passkeys.registrationOptions(em, user, sessionId));
  sendPage(ctx, status, passkeysPage({ csrf: csrfToken(ctx), passkeys: await idp.passkeys.list(em, user.id), options, ...messages }));
}

/** GET /account/passkeys: the list and the form to add one. */
export const showPasskeys: PageHandler = async (ctx, idp) => {
  const { session, user } = await signedInSession(ctx, idp);
  await render(ctx, idp, user, session.id, 200);
};

/** A post of the page, its session and the password checked; undefined once a refusal has been shown. */
async function passwordChecked(ctx: PageContext, idp: IdpPages): Promise<{ form: URLSearchParams; session: IdpSession; user: IdpUser } | undefined> {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const { session, user } = await signedInSession(ctx, idp);
  const refused = await signInAgain(ctx, idp, user, form);
  if (refused === undefined) return { form, session, user };
  await render(ctx, idp, user, session.id, refused.status, { error: refused.error });
  return undefined;
}

/** POST /account/passkeys: the password, then the new credential; a refusal says which was wrong. */
export const registerPasskey: PageHandler = async (ctx, idp) => {
  const signedIn = await passwordChecked(ctx, idp);
  if (signedIn === undefined) return;
  const { form, session, user } = signedIn;
  const registered = await idp.passkeys.register(ctx.state.em, user, session.id, form.get('response'));
  if (registered === 'invalid') await render(ctx, idp, user, session.id, 400, { error: PASSKEY_REFUSED });
  else if (registered === 'duplicate') await render(ctx, idp, user, session.id, 409, { error: PASSKEY_DUPLICATE });
  else await render(ctx, idp, user, session.id, 201, { notice: 'Passkey added.' });
};

/** POST /account/passkeys/remove: the password, then the passkey named by `id` goes. */
export const removePasskey: PageHandler = async (ctx, idp) => {
  const signedIn = await passwordChecked(ctx, idp);
  if (signedIn === undefined) return;
  const { form, session, user } = signedIn;
  const id = form.get('id') ?? '';
  // Not a uuid is no passkey of anyone's: answered without a query.
  const removed = /^[0-9a-f-]{36}$/.test(id) && await idp.passkeys.remove(ctx.state.em, user.id, id);
  if (removed) await render(ctx, idp, user, session.id, 200, { notice: 'Passkey removed.' });
  else await render(ctx, idp, user, session.id, 404, { error: NO_SUCH_PASSKEY });
};
