/** Pages that only say something: sign-out confirmation and result, and every refusal. */
import { alert, hiddenFields, layout } from './layout.ts';
import { html, type Html } from '../../template/pages/html.ts';

export function logoutPage(csrf: string): Html {
  return layout('Sign out', html`<p>Sign out of cryptoutil on this browser?</p>
<form method="post" action="/logout">
${hiddenFields(csrf)}
<button type="submit">Sign out</button>
</form>`);
}

export function signedOutPage(): Html {
  return layout('Signed out', html`<p>You are signed out. You can close this window.</p>`);
}

/** A refusal (400, 403, 429, 503...): the title from the status, the detail as the problem says it. */
export function problemPage(title: string, detail: string): Html {
  return layout(title, alert(detail));
}
