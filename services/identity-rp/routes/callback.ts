/**
 * `GET /bff/callback`: the redirect URI. openid-client checks the response (state, `iss`, RFC 9207),
 * redeems the code with the verifier and validates the ID token (signature, issuer, audience,
 * nonce). The code is redeemed for one resource (RFC 8707 §2.2, `rp.resource` or the first API's);
 * the tokens go into a new server-side session; the browser gets its cookie only, and goes to the
 * `return_to` of its login, or to `/`.
 *
 * A `return_to` on another origin (a console) is reached from a page, not by a redirect: the
 * browser arrives here through identity-idp's consent form, whose `form-action` names only the
 * client's redirect URIs, and browsers check that directive on every redirect after the post.
 */
import * as oidc from 'openid-client';
import { errorClass } from '../../template/middleware/problem-details.ts';
import { html } from '../../template/pages/html.ts';
import { signInFailure } from '../authz-client.ts';
import { clearCookie, LOGIN_COOKIE, readCookie, SESSION_COOKIE, setCookie } from '../cookies.ts';
import { signedIn } from '../grants.ts';
import type { RpHandler } from './context.ts';

/** Where a signed-in browser lands: the console this service serves the API of. */
export const AFTER_LOGIN = '/';

export const finishLogin: RpHandler = async (ctx, rp) => {
  const login = await rp.store.takeLogin(ctx.state.em, readCookie(ctx, LOGIN_COOKIE));
  clearCookie(ctx, LOGIN_COOKIE, 'Lax');
  const current = new URL(rp.redirectUri());
  current.search = ctx.querystring;
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(await rp.client.configuration(), current, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    }, rp.resource === '' ? undefined : { resource: rp.resource });
  } catch (error) {
    rp.log.info({ error: errorClass(error) }, 'a sign-in was refused');
    throw signInFailure(error);
  }
  const { user, tokens: kept } = signedIn(tokens, new Date());
  const cookie = await rp.store.create(ctx.state.em, user, { ...kept, resource: rp.resource });
  setCookie(ctx, SESSION_COOKIE, cookie, { sameSite: 'Strict', maxAgeSeconds: rp.sessionTtlSeconds });
  ctx.set('Cache-Control', 'no-store');
  const next = login.returnTo ?? AFTER_LOGIN;
  if (new URL(next, rp.ownOrigin()).origin === rp.ownOrigin()) {
    ctx.status = 303;
    ctx.redirect(next);
    return;
  }
  ctx.status = 200;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${next}"><title>Signed in</title></head>
<body><h1>Signed in</h1><p><a href="${next}">Continue</a></p></body></html>
`.text;
};
