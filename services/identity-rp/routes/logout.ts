/**
 * `POST /bff/logout`: ends the session here at once, then answers the URL of identity-authz's
 * end_session endpoint (OpenID Connect RP-Initiated Logout 1.0 §2) for the page to navigate to.
 * It names the client, not the ID token, so the ID token never reaches the browser.
 */
import * as oidc from 'openid-client';
import { checkCsrf } from '../csrf.ts';
import { clearCookie, readCookie, SESSION_COOKIE } from '../cookies.ts';
import type { RpHandler } from './context.ts';

export const logout: RpHandler = async (ctx, rp) => {
  const session = await rp.store.require(ctx.state.em, readCookie(ctx, SESSION_COOKIE));
  checkCsrf(ctx, session.secrets.csrf, rp.ownOrigin());
  await rp.store.remove(ctx.state.em, session.row.id);
  clearCookie(ctx, SESSION_COOKIE, 'Strict');
  const endSession = oidc.buildEndSessionUrl(await rp.client.configuration(), { post_logout_redirect_uri: rp.postLogoutRedirectUri() });
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { endSessionUrl: endSession.href };
};
