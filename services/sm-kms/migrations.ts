/**
 * The sm-kms schema, one released step per class. `check` constraints hold the state machine's
 * vocabulary, so a status outside docs/sm-kms/key-states.md cannot be stored even by a bug; the
 * unique (elastic key, version) pair makes two concurrent rotations fail instead of sharing a version.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../template/database/index.ts';

class CreateKmsKeys extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table kms_elastic_keys (
      id ${t.uuid} not null primary key,
      name ${t.text} not null,
      description ${t.text} not null,
      algorithm ${t.text} not null,
      status ${t.text} not null check (status in ('active', 'disabled', 'pending_deletion', 'deleted')),
      versioning_allowed ${t.boolean} not null,
      import_allowed ${t.boolean} not null,
      revoked_may_decrypt ${t.boolean} not null,
      revoked_may_verify ${t.boolean} not null,
      deletion_scheduled_at ${t.timestamp} null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null,
      constraint kms_elastic_keys_name_unique unique (name)
    )`);
    this.addSql('create index kms_elastic_keys_status_index on kms_elastic_keys (status)');
    this.addSql(`create table kms_material_keys (
      id ${t.uuid} not null primary key,
      elastic_key_id ${t.uuid} not null references kms_elastic_keys (id),
      version ${t.integer} not null check (version >= 1),
      status ${t.text} not null check (status in ('active', 'revoked')),
      imported ${t.boolean} not null,
      public_jwk ${t.json} null,
      sealed_jwk ${t.bytes} null,
      created_at ${t.timestamp} not null,
      revoked_at ${t.timestamp} null,
      constraint kms_material_keys_version_unique unique (elastic_key_id, version)
    )`);
    this.addSql(`create table kms_audit_events (
      id ${t.uuid} not null primary key,
      elastic_key_id ${t.uuid} not null references kms_elastic_keys (id),
      material_key_id ${t.uuid} null references kms_material_keys (id),
      action ${t.text} not null,
      actor ${t.text} not null,
      actor_client_id ${t.text} not null,
      from_status ${t.text} null,
      to_status ${t.text} null,
      at ${t.timestamp} not null
    )`);
    this.addSql('create index kms_audit_events_elastic_key_id_index on kms_audit_events (elastic_key_id, at)');
  }
}

/**
 * Key usage limits (docs/sm-kms/usage-limits.md): each material key counts the AES-GCM encryptions
 * it made with random IVs, and an elastic key may rotate itself before its latest version runs out.
 */
class CountGcmEncryptions extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`alter table kms_material_keys add column gcm_encryptions ${t.bigint} not null default 0 check (gcm_encryptions >= 0)`);
    this.addSql(`alter table kms_elastic_keys add column auto_rotate ${t.boolean} not null default false`);
  }
}

/** Migrations in the order they run; a released step never changes. */
export const migrations: readonly MigrationObject[] = [
  { name: '0001-create-kms-keys', class: CreateKmsKeys },
  { name: '0002-count-gcm-encryptions', class: CountGcmEncryptions },
];
