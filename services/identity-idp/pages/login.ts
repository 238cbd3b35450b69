/**
 * The login page: username and password, posted back to `/login` with the challenge, and a passkey
 * button (a discoverable credential, no username) posting to `/login/passkey`.
 */
import { alert, hiddenFields, layout } from './layout.ts';
import { passkeyForm } from './second-factor.ts';
import { html, type Html } from '../../template/pages/html.ts';

export interface LoginPageModel {
  readonly clientName: string;
  readonly challenge: string;
  readonly csrf: string;
  readonly username?: string;
  /** Why the last attempt failed, shown above the form. */
  readonly error?: string;
  /** The options of this page's `navigator.credentials.get()`, as JSON. */
  readonly passkeyOptions: string;
}

export function loginPage(model: LoginPageModel): Html {
  return layout('Sign in', html`<p>to continue to <strong>${model.clientName}</strong></p>
${model.error === undefined ? '' : alert(model.error)}
<form method="post" action="/login">
${hiddenFields(model.csrf, model.challenge)}
<label for="username">Username</label>
<input id="username" name="username" value="${model.username ?? ''}" autocomplete="username" required maxlength="64">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit">Sign in</button>
</form>
${passkeyForm({ action: '/login/passkey', kind: 'get', options: model.passkeyOptions, fields: hiddenFields(model.csrf, model.challenge), button: 'Sign in with a passkey' })}`, { passkeys: true });
}
