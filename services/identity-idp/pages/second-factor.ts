/**
 * The second step of a login: a passkey, the six-digit code from the authenticator app, or one
 * recovery code, as the user has them. One form each, so no script is needed to switch between
 * them; only the passkey's runs the passkey script.
 */
import { alert, hiddenFields, layout } from './layout.ts';
import { html, type Html } from '../../template/pages/html.ts';

export interface SecondFactorPageModel {
  readonly clientName: string;
  readonly challenge: string;
  readonly csrf: string;
  readonly error?: string;
  /** The user has TOTP on: the code and recovery code forms. */
  readonly totp: boolean;
  /** The user has passkeys: the options of this step's `navigator.credentials.get()`, as JSON. */
  readonly passkeyOptions?: string;
}

/** A form whose button runs a passkey ceremony (`create` or `get`) and posts the credential with it. */
export function passkeyForm(model: { readonly action: string; readonly kind: 'create' | 'get'; readonly options: string; readonly fields: Html; readonly button: string }): Html {
  return html`<form method="post" action="${model.action}" class="passkey" data-passkey="${model.kind}" data-options="${model.options}">
${model.fields}
<input type="hidden" name="response" value="">
<button type="submit">${model.button}</button>
<p class="passkey-status" role="status"></p>
</form>`;
}

export function secondFactorPage(model: SecondFactorPageModel): Html {
  const passkey = model.passkeyOptions === undefined ? '' : passkeyForm({
    action: '/login/second-factor',
    kind: 'get',
    options: model.passkeyOptions,
    fields: html`${hiddenFields(model.csrf, model.challenge)}<input type="hidden" name="method" value="passkey">`,
    button: 'Use your passkey',
  });
  return layout('Two-step verification', html`<p>to continue to <strong>${model.clientName}</strong></p>
${model.error === undefined ? '' : alert(model.error)}
${passkey}
${model.totp ? totpForms(model) : ''}`, { passkeys: model.passkeyOptions !== undefined });
}

function totpForms(model: SecondFactorPageModel): Html {
  return html`<form method="post" action="/login/second-factor">
${hiddenFields(model.csrf, model.challenge)}
<input type="hidden" name="method" value="totp">
<label for="code">Code from your authenticator app</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6" autofocus>
<button type="submit">Verify</button>
</form>
<form method="post" action="/login/second-factor" class="recovery">
${hiddenFields(model.csrf, model.challenge)}
<input type="hidden" name="method" value="recovery">
<label for="recovery-code">Or use a recovery code</label>
<input id="recovery-code" name="code" autocomplete="off" required maxlength="32" placeholder="XXXX-XXXX-XXXX-XXXX">
<button type="submit" class="secondary">Use recovery code</button>
</form>`;
}

/** Said before the login goes on: how many recovery codes are left after one was used. */
export function noticePage(notice: string, next: string): Html {
  return layout('Signed in', html`<p class="notice" role="status">${notice}</p>
<p>Make new recovery codes on <a href="/account/totp">your two-step verification page</a> before they run out.</p>
<p><a class="button" href="${next}">Continue</a></p>`);
}
