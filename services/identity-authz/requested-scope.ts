/**
 * RFC 6749 §3.3 and §5.2 for the scopes a client asks for. A scope the client may not hold is
 * refused with invalid_scope, never dropped in silence. At the token endpoint of client
 * credentials that is checked per resource, and no scope means the pre-defined default: every
 * scope the client may hold for the resource. At the authorization endpoint a scope the client
 * may hold for none of its resources is refused; the user's consent and entitlements may narrow
 * the rest, and the token response then names the scope granted (§5.1).
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { OPENID_SCOPES } from './provider.ts';

/** Where a client asks a user for scopes (the library checks OpenID scopes itself). */
const AUTHORIZATION_ROUTES: ReadonlySet<string> = new Set(['authorization', 'pushed_authorization_request']);

function requestedResourceScopes(ctx: KoaContextWithOIDC): string[] {
  // Read at call time: provider.ts imports this module, so its constants are not ready at load.
  const openid: readonly string[] = OPENID_SCOPES;
  return [...ctx.oidc.requestParamScopes].filter((item) => item !== '' && !openid.includes(item));
}

function refuseOutside(ctx: KoaContextWithOIDC, held: readonly string[]): void {
  const refused = requestedResourceScopes(ctx).filter((scope) => !held.includes(scope));
  // As the library's own invalid_scope does, the answer names the refused scopes in `scope`.
  if (refused.length > 0) throw new errors.InvalidScope(`the client may not hold ${refused.join(' ')}`, refused.join(' '));
}

/** An authorization or pushed authorization request: `held` is every scope the client may hold. */
export function checkAuthorizationScope(ctx: KoaContextWithOIDC, held: readonly string[]): void {
  if (AUTHORIZATION_ROUTES.has(ctx.oidc.route)) refuseOutside(ctx, held);
}

/**
 * A client-credentials request for one resource, whose scopes the client may hold are `allowed`.
 * Called from getResourceServerInfo: the library reads `params.scope` after it (as its own
 * handling of statics rewrites it), so the default set here is what the token carries.
 */
export function checkClientCredentialsScope(ctx: KoaContextWithOIDC, allowed: readonly string[]): void {
  const { params } = ctx.oidc;
  if (ctx.oidc.route !== 'token' || params?.grant_type !== 'client_credentials') return;
  if (params.scope === undefined) {
    params.scope = allowed.join(' ');
    return;
  }
  refuseOutside(ctx, allowed);
}
