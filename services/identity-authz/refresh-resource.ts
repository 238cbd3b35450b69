/**
 * RFC 8707 §2.2 at the refresh_token grant: `resource` narrows the new access token to one of the
 * resources the grant was authorized for. The library rotates the refresh token (spends the one
 * presented) before it resolves `resource`, so a refused resource would leave the client with a
 * spent token, and its next refresh with it would revoke the whole grant as a replay. Checked here
 * first, from `rotateRefreshToken`, which the library calls after finding the token and before
 * spending it: a refused `resource` is invalid_target and the refresh token stays good.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { allowedScopes } from './provider.ts';

/** `rotateRefreshToken` of the provider: always rotate (OAuth 2.1 §4.3.1), once `resource` is known good. */
export function rotateAfterResourceCheck(ctx: KoaContextWithOIDC): boolean {
  const { params, entities: { RefreshToken: token }, client } = ctx.oidc;
  const resource = params?.resource;
  if (resource === undefined) return true;
  if (typeof resource !== 'string') throw new errors.InvalidTarget('only one resource may be named at the token endpoint');
  // The library calls this with the token it found and the authenticated client; without either, nothing is covered.
  if (token?.resourceIndicators.has(resource) !== true) throw new errors.InvalidTarget(`the grant does not cover ${resource}; sign in again asking for it`);
  if (client === undefined || allowedScopes(client, resource).length === 0) throw new errors.InvalidTarget(`the client may not obtain tokens for ${resource}`);
  return true;
}
