/**
 * The schema of `signing_keys`. The partial unique index is what settles a race between processes:
 * at most one key per purpose has `retired_at` null, so a second process creating the first key (or
 * rotating the same key) fails its insert and adopts the winner's key instead of publishing its own.
 */
// @ts-nocheck

import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../database/index.ts';

class CreateSigningKeys extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table signing_keys (
      id ${t.uuid} not null primary key,
      purpose ${t.text} not null check (length(purpose) between 1 and 100),
      algorithm ${t.text} not null check (algorithm in ('ES256', 'RS256', 'EdDSA', 'HS256')),
      sealed ${t.bytes} not null,
      created_at ${t.timestamp} not null,
      retired_at ${t.timestamp} null
    )`);
    this.addSql('create index signing_keys_purpose_index on signing_keys (purpose)');
    // PostgreSQL and SQLite (3.8+) both accept partial indexes with this exact syntax.
    this.addSql('create unique index signing_keys_active_unique on signing_keys (purpose) where retired_at is null');
  }
}

/** Run after the barrier's migrations; a released step never changes. */
export const signingKeyMigrations: readonly MigrationObject[] = [
  { name: 'signing-keys-0001-create', class: CreateSigningKeys },
];
