/**
 * identity-authz's own tables. A client secret exists only as a HighEntropyRandom hash; accounts
 * hold the claims identity-idp vouched for at the last login; the revocation list holds the `jti`
 * of revoked JWT access tokens until they expire; used login results are remembered until theirs
 * expire, which makes each one single-use.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
// @mikro-orm/sql holds this; both driver packages re-export it and only they are dependencies.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { JWK } from 'jose';
import { timestamps } from '../template/database/index.ts';

export const OauthClient = defineEntity({
  name: 'OauthClient',
  tableName: 'authz_clients',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    /** `hash.highEntropyRandom` of the secret; null for private_key_jwt clients. */
    secretHash: p.string().nullable(),
    authMethod: p.string(),
    grantTypes: p.json<string[]>(),
    redirectUris: p.json<string[]>(),
    postLogoutRedirectUris: p.json<string[]>(),
    openidScopes: p.json<string[]>(),
    /** resource indicator → scopes the client may hold for it. */
    resourceScopes: p.json<Record<string, string[]>>(),
    jwks: p.json<{ keys: JWK[] }>().nullable(),
    accessTokenTtlSeconds: p.integer(),
    refreshTokenTtlSeconds: p.integer(),
    /** OpenID Connect Back-Channel Logout 1.0: where logout tokens are POSTed; null for none. */
    backchannelLogoutUri: p.string().nullable(),
    /** Whether the client's logout tokens (and ID tokens) carry `sid`. */
    backchannelLogoutSessionRequired: p.boolean(),
    /** `required` or `optional`: whether the client's users must sign in with two factors. */
    mfa: p.string(),
    ...timestamps(),
  },
});
export type OauthClient = InferEntity<typeof OauthClient>;

/**
 * A resource server declared through the API (RFC 8707): its `identifier` is the audience of its
 * tokens; the built-in ones (`urn:cryptoutil:<service>`) come from the services' documents instead.
 */
export const ResourceServer = defineEntity({
  name: 'ResourceServer',
  tableName: 'authz_resource_servers',
  properties: {
    name: p.string().primary(),
    identifier: p.string().unique(),
    description: p.string(),
    /** Sorted. */
    scopes: p.json<string[]>(),
    /** Opaque to identity-authz: who keeps this resource server (the operator's marker). */
    managedBy: p.string().nullable(),
    ...timestamps(),
  },
});
export type ResourceServer = InferEntity<typeof ResourceServer>;

export const Account = defineEntity({
  name: 'Account',
  tableName: 'authz_accounts',
  properties: {
    id: p.string().primary(),
    claims: p.json<Record<string, unknown>>(),
    ...timestamps(),
  },
});
export type Account = InferEntity<typeof Account>;

export const RevokedToken = defineEntity({
  name: 'RevokedToken',
  tableName: 'authz_revoked_tokens',
  properties: {
    jti: p.string().primary(),
    expiresAt: p.datetime(),
  },
});
export type RevokedToken = InferEntity<typeof RevokedToken>;

/**
 * An account (identity-idp deleted, locked or re-passworded it) or a client (deleted) whose JWT
 * access tokens issued up to `revokedAt` are no longer active. JWT access tokens are not stored,
 * so this cut-off stands in for listing their `jti`s; a row stays as long as such a token could.
 */
export const RevokedSubject = defineEntity({
  name: 'RevokedSubject',
  tableName: 'authz_revoked_subjects',
  properties: {
    /** `account` (the token's `sub`) or `client` (its `client_id`). */
    kind: p.string().primary(),
    subject: p.string().primary(),
    revokedAt: p.datetime(),
  },
});
export type RevokedSubject = InferEntity<typeof RevokedSubject>;

export const UsedLoginResult = defineEntity({
  name: 'UsedLoginResult',
  tableName: 'authz_used_login_results',
  properties: {
    jti: p.string().primary(),
    expiresAt: p.datetime(),
  },
});
export type UsedLoginResult = InferEntity<typeof UsedLoginResult>;

/** Inserts a `{jti, expiresAt}` row unless one with that `jti` exists; true when this call wrote it. */
export async function insertOnce(em: SqlEntityManager, entity: typeof RevokedToken | typeof UsedLoginResult, row: { jti: string; expiresAt: Date }): Promise<boolean> {
  const result = await em.createQueryBuilder(entity).insert(row).onConflict('jti').ignore().execute<{ affectedRows: number }>('run');
  return result.affectedRows === 1;
}

export const authzOwnEntities = [OauthClient, Account, RevokedToken, UsedLoginResult, RevokedSubject, ResourceServer];
