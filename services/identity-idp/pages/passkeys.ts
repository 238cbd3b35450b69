/**
 * The signed-in user's passkeys: each one with when it was made and last used and a form to remove
 * it, and a form to register a new one. Both ask for the password: a stolen session alone can
 * neither add an attacker's passkey nor take away the owner's.
 */
import { alert, hiddenFields, layout } from './layout.ts';
import { passkeyForm } from './second-factor.ts';
import { html, type Html } from '../../template/pages/html.ts';
import { utcTime } from '../routes/login.ts';

export interface PasskeyRow {
  readonly id: string;
  readonly createdAt: Date;
  readonly lastUsedAt?: Date | null;
  readonly amr: string;
}

export interface PasskeysPageModel {
  readonly csrf: string;
  readonly passkeys: readonly PasskeyRow[];
  /** The options of `navigator.credentials.create()`, as JSON. */
  readonly options: string;
  readonly notice?: string;
  readonly error?: string;
}

function passwordField(id: string): Html {
  return html`<label for="${id}">Password</label>
<input id="${id}" name="password" type="password" autocomplete="current-password" required maxlength="256">`;
}

function row(passkey: PasskeyRow, csrf: string, index: number): Html {
  const kind = passkey.amr === 'swk' ? 'synced passkey' : 'device-bound passkey';
  return html`<li class="passkey-row">
<p>Passkey ${index + 1} (${kind}), added ${utcTime(passkey.createdAt)}; last used ${passkey.lastUsedAt == null ? 'never' : utcTime(passkey.lastUsedAt)}.</p>
<form method="post" action="/account/passkeys/remove">
${hiddenFields(csrf)}<input type="hidden" name="id" value="${passkey.id}">
${passwordField(`password-${passkey.id}`)}
<button type="submit" class="secondary">Remove</button>
</form>
</li>`;
}

export function passkeysPage(model: PasskeysPageModel): Html {
  const list = model.passkeys.length === 0
    ? html`<p>You have no passkeys yet.</p>`
    : html`<ol class="passkeys">${model.passkeys.map((passkey, index) => row(passkey, model.csrf, index))}</ol>`;
  return layout('Passkeys', html`${model.error === undefined ? '' : alert(model.error)}
${model.notice === undefined ? '' : html`<p class="notice" role="status">${model.notice}</p>`}
<p>A passkey signs you in without a password, or after it as a second step. Your device asks for
your PIN, fingerprint or face each time.</p>
${list}
<h2>Add a passkey</h2>
${passkeyForm({ action: '/account/passkeys', kind: 'create', options: model.options, fields: html`${hiddenFields(model.csrf)}
${passwordField('password')}`, button: 'Add a passkey' })}
<p><a href="/account/totp">Authenticator app and recovery codes</a></p>`, { passkeys: true });
}
