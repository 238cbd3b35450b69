/**
 * identity-authz's own configuration keys (`authz.*`), merged by the template with its shared keys.
 * Defaults suit `cryptoutil up`; in a cluster the issuer and the identity-idp URL are set explicitly.
 */
import type { Schema } from 'convict';
import { isHttpsUrl } from '../template/auth/discovery.ts';
import { UsageError } from '../template/errors/index.ts';

export type TokenSigningAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

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
  };
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
  },
};
