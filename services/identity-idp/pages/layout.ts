/**
 * The frame of every page: a document that loads one stylesheet from this origin and, on pages with
 * a passkey form, the passkey script; the page Content-Security-Policy allows that script by its
 * hash and no other.
 */
import { html, type Html } from '../../template/pages/html.ts';
import { PASSKEY_SCRIPT_INTEGRITY, PASSKEY_SCRIPT_PATH } from './passkey-script.ts';

/** Where `routes/assets.ts` serves the stylesheet. */
export const STYLESHEET_PATH = '/assets/idp.css';

/** `passkeys`: the page has a passkey form, and loads the one script that runs it. */
export function layout(title: string, body: Html, options: { readonly passkeys?: boolean } = {}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · cryptoutil</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
<h1>${title}</h1>
${body}
</main>${options.passkeys === true ? html`
<script src="${PASSKEY_SCRIPT_PATH}" integrity="${PASSKEY_SCRIPT_INTEGRITY}" defer></script>` : ''}
</body>
</html>
`;
}

/** The hidden fields every form of the flow carries: the CSRF token and, when there is one, the challenge. */
export function hiddenFields(csrf: string, challenge?: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">${challenge === undefined ? '' : html`<input type="hidden" name="login_challenge" value="${challenge}">`}`;
}

/** A paragraph styled as an alert; `role="alert"` makes screen readers announce it. */
export function alert(message: string): Html {
  return html`<p class="alert" role="alert">${message}</p>`;
}
