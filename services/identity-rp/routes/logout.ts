/**
 * `POST /bff/logout`: ends the session here at once, then answers the URL of identity-authz's
 * end_session endpoint (OpenID Connect RP-Initiated Logout 1.0 §2) for the page to navigate to.
 * It names the client, not the ID token, so the ID token never reaches the browser. An optional
 * JSON body `{ "returnTo": "<url>" }` (an https URL of this service's origin or of a console
 * origin) becomes its `post_logout_redirect_uri`; identity-authz accepts only the URIs registered
 * for the client, so each one used must be registered there.
 */
import * as oidc from 'openid-client';
import { BadRequestError } from '../../template/errors/index.ts';
import { checkCsrf } from '../csrf.ts';
import { clearCookie, readCookie, SESSION_COOKIE } from '../cookies.ts';
import { checkReturnUrl } from '../origins.ts';
import { pageOrigins, type RpContext, type RpHandler } from './context.ts';

/** The `returnTo` of the body, if any: no body, `{}` or `{ "returnTo": url }`. */
function returnToOf(ctx: RpContext, origins: readonly string[]): string | undefined {
  const { body } = ctx.state;
  if (body === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new BadRequestError('the body must be a JSON object: {} or { "returnTo": "<url>" }');
  }
  const { returnTo, ...rest } = body as Record<string, unknown>;
  const [extra] = Object.keys(rest);
  if (extra !== undefined) throw new BadRequestError(`unknown member ${JSON.stringify(extra)}: the body may hold returnTo only`);
  return returnTo === undefined ? undefined : checkReturnUrl(returnTo, origins, 'returnTo');
}

export const logout: RpHandler = async (ctx, rp) => {
  const session = await rp.store.require(readCookie(ctx, SESSION_COOKIE));
  const origins = pageOrigins(rp);
  checkCsrf(ctx, session.secrets.csrf, origins);
  const returnTo = returnToOf(ctx, origins);
  await rp.store.remove(ctx.state.em, session.row.id);
  clearCookie(ctx, SESSION_COOKIE, 'Strict');
  const endSession = oidc.buildEndSessionUrl(await rp.client.configuration(), { post_logout_redirect_uri: returnTo ?? rp.postLogoutRedirectUri() });
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { endSessionUrl: endSession.href };
};
