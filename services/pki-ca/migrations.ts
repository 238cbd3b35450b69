/**
 * The pki-ca schema, one released step per class. `check` constraints hold the vocabularies of CA
 * kinds and statuses and of certificate statuses; unique CA names make two processes bootstrapping
 * at once collide instead of creating two roots.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { leaseMigration } from './lease.ts';
import { crlMigration } from './crl/migrations.ts';
import { delegatedSignerMigration } from './delegated-store.ts';
import { acmeMigrations } from './acme/migrations.ts';
import { PortableMigration } from '../template/database/index.ts';

class CreatePkiCasAndCertificates extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table pki_cas (
      id ${t.uuid} not null primary key,
      name ${t.text} not null,
      kind ${t.text} not null check (kind in ('root', 'intermediate', 'issuing')),
      parent_id ${t.uuid} null references pki_cas (id),
      key_algorithm ${t.text} not null,
      certificate ${t.bytes} not null,
      sealed_private_key ${t.bytes} not null,
      status ${t.text} not null check (status in ('active', 'retiring', 'retired')),
      not_before ${t.timestamp} not null,
      not_after ${t.timestamp} not null,
      created_at ${t.timestamp} not null,
      constraint pki_cas_name_unique unique (name)
    )`);
    this.addSql(`create table pki_certificates (
      id ${t.uuid} not null primary key,
      serial_hex ${t.text} not null,
      ca_id ${t.uuid} not null references pki_cas (id),
      profile ${t.text} not null,
      subject ${t.text} not null,
      sans ${t.json} not null,
      not_before ${t.timestamp} not null,
      not_after ${t.timestamp} not null,
      certificate ${t.bytes} not null,
      status ${t.text} not null check (status in ('good', 'revoked')),
      revoked_at ${t.timestamp} null,
      revocation_reason ${t.text} null,
      created_at ${t.timestamp} not null,
      constraint pki_certificates_serial_unique unique (serial_hex)
    )`);
    this.addSql('create index pki_certificates_ca_status_index on pki_certificates (ca_id, status)');
    this.addSql('create index pki_certificates_status_index on pki_certificates (status, created_at)');
    this.addSql('create index pki_certificates_created_index on pki_certificates (created_at)');
  }
}

/** Rotation: a retiring CA names the CA that took over its issuance. */
class AddPkiCaSuccessor extends PortableMigration {
  override up(): void {
    this.addSql(`alter table pki_cas add column successor_id ${this.types.uuid} null references pki_cas (id)`);
  }
}

/** CAs signed elsewhere: their rows (no key) and the pending requests whose certificate comes back. */
class AddExternalCasAndCaRequests extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`alter table pki_cas add column external ${t.boolean} not null default false`);
    this.addSql(`create table pki_ca_requests (
      id ${t.uuid} not null primary key,
      name ${t.text} not null,
      kind ${t.text} not null check (kind in ('intermediate', 'issuing')),
      key_algorithm ${t.text} not null,
      subject ${t.text} not null,
      csr ${t.bytes} not null,
      sealed_private_key ${t.bytes} not null,
      created_at ${t.timestamp} not null,
      constraint pki_ca_requests_name_unique unique (name)
    )`);
  }
}

/** Migrations in the order they run; a released step never changes. */
export const migrations: readonly MigrationObject[] = [
  { name: '0001-create-pki-cas-and-certificates', class: CreatePkiCasAndCertificates },
  leaseMigration,
  crlMigration,
  delegatedSignerMigration,
  ...acmeMigrations,
  { name: '0110-add-pki-ca-successor', class: AddPkiCaSuccessor },
  { name: '0120-add-pki-external-cas-and-ca-requests', class: AddExternalCasAndCaRequests },
];
