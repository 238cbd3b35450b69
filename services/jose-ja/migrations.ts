/**
 * The jose-ja schema, one released step per class. The partial unique indexes make "one active and
 * one next key per set" a property of the database: a bug or a race that would make a second one
 * fails instead of committing.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../template/database/index.ts';

class CreateKeySets extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table ja_key_sets (
      id ${t.uuid} not null primary key,
      name ${t.text} not null,
      use ${t.text} not null check (use in ('sig', 'enc')),
      alg ${t.text} not null,
      rotation_days ${t.integer} not null check (rotation_days between 1 and 3650),
      retention_days ${t.integer} not null check (retention_days between 1 and 3650),
      issuer ${t.text} not null,
      token_type ${t.text} not null,
      paired_with ${t.text} null,
      version ${t.integer} not null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null,
      constraint ja_key_sets_name_unique unique (name)
    )`);
    this.addSql(`create table ja_keys (
      id ${t.uuid} not null primary key,
      key_set_id ${t.uuid} not null references ja_key_sets (id),
      kid ${t.text} not null,
      status ${t.text} not null check (status in ('next', 'active', 'retired')),
      public_jwk ${t.json} not null,
      sealed_jwk ${t.bytes} not null,
      created_at ${t.timestamp} not null,
      activated_at ${t.timestamp} null,
      retired_at ${t.timestamp} null,
      delete_after ${t.timestamp} null,
      constraint ja_keys_kid_unique unique (kid)
    )`);
    this.addSql('create index ja_keys_key_set_id_index on ja_keys (key_set_id)');
    this.addSql("create unique index ja_keys_one_active on ja_keys (key_set_id) where status = 'active'");
    this.addSql("create unique index ja_keys_one_next on ja_keys (key_set_id) where status = 'next'");
    this.addSql("create index ja_keys_retired_index on ja_keys (delete_after) where status = 'retired'");
    this.addSql(`create table ja_audit (
      id ${t.uuid} not null primary key,
      key_set ${t.text} not null,
      action ${t.text} not null,
      kid ${t.text} null,
      outcome ${t.text} not null check (outcome in ('success', 'failure')),
      detail ${t.text} null,
      actor_subject ${t.text} not null,
      actor_client_id ${t.text} not null,
      at ${t.timestamp} not null
    )`);
    this.addSql('create index ja_audit_key_set_index on ja_audit (key_set, at)');
  }
}

/** Migrations in the order they run; a released step never changes. */
export const migrations: readonly MigrationObject[] = [
  { name: '0001-create-key-sets', class: CreateKeySets },
];
