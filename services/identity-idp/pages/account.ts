/**
 * The signed-in user's two-step verification pages: enrolment (QR code, secret, otpauth URI and a
 * code to confirm), the new recovery codes (shown once), and the status with a form to make new
 * codes after signing in again. The QR code is SVG markup in the page itself: the page policy loads
 * nothing but the stylesheet, so there is no image request to allow and no script to run.
 */
import { alert, hiddenFields, layout } from './layout.ts';
import { Html, html } from '../../template/pages/html.ts';

export interface EnrolPageModel {
  readonly csrf: string;
  readonly secret: string;
  readonly uri: string;
  /** The QR code of `uri`, as SVG markup made by the qrcode library from our own URI. */
  readonly qrSvg: string;
  readonly error?: string;
}

const passwordField = html`<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">`;

const codeField = html`<label for="code">Code from your authenticator app</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required maxlength="6">`;

export function enrolPage(model: EnrolPageModel): Html {
  return layout('Set up two-step verification', html`${model.error === undefined ? '' : alert(model.error)}
<p>Scan this code with an authenticator app, then enter your password and the six-digit code it shows.</p>
<figure class="qr" role="img" aria-label="QR code of the authenticator key">${new Html(model.qrSvg)}</figure>
<p>Or enter the key by hand: <code class="secret">${model.secret}</code></p>
<p>Key URI: <code class="secret">${model.uri}</code></p>
<form method="post" action="/account/totp">
${hiddenFields(model.csrf)}
${passwordField}
${codeField}
<button type="submit">Turn on</button>
</form>`);
}

/** The only time the codes are shown. */
export function recoveryCodesPage(codes: readonly string[]): Html {
  return layout('Your recovery codes', html`<p>Two-step verification is on. Keep these recovery codes somewhere safe: each one signs you in once
when you do not have your authenticator app. They are not shown again.</p>
<ol class="codes">${codes.map((code) => html`<li>${code}</li>`)}</ol>`);
}

export interface StatusPageModel {
  readonly csrf: string;
  readonly remaining: number;
  readonly error?: string;
}

export function statusPage(model: StatusPageModel): Html {
  return layout('Two-step verification', html`${model.error === undefined ? '' : alert(model.error)}
<p>Two-step verification is on. You have <strong>${model.remaining}</strong> unused recovery codes.</p>
<p>New recovery codes replace all the old ones. Confirm it is you:</p>
<form method="post" action="/account/recovery-codes">
${hiddenFields(model.csrf)}
${passwordField}
${codeField}
<button type="submit">Make new recovery codes</button>
</form>
<h2>Turn off two-step verification</h2>
<p>Your sign-ins then need only the password (and a passkey, if you have one as the second step).
Confirm it is you with your password and a code from the app or one recovery code:</p>
<form method="post" action="/account/totp/off">
${hiddenFields(model.csrf)}
<label for="off-password">Password</label>
<input id="off-password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<label for="off-code">Code from your authenticator app, or a recovery code</label>
<input id="off-code" name="code" autocomplete="one-time-code" required maxlength="32">
<button type="submit" class="secondary">Turn off</button>
</form>
<p><a href="/account/passkeys">Passkeys</a> · <a href="/account">Your account</a></p>`);
}

export function totpOffPage(): Html {
  return layout('Two-step verification is off', html`<p>Your authenticator app and your recovery codes no longer sign you in.
You can <a href="/account/totp">set up an authenticator app</a> again at any time.</p>
<p><a href="/account">Your account</a></p>`);
}
