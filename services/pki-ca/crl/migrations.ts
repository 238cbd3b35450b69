/**
 * The table of stored CRLs. A CRL number is unique per CA whatever its kind, so two replicas that
 * publish at once cannot both store the same number (one insert fails and that one retries with the
 * next); the (ca, kind, number) key is also the index the newest CRL of a kind is read through.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../../template/database/index.ts';

class CreatePkiCrls extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table pki_crls (
      id ${t.uuid} not null primary key,
      ca_name ${t.text} not null,
      number ${t.bigint} not null check (number >= 0),
      kind ${t.text} not null check (kind in ('full', 'delta')),
      base_number ${t.bigint} null,
      this_update ${t.timestamp} not null,
      next_update ${t.timestamp} not null,
      der ${t.bytes} not null,
      created_at ${t.timestamp} not null,
      constraint pki_crls_number_unique unique (ca_name, number),
      constraint pki_crls_kind_number_unique unique (ca_name, kind, number),
      check ((kind = 'full' and base_number is null) or (kind = 'delta' and base_number is not null and base_number < number))
    )`);
  }
}

/** The stored CRLs' migration; pki-ca lists it after the lease table's. */
export const crlMigration: MigrationObject = { name: '0060-create-pki-crls', class: CreatePkiCrls };
