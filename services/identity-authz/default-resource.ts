/**
 * RFC 8707 without `resource`: which resource a token request means. Without one the library would
 * issue an opaque token that no service can verify, and every service would then call it
 * malformed. So a client-credentials request whose scopes all belong to one resource gets a JWT for
 * that resource, and one that names neither is refused with invalid_target saying what to add.
 */
import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';
import { allowedScopes, OPENID_SCOPES } from './provider.ts';
import type { ResourceCatalog } from './resources.ts';

/** The resources the requested scopes belong to (OpenID scopes belong to none). */
function resourcesOfScopes(catalog: ResourceCatalog, scope: unknown): string[] {
  // Read at call time: provider.ts imports this module, so its constants are not ready at load.
  const openid: readonly string[] = OPENID_SCOPES;
  const requested = (typeof scope === 'string' ? scope.split(' ') : []).filter((item) => item !== '' && !openid.includes(item));
  return [...catalog].filter(([, scopes]) => requested.some((item) => scopes.includes(item))).map(([resource]) => resource);
}

function missingResource(catalog: ResourceCatalog, client: Client, owners: readonly string[]): InstanceType<typeof errors.InvalidTarget> {
  const allowed = [...catalog.keys()].filter((resource) => allowedScopes(client, resource).length > 0);
  const why = owners.length > 1 ? `the requested scopes belong to several resources (${owners.join(', ')})` : 'no resource was named';
  const which = allowed.length === 0 ? 'this client may not obtain tokens for any resource' : `this client may ask for ${allowed.join(', ')}`;
  return new errors.InvalidTarget(`${why}: add resource=urn:cryptoutil:<service> (RFC 8707) to get a JWT access token a service accepts; ${which}`);
}

/** `features.resourceIndicators.defaultResource` of the provider. */
export function defaultResource(catalogNow: () => Promise<ResourceCatalog>) {
  return async (ctx: KoaContextWithOIDC, client: Client, oneOf?: readonly string[]): Promise<string | readonly string[] | undefined> => {
    // At the token endpoint of a code or refresh grant: the resources granted earlier.
    if (oneOf !== undefined) return oneOf;
    const { params } = ctx.oidc;
    // Browser sign-in without a resource asks for an ID token and userinfo: the library's default.
    if (ctx.oidc.route !== 'token' || params?.grant_type !== 'client_credentials') return undefined;
    const catalog = await catalogNow();
    const owners = resourcesOfScopes(catalog, params.scope);
    const [owner] = owners;
    if (owner !== undefined && owners.length === 1) return owner;
    throw missingResource(catalog, client, owners);
  };
}
