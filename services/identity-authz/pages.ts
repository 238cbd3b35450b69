/**
 * The few HTML pages the authorization server itself renders (errors, the logout confirmation and
 * its result). No script and no inline style, so the strict Content-Security-Policy holds; login
 * and consent pages belong to identity-idp.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

/** A complete page: the title is escaped here, the body is trusted markup built by the caller. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

/** Protocol errors shown to a browser (when the client cannot be told by redirect). */
export function errorPage(ctx: KoaContextWithOIDC, out: { readonly error: string; readonly error_description?: string }): void {
  ctx.type = 'html';
  ctx.body = page('Sign-in failed', `<p><strong>${escapeHtml(out.error)}</strong></p>${out.error_description === undefined ? '' : `<p>${escapeHtml(out.error_description)}</p>`}`);
}

/** RP-initiated logout: the library's form (hidden fields only) plus our two buttons. */
export function logoutPage(ctx: KoaContextWithOIDC, form: string): void {
  ctx.type = 'html';
  ctx.body = page('Sign out?', `${form}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button></p>
<p><button type="submit" form="op.logoutForm">No, stay signed in</button></p>`);
}

/** After a logout without a registered post-logout redirect. */
export function signedOutPage(ctx: KoaContextWithOIDC): void {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<p>You are signed out.</p>');
}
