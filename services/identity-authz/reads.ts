/**
 * identity-authz's hot reads as prepared statements (docs/decisions/0004-prepared-reads.md): the
 * client behind every token request and the account behind every code flow. Changes go through
 * the ORM; the payload look-ups of the library's adapter are in storage/adapter.ts.
 */
import type { JWK } from 'jose';
import { defineRead, type Reads } from '../template/database/index.ts';
import type { OauthClient } from './entities.ts';

/** What `providerMetadata` needs of a client: the ORM's entity and the read's row both fit. */
export type ClientRecord = Pick<OauthClient, 'id' | 'name' | 'secretHash' | 'authMethod' | 'grantTypes' | 'redirectUris' | 'postLogoutRedirectUris' | 'openidScopes' | 'resourceScopes' | 'jwks' | 'accessTokenTtlSeconds' | 'refreshTokenTtlSeconds' | 'backchannelLogoutUri' | 'backchannelLogoutSessionRequired' | 'mfa'>;

const CLIENT_BY_ID = defineRead(
  `select id, name, secret_hash as "secretHash", auth_method as "authMethod", grant_types as "grantTypes", redirect_uris as "redirectUris",
     post_logout_redirect_uris as "postLogoutRedirectUris", openid_scopes as "openidScopes", resource_scopes as "resourceScopes", jwks,
     access_token_ttl_seconds as "accessTokenTtlSeconds", refresh_token_ttl_seconds as "refreshTokenTtlSeconds",
     backchannel_logout_uri as "backchannelLogoutUri", backchannel_logout_session_required as "backchannelLogoutSessionRequired", mfa
   from authz_clients where id = ?`,
  {
    id: 'string', name: 'string', secretHash: 'string?', authMethod: 'string', grantTypes: 'json', redirectUris: 'json', postLogoutRedirectUris: 'json',
    openidScopes: 'json', resourceScopes: 'json', jwks: 'json?', accessTokenTtlSeconds: 'integer', refreshTokenTtlSeconds: 'integer',
    backchannelLogoutUri: 'string?', backchannelLogoutSessionRequired: 'boolean', mfa: 'string',
  },
);

const ACCOUNT_CLAIMS = defineRead('select claims from authz_accounts where id = ?', { claims: 'json' });

/** The client with this id; undefined when there is none. */
export async function readClient(reads: Reads, id: string): Promise<ClientRecord | undefined> {
  const row = await reads.one(CLIENT_BY_ID, [id]);
  if (row === undefined) return undefined;
  return {
    ...row,
    grantTypes: row.grantTypes as string[],
    redirectUris: row.redirectUris as string[],
    postLogoutRedirectUris: row.postLogoutRedirectUris as string[],
    openidScopes: row.openidScopes as string[],
    resourceScopes: row.resourceScopes as Record<string, string[]>,
    jwks: row.jwks as { keys: JWK[] } | null,
  };
}

/** The claims of the account with this id; undefined when there is none. */
export async function readAccountClaims(reads: Reads, id: string): Promise<Record<string, unknown> | undefined> {
  return (await reads.one(ACCOUNT_CLAIMS, [id]))?.claims as Record<string, unknown> | undefined;
}
