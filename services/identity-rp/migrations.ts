/** The identity-rp schema, one released step per class. */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../template/database/index.ts';

class CreateLoginsAndSessions extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table rp_logins (
      id ${t.uuid} not null primary key,
      binding_hash ${t.text} not null unique,
      sealed ${t.bytes} not null,
      expires_at ${t.timestamp} not null,
      created_at ${t.timestamp} not null
    )`);
    this.addSql(`create table rp_sessions (
      id ${t.uuid} not null primary key,
      cookie_hash ${t.text} not null unique,
      subject ${t.text} not null,
      sid ${t.text} not null,
      sealed ${t.bytes} not null,
      version ${t.integer} not null,
      access_expires_at ${t.timestamp} not null,
      refreshing_until ${t.timestamp} null,
      expires_at ${t.timestamp} not null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql('create index rp_sessions_sid on rp_sessions (sid)');
    this.addSql('create index rp_sessions_subject on rp_sessions (subject)');
  }
}

/** Back-channel logout: the logout tokens already acted on, until they expire. */
class CreateUsedLogoutTokens extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table rp_used_logout_tokens (
      replay_key ${t.text} not null primary key,
      expires_at ${t.timestamp} not null
    )`);
    this.addSql('create index rp_used_logout_tokens_expires_at on rp_used_logout_tokens (expires_at)');
  }
}

/** Migrations in the order they run; a released step never changes. */
export const migrations: readonly MigrationObject[] = [
  { name: '0001-create-logins-and-sessions', class: CreateLoginsAndSessions },
  { name: '0002-create-used-logout-tokens', class: CreateUsedLogoutTokens },
];
