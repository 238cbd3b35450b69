/**
 * OAuth clients: the rules a client's settings must meet, how a client is shown through the API,
 * and how it is handed to oidc-provider. The library checks the protocol side of the metadata
 * (redirect URIs, grant and response types); the rules here are ours: scopes per resource must
 * exist, and a secret is only ever kept as a HighEntropyRandom hash, shown once when it is made.
 */
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type { FieldError } from '../template/errors/index.ts';
import { ValidationError } from '../template/errors/index.ts';
import type { OauthClient } from './entities.ts';
import type { ClientRecord } from './reads.ts';
import type { ResourceCatalog } from './resources.ts';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export type GrantType = 'authorization_code' | 'client_credentials' | 'refresh_token';
/** Whether every sign-in of the client's users needs a second factor (docs/identity-authz/sign-in.md). */
export type MfaPolicy = 'required' | 'optional';

/** A client's settings as the API takes them (after OpenAPI validation and defaults). */
export interface ClientInput {
  readonly clientId?: string;
  readonly name: string;
  readonly tokenEndpointAuthMethod: ClientAuthMethod;
  readonly grantTypes: readonly GrantType[];
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly openidScopes: readonly string[];
  readonly resourceScopes: Readonly<Record<string, readonly string[]>>;
  readonly jwks?: { readonly keys: readonly JWK[] };
  readonly accessTokenTtlSeconds?: number;
  readonly refreshTokenTtlSeconds?: number;
  /** OpenID Connect Back-Channel Logout 1.0 §2.2: an https URL without a fragment. */
  readonly backchannelLogoutUri?: string;
  readonly backchannelLogoutSessionRequired?: boolean;
  /** `required`: its users sign in with two factors (acr `urn:cryptoutil:acr:mfa` at least). */
  readonly mfa?: MfaPolicy;
}

/** Lifetimes a client gets when it does not set its own (`authz.*TtlSeconds`). */
export interface TokenLifetimes {
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
}

/** The metadata properties oidc-provider must accept besides the registered ones. */
export const EXTRA_METADATA = ['resource_scopes', 'access_token_ttl', 'refresh_token_ttl', 'mfa_policy'] as const;

/** 256 bits from the CSPRNG: a HighEntropyRandom secret by construction. */
export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

function isSecretMethod(method: string): boolean {
  return method !== 'private_key_jwt';
}

/** The rules OpenAPI cannot express; every broken one is reported, each with its pointer. */
export function checkClientInput(input: ClientInput, catalog: ResourceCatalog): void {
  const errors: FieldError[] = [];
  for (const [resource, scopes] of Object.entries(input.resourceScopes)) {
    const known = catalog.get(resource);
    if (known === undefined) {
      errors.push({ pointer: `/body/resourceScopes/${resource}`, message: `unknown resource; known: ${[...catalog.keys()].join(', ')}` });
      continue;
    }
    const unknown = scopes.filter((scope) => !known.includes(scope));
    if (unknown.length > 0) {
      errors.push({ pointer: `/body/resourceScopes/${resource}`, message: `${resource} has no scope ${unknown.join(', ')}` });
    }
  }
  if (input.tokenEndpointAuthMethod === 'private_key_jwt' && input.jwks === undefined) {
    errors.push({ pointer: '/body/jwks', message: 'private_key_jwt needs the client\'s public keys' });
  }
  if (input.grantTypes.includes('authorization_code') && input.redirectUris.length === 0) {
    errors.push({ pointer: '/body/redirectUris', message: 'authorization_code needs at least one redirect URI' });
  }
  if (input.grantTypes.includes('authorization_code') && !input.openidScopes.includes('openid')) {
    errors.push({ pointer: '/body/openidScopes', message: 'authorization_code clients are OpenID Connect clients: list openid' });
  }
  if (input.grantTypes.includes('refresh_token') && !input.grantTypes.includes('authorization_code')) {
    errors.push({ pointer: '/body/grantTypes', message: 'refresh_token is only issued with authorization_code' });
  }
  if (input.backchannelLogoutUri !== undefined && !isLogoutUri(input.backchannelLogoutUri)) {
    errors.push({ pointer: '/body/backchannelLogoutUri', message: 'must be an absolute https URL without a fragment' });
  }
  if (errors.length > 0) throw new ValidationError(errors);
}

/** Back-Channel Logout §2.2: absolute, https (logout tokens are bearer-like), and no fragment. */
function isLogoutUri(value: string): boolean {
  return URL.canParse(value) && new URL(value).protocol === 'https:' && !value.includes('#');
}

// Any UUID, whatever its version or case: the shape of identity-idp user ids and generated client ids.
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Client ids and user ids never collide (docs/tokens.md): user ids are UUIDs, so a client id
 * chosen at registration may not look like one; ids the server chooses are fresh UUIDv7s.
 */
export function checkChosenClientId(clientId: string | undefined): void {
  if (clientId !== undefined && UUID_SHAPE.test(clientId)) {
    throw new ValidationError([{ pointer: '/body/clientId', message: 'UUID-shaped ids are reserved for user ids and server-chosen client ids: choose another id or leave it out' }]);
  }
}

/** The entity fields a client's settings set (everything but id, secret and timestamps). */
export function clientFields(input: ClientInput, defaults: TokenLifetimes): Omit<OauthClient, 'id' | 'secretHash' | 'createdAt' | 'updatedAt'> {
  return {
    name: input.name,
    authMethod: input.tokenEndpointAuthMethod,
    grantTypes: [...input.grantTypes],
    redirectUris: [...input.redirectUris],
    postLogoutRedirectUris: [...input.postLogoutRedirectUris],
    openidScopes: [...input.openidScopes],
    resourceScopes: Object.fromEntries(Object.entries(input.resourceScopes).map(([resource, scopes]) => [resource, [...scopes].sort()])),
    jwks: input.jwks === undefined ? null : { keys: [...input.jwks.keys] },
    accessTokenTtlSeconds: input.accessTokenTtlSeconds ?? defaults.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: input.refreshTokenTtlSeconds ?? defaults.refreshTokenTtlSeconds,
    backchannelLogoutUri: input.backchannelLogoutUri ?? null,
    backchannelLogoutSessionRequired: input.backchannelLogoutSessionRequired ?? false,
    mfa: input.mfa ?? 'optional',
  };
}

/** Whether the client needs a secret at all. */
export function usesSecret(client: Pick<OauthClient, 'authMethod'>): boolean {
  return isSecretMethod(client.authMethod);
}

/** The API shape of a client: never its secret or the secret's hash. */
export function presentClient(client: OauthClient): Record<string, unknown> {
  return {
    clientId: client.id,
    name: client.name,
    tokenEndpointAuthMethod: client.authMethod,
    grantTypes: client.grantTypes,
    redirectUris: client.redirectUris,
    postLogoutRedirectUris: client.postLogoutRedirectUris,
    openidScopes: client.openidScopes,
    resourceScopes: client.resourceScopes,
    ...(client.jwks === null ? {} : { jwks: client.jwks }),
    accessTokenTtlSeconds: client.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: client.refreshTokenTtlSeconds,
    ...(client.backchannelLogoutUri === null ? {} : { backchannelLogoutUri: client.backchannelLogoutUri }),
    backchannelLogoutSessionRequired: client.backchannelLogoutSessionRequired,
    mfa: client.mfa,
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
  };
}

/**
 * oidc-provider's view of a client. `client_secret` carries the hash: the library requires the
 * property for secret-based methods, and the service replaces its comparison with a hash check,
 * so the hash is never compared as if it were the secret.
 */
export function providerMetadata(client: ClientRecord): Record<string, unknown> {
  const codeFlow = client.grantTypes.includes('authorization_code');
  return {
    client_id: client.id,
    client_name: client.name,
    ...(client.secretHash === null ? {} : { client_secret: client.secretHash }),
    token_endpoint_auth_method: client.authMethod,
    grant_types: client.grantTypes,
    response_types: codeFlow ? ['code'] : [],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    // The library reads an absent list as "unrestricted"; only code-flow clients (which always
    // list openid, see checkClientInput) ask for OpenID scopes at all.
    ...(client.openidScopes.length === 0 ? {} : { scope: client.openidScopes.join(' ') }),
    ...(client.jwks === null ? {} : { jwks: client.jwks }),
    resource_scopes: client.resourceScopes,
    access_token_ttl: client.accessTokenTtlSeconds,
    refresh_token_ttl: client.refreshTokenTtlSeconds,
    // Read by the interaction policy (provider.ts) and the login request (login.ts).
    mfa_policy: client.mfa,
    // features.backchannelLogout: the library POSTs logout tokens here (backchannel-logout.ts).
    ...(client.backchannelLogoutUri === null ? {} : {
      backchannel_logout_uri: client.backchannelLogoutUri,
      backchannel_logout_session_required: client.backchannelLogoutSessionRequired,
    }),
  };
}
