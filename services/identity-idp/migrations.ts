/**
 * The identity-idp schema, one released step per class. Usernames are unique as stored (the API
 * keeps their case); deleting a user deletes its sessions in the same statement.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../template/database/index.ts';

class CreateIdpUsersAndSessions extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table idp_users (
      id ${t.uuid} not null primary key,
      username ${t.text} not null,
      email ${t.text} not null,
      password_hash ${t.text} not null,
      failed_attempts ${t.integer} not null check (failed_attempts >= 0),
      locked_until ${t.timestamp} null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null,
      constraint idp_users_username_unique unique (username)
    )`);
    this.addSql(`create table idp_sessions (
      id ${t.uuid} not null primary key,
      token_hash ${t.text} not null,
      user_id ${t.uuid} not null references idp_users (id) on delete cascade,
      auth_time ${t.timestamp} not null,
      amr ${t.text} not null,
      expires_at ${t.timestamp} not null,
      created_at ${t.timestamp} not null,
      constraint idp_sessions_token_hash_unique unique (token_hash)
    )`);
    this.addSql('create index idp_sessions_user_id_index on idp_sessions (user_id)');
    this.addSql('create index idp_sessions_expires_at_index on idp_sessions (expires_at)');
  }
}

/** Failed-login counters of unknown usernames (the lockout of accounts that do not exist). */
class CreateIdpLoginCounters extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table idp_login_counters (
      username ${t.text} not null primary key,
      failed_attempts ${t.integer} not null check (failed_attempts >= 0),
      locked_until ${t.timestamp} null
    )`);
  }
}

/**
 * Groups and membership. Users that exist already join the built-in `users` group, so they keep
 * every ordinary scope they had; a user leaves its groups when it is deleted.
 */
class CreateIdpGroups extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table idp_groups (
      name ${t.text} not null primary key,
      scopes ${t.json} not null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql(`create table idp_group_members (
      group_name ${t.text} not null,
      user_id ${t.uuid} not null references idp_users (id) on delete cascade,
      primary key (group_name, user_id)
    )`);
    this.addSql('create index idp_group_members_user_id_index on idp_group_members (user_id)');
    this.addSql("insert into idp_group_members (group_name, user_id) select 'users', id from idp_users");
  }
}

/**
 * Second factors: TOTP authenticators (secret under the barrier), recovery codes (hashed) and the
 * logins waiting for their second factor. All of them go with their user.
 */
class CreateIdpSecondFactors extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table idp_totp (
      user_id ${t.uuid} not null primary key references idp_users (id) on delete cascade,
      sealed_secret ${t.bytes} not null,
      confirmed_at ${t.timestamp} null,
      last_step ${t.integer} null,
      created_at ${t.timestamp} not null
    )`);
    this.addSql(`create table idp_recovery_codes (
      id ${t.uuid} not null primary key,
      user_id ${t.uuid} not null references idp_users (id) on delete cascade,
      code_hash ${t.text} not null,
      used_at ${t.timestamp} null,
      created_at ${t.timestamp} not null
    )`);
    this.addSql('create index idp_recovery_codes_user_id_index on idp_recovery_codes (user_id)');
    this.addSql(`create table idp_pending_logins (
      id ${t.uuid} not null primary key,
      token_hash ${t.text} not null,
      user_id ${t.uuid} not null references idp_users (id) on delete cascade,
      request_id ${t.text} not null,
      expires_at ${t.timestamp} not null,
      created_at ${t.timestamp} not null,
      constraint idp_pending_logins_token_hash_unique unique (token_hash)
    )`);
    this.addSql('create index idp_pending_logins_expires_at_index on idp_pending_logins (expires_at)');
  }
}

/** Passkeys (public keys only) and the challenges of their ceremonies. */
class CreateIdpPasskeys extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table idp_passkeys (
      id ${t.uuid} not null primary key,
      user_id ${t.uuid} not null references idp_users (id) on delete cascade,
      credential_id ${t.text} not null,
      public_key ${t.bytes} not null,
      counter ${t.bigint} not null check (counter >= 0),
      transports ${t.text} not null,
      amr ${t.text} not null,
      created_at ${t.timestamp} not null,
      last_used_at ${t.timestamp} null,
      constraint idp_passkeys_credential_id_unique unique (credential_id)
    )`);
    this.addSql('create index idp_passkeys_user_id_index on idp_passkeys (user_id)');
    this.addSql(`create table idp_passkey_challenges (
      challenge ${t.text} not null primary key,
      purpose ${t.text} not null,
      binding ${t.text} not null,
      expires_at ${t.timestamp} not null
    )`);
    this.addSql('create index idp_passkey_challenges_expires_at_index on idp_passkey_challenges (expires_at)');
  }
}

/**
 * Step-up: a pending login that upgrades a live session keeps that session's `amr` and the time
 * of its password, which the upgraded session carries on (both null for a login from the password).
 */
class AddIdpPendingStepUp extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`alter table idp_pending_logins add column step_up_amr ${t.text} null`);
    this.addSql(`alter table idp_pending_logins add column step_up_auth_time ${t.timestamp} null`);
  }
}

/** Migrations in the order they run; a released step never changes. */
export const migrations: readonly MigrationObject[] = [
  { name: '0001-create-idp-users-and-sessions', class: CreateIdpUsersAndSessions },
  { name: '0002-create-idp-login-counters', class: CreateIdpLoginCounters },
  { name: '0003-create-idp-groups', class: CreateIdpGroups },
  { name: '0004-create-idp-second-factors', class: CreateIdpSecondFactors },
  { name: '0005-create-idp-passkeys', class: CreateIdpPasskeys },
  { name: '0006-pending-login-step-up', class: AddIdpPendingStepUp },
];
