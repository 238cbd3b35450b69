/**
 * `GET /`: where a sign-in ends (and a sign-out comes back) when no browser application is served
 * in front of identity-rp, as under `cryptoutil up`. A plain page without scripts: who is signed
 * in, or a link to sign in. Never a token.
 */
import { html } from '../../template/pages/html.ts';
import { readCookie, SESSION_COOKIE } from '../cookies.ts';
import type { RpHandler } from './context.ts';

export const showHome: RpHandler = async (ctx, rp) => {
  const session = await rp.store.find(readCookie(ctx, SESSION_COOKIE));
  const apis = Object.keys(rp.apis);
  const body = session === undefined
    ? html`<h1>Not signed in</h1>
<p><a href="/bff/login">Sign in</a></p>`
    : html`<h1>Signed in</h1>
<p>You are signed in as <code>${session.row.subject}</code> until ${session.row.expiresAt.toISOString()}.</p>
<p><a href="/bff/session">Your session</a> (JSON: your user id and the CSRF token a page sends back; never a token).</p>
${apis.map((api) => html`<p>APIs called for you with your token: <a href="/bff/api/${api}/">/bff/api/${api}/</a></p>`)}`;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>identity-rp</title></head>
<body>${body}</body></html>
`.text;
};
