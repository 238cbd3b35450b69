/**
 * The schema of `authz_oidc_payloads`. Every secondary look-up the adapter makes has an index, and
 * so has `expires_at`, which the sweep deletes by.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../../template/database/index.ts';

class CreateOidcPayloads extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table authz_oidc_payloads (
      key ${t.text} not null primary key,
      model ${t.text} not null,
      payload ${t.bytes} not null,
      grant_key ${t.text} null,
      uid_key ${t.text} null,
      user_code_key ${t.text} null,
      expires_at ${t.timestamp} null,
      consumed_at ${t.timestamp} null
    )`);
    this.addSql('create index authz_oidc_payloads_grant_key_index on authz_oidc_payloads (grant_key)');
    this.addSql('create index authz_oidc_payloads_uid_key_index on authz_oidc_payloads (uid_key)');
    this.addSql('create index authz_oidc_payloads_user_code_key_index on authz_oidc_payloads (user_code_key)');
    this.addSql('create index authz_oidc_payloads_expires_at_index on authz_oidc_payloads (expires_at)');
  }
}

/** Whose a row is (hashed account and client ids), so that revoking an account or a client finds it. */
class AddPayloadOwnerKeys extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`alter table authz_oidc_payloads add column account_key ${t.text} null`);
    this.addSql(`alter table authz_oidc_payloads add column client_key ${t.text} null`);
    this.addSql('create index authz_oidc_payloads_account_key_index on authz_oidc_payloads (account_key)');
    this.addSql('create index authz_oidc_payloads_client_key_index on authz_oidc_payloads (client_key)');
  }
}

/** Run after the barrier's migrations; a released step never changes. */
export const storageMigrations: readonly MigrationObject[] = [
  { name: 'authz-0001-oidc-payloads', class: CreateOidcPayloads },
  { name: 'authz-0003-payload-owner-keys', class: AddPayloadOwnerKeys },
];
