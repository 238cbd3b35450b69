/** The identity-rs schema, one released step per class. */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../template/database/index.ts';

class CreateDocuments extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table documents (
      id ${t.uuid} not null primary key,
      title ${t.text} not null,
      content ${t.text} not null,
      created_by ${t.text} not null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
  }
}

/** Migrations in the order they run; a released step never changes. */
export const migrations: readonly MigrationObject[] = [
  { name: '0001-create-documents', class: CreateDocuments },
];
