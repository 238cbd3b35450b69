/**
 * The signed-in user's own pages beside the two-step ones (account.ts): the account's home, the
 * password change and the list of the user's sessions. No script: plain forms, each with its CSRF
 * token, so the page policy needs nothing beyond the stylesheet.
 */
import { alert, hiddenFields, layout } from './layout.ts';
import { html, type Html } from '../../template/pages/html.ts';
import { utcTime } from '../routes/login.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../users.ts';

/** What a page says after a change, or why it refused one. */
export interface Messages {
  readonly notice?: string;
  readonly error?: string;
}

function messages(model: Messages): Html {
  return html`${model.error === undefined ? '' : alert(model.error)}${model.notice === undefined ? '' : html`<p class="notice" role="status">${model.notice}</p>`}`;
}

export interface HomePageModel {
  readonly username: string;
  readonly totp: boolean;
  readonly passkeys: number;
  readonly sessions: number;
}

export function homePage(model: HomePageModel): Html {
  return layout('Your account', html`<p>Signed in as <strong>${model.username}</strong>.</p>
<ul class="account-links">
<li><a href="/account/password">Change your password</a></li>
<li><a href="/account/totp">Authenticator app and recovery codes</a> (two-step verification is ${model.totp ? 'on' : 'off'})</li>
<li><a href="/account/passkeys">Passkeys</a> (${model.passkeys})</li>
<li><a href="/account/sessions">Where you are signed in</a> (${model.sessions} session${model.sessions === 1 ? '' : 's'})</li>
<li><a href="/logout">Sign out of this browser</a></li>
</ul>`);
}

export function passwordPage(model: Messages & { readonly csrf: string }): Html {
  return layout('Change your password', html`${messages(model)}
<p>Your other sessions are signed out when the password changes; this one stays.</p>
<form method="post" action="/account/password">
${hiddenFields(model.csrf)}
<label for="password">Current password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<label for="new_password">New password (at least ${PASSWORD_MIN_LENGTH} characters)</label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN_LENGTH}" maxlength="${PASSWORD_MAX_LENGTH}">
<label for="confirm_password">New password again</label>
<input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN_LENGTH}" maxlength="${PASSWORD_MAX_LENGTH}">
<button type="submit">Change password</button>
</form>
<p><a href="/account">Your account</a></p>`);
}

/** One session as the list shows it: an opaque row id, never the session's id or cookie value. */
export interface SessionRow {
  readonly rowId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly current: boolean;
}

function sessionRow(row: SessionRow, csrf: string): Html {
  return html`<li class="session-row">
<p>${row.current ? html`<strong>This browser</strong>. ` : ''}Signed in ${utcTime(row.createdAt)}; ends ${utcTime(row.expiresAt)}.</p>
<form method="post" action="/account/sessions/end">
${hiddenFields(csrf)}<input type="hidden" name="row" value="${row.rowId}">
<button type="submit" class="secondary">${row.current ? 'Sign out here' : 'End this session'}</button>
</form>
</li>`;
}

export function sessionsPage(model: Messages & { readonly csrf: string; readonly sessions: readonly SessionRow[] }): Html {
  return layout('Where you are signed in', html`${messages(model)}
<ol class="sessions">${model.sessions.map((row) => sessionRow(row, model.csrf))}</ol>
<form method="post" action="/account/sessions/end-others">
${hiddenFields(model.csrf)}
<button type="submit">Sign out everywhere else</button>
</form>
<p><a href="/account">Your account</a></p>`);
}
