/**
 * `GET /bff/login`: authorization code + PKCE S256 (RFC 7636) with the request pushed first (PAR,
 * RFC 9126), so nothing of it travels in the browser's URL but an opaque `request_uri`. State,
 * nonce and verifier stay in the database, bound to this browser by the login cookie. Every
 * resource of the allowlisted APIs is asked for at once (RFC 8707 §2.1), so that one sign-in covers
 * them all. `return_to` (optional) names where the browser goes once signed in: an https URL of
 * this service's origin or of a console origin, checked here, kept sealed with the login.
 */
import * as oidc from 'openid-client';
import { ServiceUnavailableError } from '../../template/errors/index.ts';
import { errorClass } from '../../template/middleware/problem-details.ts';
import { LOGIN_COOKIE, setCookie } from '../cookies.ts';
import { checkReturnUrl } from '../origins.ts';
import { LOGIN_TTL_SECONDS } from '../sessions.ts';
import { pageOrigins, type RpHandler } from './context.ts';

/** The authorization request's parameters; `resource` once per resource. */
function authorizationParameters(rp: Parameters<RpHandler>[1], fields: Readonly<Record<string, string>>): URLSearchParams {
  const parameters = new URLSearchParams({ redirect_uri: rp.redirectUri(), scope: rp.scope, ...fields });
  for (const resource of rp.resources) parameters.append('resource', resource);
  return parameters;
}

export const startLogin: RpHandler = async (ctx, rp) => {
  const asked = ctx.query.return_to;
  const returnTo = asked === undefined ? undefined : checkReturnUrl(asked, pageOrigins(rp), 'return_to');
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  let url: URL;
  try {
    const configuration = await rp.client.configuration();
    url = await oidc.buildAuthorizationUrlWithPAR(configuration, authorizationParameters(rp, {
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }));
  } catch (error) {
    rp.log.warn({ error: errorClass(error) }, 'pushing an authorization request to identity-authz failed');
    throw new ServiceUnavailableError('identity-authz cannot start a sign-in now; try again later', 5);
  }
  const cookie = await rp.store.startLogin(ctx.state.em, { state, nonce, verifier, ...(returnTo === undefined ? {} : { returnTo }) });
  setCookie(ctx, LOGIN_COOKIE, cookie, { sameSite: 'Lax', maxAgeSeconds: LOGIN_TTL_SECONDS });
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 303;
  ctx.redirect(url.href);
};
