/**
 * `GET /bff/login`: authorization code + PKCE S256 (RFC 7636) with the request pushed first (PAR,
 * RFC 9126), so nothing of it travels in the browser's URL but an opaque `request_uri`. State,
 * nonce and verifier stay in the database, bound to this browser by the login cookie.
 */
import * as oidc from 'openid-client';
import { ServiceUnavailableError } from '../../template/errors/index.ts';
import { errorClass } from '../../template/middleware/problem-details.ts';
import { LOGIN_COOKIE, setCookie } from '../cookies.ts';
import { LOGIN_TTL_SECONDS } from '../sessions.ts';
import type { RpHandler } from './context.ts';

export const startLogin: RpHandler = async (ctx, rp) => {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  let url: URL;
  try {
    const configuration = await rp.client.configuration();
    url = await oidc.buildAuthorizationUrlWithPAR(configuration, {
      redirect_uri: rp.redirectUri(),
      scope: rp.scope,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(rp.resource === '' ? {} : { resource: rp.resource }),
    });
  } catch (error) {
    rp.log.warn({ error: errorClass(error) }, 'pushing an authorization request to identity-authz failed');
    throw new ServiceUnavailableError('identity-authz cannot start a sign-in now; try again later', 5);
  }
  const cookie = await rp.store.startLogin(ctx.state.em, { state, nonce, verifier });
  setCookie(ctx, LOGIN_COOKIE, cookie, { sameSite: 'Lax', maxAgeSeconds: LOGIN_TTL_SECONDS });
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 303;
  ctx.redirect(url.href);
};
