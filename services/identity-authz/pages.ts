/**
 * The few HTML pages the authorization server itself renders (errors, the logout confirmation and
 * its result). No script and no inline style, so the strict Content-Security-Policy holds; they
 * load the same stylesheet as identity-idp's pages, from this origin. Login and consent pages
 * belong to identity-idp.
 */
import { readFile } from 'node:fs/promises';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { html, Html } from '../template/pages/html.ts';
import { pagePolicy, scriptHashesOf } from '../template/pages/policy.ts';
import { redirectOrigins } from './login.ts';

/** Where `routes/protocol.ts` serves the pages' stylesheet. */
export const STYLESHEET_PATH = '/assets/pages.css';

/** The stylesheet, read once. */
export const STYLESHEET = readFile(new URL('../template/pages/pages.css', import.meta.url), 'utf8');

/**
 * The policy of every answer of the library but the logout page: forms post to this origin only,
 * styles come from this origin's stylesheet, and no script runs but the one the library's
 * self-posting form (`form_post` responses, logout without a session) adds the hash of: the
 * library extends a `script-src` it finds.
 */
export const PAGE_POLICY = pagePolicy({ scriptHashes: [], ownStylesheet: true });

/** A complete page; every value is escaped by the `html` tag. */
export function page(title: string, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head>
<body>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.text;
}

/** Protocol errors shown to a browser (when the client cannot be told by redirect). */
export function errorPage(ctx: KoaContextWithOIDC, out: { readonly error: string; readonly error_description?: string }): void {
  ctx.type = 'html';
  ctx.body = page('Sign-in failed', html`<p><strong>${out.error}</strong></p>${out.error_description === undefined ? [] : [html`<p>${out.error_description}</p>`]}`);
}

/**
 * Provider middleware for RP-initiated logout. Its page (ours below with a session, the library's
 * self-posting form without one) posts here, and the answer redirects to one of the client's
 * registered post-logout redirect URIs: those origins, and no other, are form targets.
 */
export async function logoutPagePolicy(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
  if (oidc?.route !== 'end_session') return;
  const scriptHashes = scriptHashesOf(ctx.response.get('Content-Security-Policy'));
  ctx.set('Content-Security-Policy', pagePolicy({ formTargets: redirectOrigins(oidc.client?.postLogoutRedirectUris), scriptHashes, ownStylesheet: true }));
}

/**
 * RP-initiated logout: the library's form (hidden fields only, built and escaped by the library)
 * plus our two buttons.
 */
export function logoutPage(ctx: KoaContextWithOIDC, form: string): void {
  ctx.type = 'html';
  ctx.body = page('Sign out?', html`${new Html(form)}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button></p>
<p><button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button></p>`);
}

/** After a logout without a registered post-logout redirect. */
export function signedOutPage(ctx: KoaContextWithOIDC): void {
  ctx.type = 'html';
  ctx.body = page('Signed out', html`<p>You are signed out.</p>`);
}
