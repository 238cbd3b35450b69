/**
 * The oidc-provider configuration: what identity-authz turns on (OAuth 2.1 profile: code + PKCE
 * S256 only, client credentials, refresh rotation, RFC 7662/7009/8707/9068/9126/9449, RP-initiated
 * logout) and the seams the library leaves to us: storage, keys, clients, accounts, interactions.
 */
import Provider, { errors, interactionPolicy, type AdapterConstructor, type Client, type Configuration, type JWK, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { createHash } from 'node:crypto';
import type { HashRegistry } from '../template/hash/index.ts';
import { Lru } from '../template/cache/lru.ts';
import { ACR_MFA, ACR_PWD, ACR_VALUES, isAcr, requestedAcr, satisfies, stronger, type Acr } from '../identity-idp/acr.ts';
import { failureReason, type LogoutFailure } from './backchannel-logout.ts';
import { EXTRA_METADATA } from './clients.ts';
import { defaultResource } from './default-resource.ts';
import { errorPage, logoutPage, signedOutPage } from './pages.ts';
import { rotateAfterResourceCheck } from './refresh-resource.ts';
import { checkAuthorizationScope, checkClientCredentialsScope } from './requested-scope.ts';
import { INTROSPECTION_SCOPE, type ResourceCatalog } from './resources.ts';

/** OIDC scopes the provider knows; every other scope belongs to a resource server. */
export const OPENID_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** What the provider needs from the rest of the service. */
export interface ProviderOptions {
  readonly issuer: string;
  /** Private signing JWKs, the active key first (access tokens, ID tokens, login requests). */
  readonly signingKeys: readonly JWK[];
  readonly signingAlgorithm: string;
  /** Cookie signing secrets, the current one first. */
  readonly cookieKeys: readonly string[];
  readonly adapter: AdapterConstructor;
  /** Every resource server, built-in and declared, as it is now. */
  readonly catalog: () => Promise<ResourceCatalog>;
  /** Origins whose browser pages may call the token endpoints (the suite's Swagger UIs). */
  readonly corsOrigins: readonly string[];
  /** Verifies a presented client secret against the stored HighEntropyRandom hash. */
  readonly clientSecrets: HashRegistry;
  /** The claims identity-idp vouched for at the account's last login, or undefined if unknown. */
  readonly findAccount: (accountId: string) => Promise<Record<string, unknown> | undefined>;
  /** The library's outgoing calls (logout tokens): backchannel-logout.ts `trustingFetch`. */
  readonly fetch: NonNullable<Configuration['fetch']>;
  /** A logout token a client's URI did not take (never called with the token). */
  readonly onLogoutFailure: LogoutFailure;
  /** Called with failures the library could not answer itself (never with request data). */
  readonly onServerError: (error: Error) => void;
}

/** Verified (client secret hash, presented secret) pairs remembered per provider instance. */
const VERIFIED_SECRETS = 1_000;

/** Interaction, authorization code and ID token lifetimes (seconds); tokens take the client's. */
const LIFETIMES = { AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 1_209_600, Grant: 1_209_600 } as const;

/**
 * A client's metadata, computed once per client object. The library rebuilds its metadata on every
 * `metadata()` call (renaming every key), while it keeps one client object per version of the
 * metadata; the result is only read.
 */
const METADATA = new WeakMap<Client, Readonly<Record<string, unknown>>>();

function metadataOf(client: Client): Readonly<Record<string, unknown>> {
  let metadata = METADATA.get(client);
  if (metadata === undefined) {
    metadata = client.metadata();
    METADATA.set(client, metadata);
  }
  return metadata;
}

/** A lifetime every client of ours carries in its metadata (see `providerMetadata`). */
function lifetime(client: Client, name: 'access_token_ttl' | 'refresh_token_ttl'): number {
  return metadataOf(client)[name] as number;
}

/** The scopes a client may hold for a resource (its `resource_scopes` metadata). */
export function allowedScopes(client: Client, resource: string): readonly string[] {
  const table = metadataOf(client).resource_scopes as Record<string, string[]>;
  return new Map(Object.entries(table)).get(resource) ?? [];
}

/** Every scope a client may hold, for any resource. */
function heldScopes(client: Client): string[] {
  return Object.values(metadataOf(client).resource_scopes as Record<string, string[]>).flat();
}

/**
 * Introspection policy, the same for JWT and opaque tokens: a client sees the tokens issued to it;
 * tokens of other clients only with `authz:introspect` (RFC 7662 §4: the server decides who may
 * learn what about a token).
 */
export function mayIntrospect(caller: Client | undefined, tokenClientId: unknown): boolean {
  if (caller === undefined) return false;
  return tokenClientId === caller.clientId || allowedScopes(caller, INTROSPECTION_SCOPE.resource).includes(INTROSPECTION_SCOPE.scope);
}

/**
 * RFC 8707: a resource we know, which this client may use, with the JWT format of RFC 9068. The
 * client's scopes count as far as the resource still has them (a declared one may drop some).
 */
function resourceServerInfo(catalog: () => Promise<ResourceCatalog>, signingAlg: string) {
  return async (ctx: KoaContextWithOIDC, resource: string, client: Client): Promise<ResourceServer> => {
    const known = (await catalog()).get(resource);
    if (known === undefined) throw new errors.InvalidTarget(`unknown resource ${resource}`);
    const scopes = allowedScopes(client, resource).filter((scope) => known.includes(scope));
    if (scopes.length === 0) throw new errors.InvalidTarget(`the client may not obtain tokens for ${resource}`);
    checkAuthorizationScope(ctx, heldScopes(client));
    checkClientCredentialsScope(ctx, scopes);
    return {
      scope: scopes.join(' '),
      audience: resource,
      accessTokenFormat: 'jwt',
      accessTokenTTL: lifetime(client, 'access_token_ttl'),
      jwt: { sign: { alg: signingAlg as 'ES256' } },
    };
  };
}

/**
 * The level a sign-in for this request must reach (acr.ts): the weakest of our values its
 * `acr_values` names (unknown values are ignored), raised to mfa for a client with `mfa: required`.
 */
export function requiredAcr(client: Client | undefined, params: Readonly<Record<string, unknown>>): Acr {
  const asked = requestedAcr(params.acr_values) ?? ACR_PWD;
  return client !== undefined && metadataOf(client).mfa_policy === 'required' ? stronger(asked, ACR_MFA) : asked;
}

/** Login checks of ours: a session weaker than the request needs is a reason to sign in again (a step-up). */
export const STEP_UP_CHECK = 'acr_too_weak';

/**
 * The library's policy plus one check in its login prompt: the session's `acr` (an unknown or
 * missing one counts as the weakest) must reach `requiredAcr`, or identity-idp is asked for the
 * level, which it reaches with a second factor on the same session.
 */
export function interactionsPolicy(): interactionPolicy.DefaultPolicy {
  const policy = interactionPolicy.base();
  // With prompt=none the client gets login_required (OIDC Core §3.1.2.6): the user must sign in again.
  policy.get('login')?.checks.add(new interactionPolicy.Check(STEP_UP_CHECK, 'a stronger authentication is required', 'login_required', (ctx) => {
    const { oidc } = ctx;
    if (oidc.session?.accountId === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    const acr = isAcr(oidc.acr) ? oidc.acr : ACR_PWD;
    return satisfies(acr, requiredAcr(oidc.client, oidc.params ?? {})) ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
  }));
  return policy;
}

/** oidc-provider's check of our extra client metadata (we store valid values; this guards the rest). */
export function validateExtraMetadata(_ctx: KoaContextWithOIDC | undefined, key: string, value: unknown): void {
  if (key === 'resource_scopes') {
    const valid = typeof value === 'object' && value !== null && Object.values(value).every((scopes) => Array.isArray(scopes) && scopes.every((scope) => typeof scope === 'string'));
    if (!valid) throw new errors.InvalidClientMetadata('resource_scopes must map resources to lists of scopes');
  } else if (key === 'mfa_policy') {
    if (value !== undefined && value !== 'required' && value !== 'optional') throw new errors.InvalidClientMetadata('mfa_policy must be required or optional');
  } else if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)) {
    throw new errors.InvalidClientMetadata(`${key} must be a positive number of seconds`);
  }
}

/** Builds one provider instance; rebuilt whenever the signing or cookie keys change. */
export function createProvider(options: ProviderOptions): Provider {
  const signingAlg = options.signingAlgorithm;
  const resourceOfRequest = defaultResource(options.catalog);
  const configuration: Configuration = {
    adapter: options.adapter,
    jwks: { keys: [...options.signingKeys] },
    cookies: {
      keys: [...options.cookieKeys],
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    scopes: [...OPENID_SCOPES],
    // acr and amr (OIDC Core §2) say how the user signed in; every ID token carries both.
    claims: { openid: ['sub', 'acr', 'amr'], profile: ['preferred_username'], email: ['email'] },
    acrValues: [...ACR_VALUES],
    responseTypes: ['code'],
    // OAuth 2.1 §4.1.1: PKCE for every client; the library accepts S256 only.
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    enabledJWA: {
      idTokenSigningAlgValues: [signingAlg as 'ES256'],
      clientAuthSigningAlgValues: ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA'],
    },
    clientDefaults: { id_token_signed_response_alg: signingAlg as 'ES256', grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
    extraClientMetadata: { properties: [...EXTRA_METADATA], validator: validateExtraMetadata },
    // `gty` tells resource servers whom a token speaks for (docs/tokens.md): the client itself, or a
    // user (authorization code, and the refresh of such a grant).
    extraTokenClaims: (_ctx, token) => ({ gty: token.kind === 'ClientCredentials' ? 'client_credentials' : 'authorization_code' }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Opaque tokens (refresh tokens, userinfo access tokens); jwt-tokens.ts applies the same rule to JWTs.
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => mayIntrospect(client, token.clientId) },
      revocation: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      dPoP: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: logoutPage, postLogoutSuccessSource: signedOutPage },
      // OpenID Connect Back-Channel Logout 1.0 (backchannel-logout.ts).
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // An authorization for one resource needs no `resource` again at the token endpoint.
        useGrantedResource: () => true,
        defaultResource: (ctx, client, oneOf) => {
          checkAuthorizationScope(ctx, heldScopes(client));
          return resourceOfRequest(ctx, client, oneOf);
        },
        getResourceServerInfo: resourceServerInfo(options.catalog, signingAlg),
      },
    },
    // OAuth 2.1 §4.3.1 and RFC 9700 §4.14.2: every use of a refresh token replaces it, and a
    // replaced one presented again revokes the whole grant (the library's reuse detection); a
    // refused `resource` is refused before the token is replaced (refresh-resource.ts).
    rotateRefreshToken: rotateAfterResourceCheck,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      ...LIFETIMES,
      AccessToken: (_ctx, _token, client) => lifetime(client, 'access_token_ttl'),
      ClientCredentials: (_ctx, _token, client) => lifetime(client, 'access_token_ttl'),
      RefreshToken: (_ctx, _token, client) => lifetime(client, 'refresh_token_ttl'),
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: interactionsPolicy() },
    findAccount: async (_ctx, sub) => {
      const claims = await options.findAccount(sub);
      return claims === undefined ? undefined : { accountId: sub, claims: () => ({ ...claims, sub }) };
    },
    fetch: options.fetch,
    renderError: errorPage,
    // The discovery document is public; browser pages of the configured origins (`authz.corsOrigins`)
    // may call the token endpoints, as Swagger UI's Authorize button does.
    clientBasedCORS: (_ctx, origin) => options.corsOrigins.includes(origin),
  };
  const provider = new Provider(options.issuer, configuration);
  // The stored `client_secret` is a hash: compare by verifying, in constant time, off the event loop.
  // A verified pair is remembered by a digest of (stored hash, presented secret), never the secret:
  // a busy client then pays one HKDF per secret, and a rotated secret (a new hash) starts over.
  const secrets = options.clientSecrets;
  const verified = new Lru<string, true>(VERIFIED_SECRETS);
  provider.Client.prototype.compareClientSecret = async function compareHashedSecret(this: Client, presented: string): Promise<boolean> {
    const stored = String(this.clientSecret);
    const pair = createHash('sha256').update(stored).update('\0').update(presented).digest('base64url');
    if (verified.get(pair) === true) return true;
    const matches = await secrets.verify(presented, stored);
    if (matches) verified.set(pair, true);
    return matches;
  };
  provider.on('server_error', (_ctx: unknown, error: Error) => { options.onServerError(error); });
  provider.on('backchannel.error', (_ctx: unknown, error: unknown, client: Client) => { options.onLogoutFailure(client.clientId, failureReason(error)); });
  return provider;
}
