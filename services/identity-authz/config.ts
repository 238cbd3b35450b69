/**
 * identity-authz's own configuration keys (`authz.*`), merged by the template with its shared keys.
 * Defaults suit `cryptoutil up`; in a cluster the issuer and the identity-idp URL are set explicitly.
 */
import type { Schema } from 'convict';
import { isHttpsUrl } from '../template/auth/discovery.ts';
import { UsageError } from '../template/errors/index.ts';
import type { UpSignInClient } from '../template/service.ts';
import { OPENID_SCOPES } from './provider.ts';

export type TokenSigningAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

/** `authz.signInClients[]`: a confidential authorization-code client kept as configured (`cryptoutil up`'s identity-rp). */
export type SignInClientConfig = UpSignInClient;

export interface AuthzConfig {
  readonly authz: {
    /** The issuer identifier; empty means the public listener's base URL. */
    readonly issuer: string;
    /** identity-idp's public base URL: where browsers log in and where its JWKS lives. */
    readonly idpUrl: string;
    readonly signingAlgorithm: TokenSigningAlgorithm;
    readonly keyRotationDays: number;
    readonly accessTokenTtlSeconds: number;
    readonly refreshTokenTtlSeconds: number;
    /** How often expired codes, sessions, revocations and used login results are deleted. */
    readonly sweepIntervalSeconds: number;
    /** Origins whose browser pages may call the token endpoints: `cryptoutil up`'s Swagger UIs. */
    readonly corsOrigins: readonly string[];
    /** A client created (or brought in line) at first use: `cryptoutil up`'s `cryptoutil-demo`. */
    readonly bootstrapClient: { readonly id: string; readonly secret: string };
    /** Sign-in clients created (or brought in line) at first use: `cryptoutil up`'s identity-rp. */
    readonly signInClients: readonly SignInClientConfig[];
  };
}

/** As the clients API takes a chosen id. */
const CLIENT_ID = /^[A-Za-z0-9._-]{3,64}$/;

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** What is wrong with `authz.signInClients[index]`, or undefined; never quotes the secret. */
function signInClientProblem(client: unknown, index: number): string | undefined {
  const key = `authz.signInClients[${String(index)}]`;
  if (typeof client !== 'object' || client === null || Array.isArray(client)) return `${key} must be an object`;
  const { id, secret, redirectUris, postLogoutRedirectUris, openidScopes, resourceScopes, backchannelLogoutUri, ...unknown } = client as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) return `${key} has unknown keys: ${extra.join(', ')}`;
  if (typeof id !== 'string' || !CLIENT_ID.test(id)) return `${key}.id must be a client id (letters, digits, . _ -)`;
  if (typeof secret !== 'string' || secret.length < 32) return `${key}.secret must be at least 32 characters`;
  if (!isStringList(redirectUris) || redirectUris.length === 0 || !redirectUris.every(isHttpsUrl)) return `${key}.redirectUris must list https URLs (at least one)`;
  if (!isStringList(postLogoutRedirectUris) || !postLogoutRedirectUris.every(isHttpsUrl)) return `${key}.postLogoutRedirectUris must list https URLs (or none)`;
  if (!isStringList(openidScopes) || !openidScopes.includes('openid') || !openidScopes.every((scope) => (OPENID_SCOPES as readonly string[]).includes(scope))) {
    return `${key}.openidScopes must include openid and list only ${OPENID_SCOPES.join(', ')}`;
  }
  if (typeof resourceScopes !== 'object' || resourceScopes === null || Array.isArray(resourceScopes) || !Object.values(resourceScopes).every(isStringList)) {
    return `${key}.resourceScopes must map resources to lists of scopes (or be {})`;
  }
  if (backchannelLogoutUri !== undefined && (typeof backchannelLogoutUri !== 'string' || !isHttpsUrl(backchannelLogoutUri))) {
    return `${key}.backchannelLogoutUri must be an https URL`;
  }
  return undefined;
}

/** The rules convict cannot express; a broken one stops start-up with exit 2, naming the key. */
export function checkAuthzConfig(config: AuthzConfig): void {
  const { issuer, idpUrl, bootstrapClient, corsOrigins } = config.authz;
  if (issuer !== '' && !isHttpsUrl(issuer)) throw new UsageError('authz.issuer must be an https URL');
  if (idpUrl !== '' && !isHttpsUrl(idpUrl)) throw new UsageError('authz.idpUrl must be an https URL');
  // An origin is compared as the browser sends it: scheme, host and port, nothing after.
  const notOrigin = corsOrigins.find((origin) => !isHttpsUrl(origin) || new URL(origin).origin !== origin);
  if (notOrigin !== undefined) throw new UsageError(`authz.corsOrigins: ${JSON.stringify(notOrigin)} is not an https origin (https://host[:port], no path)`);
  if (bootstrapClient.id !== '' && bootstrapClient.secret === '') {
    throw new UsageError('authz.bootstrapClient.secret must be set when authz.bootstrapClient.id is');
  }
  const clients: unknown[] = config.authz.signInClients as unknown[];
  const problems = clients.map(signInClientProblem).filter((problem) => problem !== undefined);
  const ids = clients.map((client) => (client as { id: string }).id);
  if (problems.length === 0 && [...ids, bootstrapClient.id].some((id, index, all) => all.indexOf(id) !== index)) problems.push('authz.signInClients: every client id must be distinct (and differ from authz.bootstrapClient.id)');
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
}

export const authzSchema: Schema<AuthzConfig> = {
  authz: {
    issuer: { doc: 'Issuer identifier (https URL, no trailing slash); empty means the public listener URL.', format: String, default: '' },
    idpUrl: { doc: 'Public base URL of identity-idp, which runs login and consent.', format: String, default: '' },
    signingAlgorithm: { doc: 'Algorithm of the token signing keys.', format: ['ES256', 'RS256', 'EdDSA'], default: 'ES256' },
    keyRotationDays: { doc: 'Days after which the token signing key is replaced.', format: 'nat', default: 30 },
    accessTokenTtlSeconds: { doc: 'Default access token lifetime in seconds (a client may set its own).', format: 'nat', default: 3600 },
    refreshTokenTtlSeconds: { doc: 'Default refresh token lifetime in seconds (a client may set its own).', format: 'nat', default: 1_209_600 },
    sweepIntervalSeconds: { doc: 'Seconds between deletions of expired authorization data.', format: 'nat', default: 60 },
    corsOrigins: { doc: 'Origins (https://host:port) whose browser pages may call the token endpoints, e.g. the Swagger UI of each service; `cryptoutil up` lists every service.', format: Array, default: [] },
    bootstrapClient: {
      id: { doc: 'Client id of a confidential client allowed every scope of every service, created at first use.', format: String, default: '' },
      secret: { doc: 'Its client secret (use a file:// reference).', format: String, default: '', sensitive: true },
    },
    signInClients: {
      doc: 'Confidential authorization-code clients (with refresh tokens) created or brought in line at first use, each '
        + '{id, secret, redirectUris, postLogoutRedirectUris, openidScopes, resourceScopes: {resource: [scopes]}}; '
        + '`cryptoutil up` lists identity-rp here. The secrets are hashed before they are stored.',
      format: Array,
      default: [],
      sensitive: true,
    },
  },
};
