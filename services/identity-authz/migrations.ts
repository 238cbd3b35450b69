/** identity-authz's own schema (clients, accounts, revocation list, used login results). */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../template/database/index.ts';

class CreateAuthzTables extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table authz_clients (
      id ${t.text} not null primary key,
      name ${t.text} not null,
      secret_hash ${t.text} null,
      auth_method ${t.text} not null check (auth_method in ('client_secret_basic', 'client_secret_post', 'private_key_jwt')),
      grant_types ${t.json} not null,
      redirect_uris ${t.json} not null,
      post_logout_redirect_uris ${t.json} not null,
      openid_scopes ${t.json} not null,
      resource_scopes ${t.json} not null,
      jwks ${t.json} null,
      access_token_ttl_seconds ${t.integer} not null,
      refresh_token_ttl_seconds ${t.integer} not null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql(`create table authz_accounts (
      id ${t.text} not null primary key,
      claims ${t.json} not null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql(`create table authz_revoked_tokens (
      jti ${t.text} not null primary key,
      expires_at ${t.timestamp} not null
    )`);
    this.addSql(`create table authz_used_login_results (
      jti ${t.text} not null primary key,
      expires_at ${t.timestamp} not null
    )`);
  }
}

/** Revocation by account and by client: a cut-off that ends the JWT access tokens issued before it. */
class CreateRevokedSubjects extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table authz_revoked_subjects (
      kind ${t.text} not null check (kind in ('account', 'client')),
      subject ${t.text} not null,
      revoked_at ${t.timestamp} not null,
      primary key (kind, subject)
    )`);
  }
}

/** OpenID Connect Back-Channel Logout 1.0: a client's logout URI and whether it wants `sid`. */
class AddBackchannelLogout extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`alter table authz_clients add column backchannel_logout_uri ${t.text} null`);
    this.addSql(`alter table authz_clients add column backchannel_logout_session_required ${t.boolean} not null default ${this.engine === 'postgresql' ? 'false' : '0'}`);
  }
}

/** A client's MFA policy (`required` or `optional`); existing clients keep signing in as before. */
class AddClientMfa extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`alter table authz_clients add column mfa ${t.text} not null default 'optional'`);
  }
}

/** Resource servers declared through the API, beside the built-in ones of the services. */
class CreateResourceServers extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table authz_resource_servers (
      name ${t.text} not null primary key,
      identifier ${t.text} not null unique,
      description ${t.text} not null,
      scopes ${t.json} not null,
      managed_by ${t.text} null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
  }
}

/** Migrations in the order they run; a released step never changes. */
export const authzOwnMigrations: readonly MigrationObject[] = [
  { name: 'authz-0002-clients-accounts', class: CreateAuthzTables },
  { name: 'authz-0004-revoked-subjects', class: CreateRevokedSubjects },
  { name: 'authz-0005-backchannel-logout', class: AddBackchannelLogout },
  { name: 'authz-0006-client-mfa', class: AddClientMfa },
  { name: 'authz-0007-resource-servers', class: CreateResourceServers },
];
