/**
 * The barrier's schema, one released step per class. Check constraints hold what the code assumes
 * even against a hand-edited row: one state row, a threshold Shamir can honour, and every wrapped
 * key exactly one AES-256-GCM sealed 32-byte key (60 bytes).
 */
// @ts-nocheck

import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../database/index.ts';

class CreateBarrierKeys extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table barrier_state (
      id ${t.integer} not null primary key check (id = 1),
      threshold ${t.integer} not null check (threshold between 2 and 255),
      created_at ${t.timestamp} not null
    )`);
    this.addSql(`create table barrier_root_keys (
      id ${t.uuid} not null primary key,
      wrapped ${t.bytes} not null check (length(wrapped) = 60),
      created_at ${t.timestamp} not null
    )`);
    this.addSql(`create table barrier_intermediate_keys (
      id ${t.uuid} not null primary key,
      parent_id ${t.uuid} not null references barrier_root_keys (id),
      wrapped ${t.bytes} not null check (length(wrapped) = 60),
      created_at ${t.timestamp} not null
    )`);
    this.addSql('create index barrier_intermediate_keys_parent_id_index on barrier_intermediate_keys (parent_id)');
  }
}

/** Run before a service's own migrations; a released step never changes. */
export const barrierMigrations: readonly MigrationObject[] = [
  { name: 'barrier-0001-create-keys', class: CreateBarrierKeys },
];
