/**
 * The ACME schema. `check` constraints hold the RFC 8555 §7.1.6 status vocabulary, unique keys
 * make a nonce single-use and an account key belong to one account per CA, even under races.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../../template/database/index.ts';

class CreatePkiAcme extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table pki_acme_nonces (
      id ${t.uuid} not null primary key,
      value ${t.text} not null,
      expires_at ${t.timestamp} not null,
      constraint pki_acme_nonces_value_unique unique (value)
    )`);
    this.addSql('create index pki_acme_nonces_expires_at_index on pki_acme_nonces (expires_at)');
    this.addSql(`create table pki_acme_accounts (
      id ${t.uuid} not null primary key,
      ca ${t.text} not null,
      jwk ${t.json} not null,
      thumbprint ${t.text} not null,
      status ${t.text} not null check (status in ('valid', 'deactivated', 'revoked')),
      contact ${t.json} not null,
      terms_of_service_agreed ${t.boolean} not null,
      eab_key_id ${t.text} null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null,
      constraint pki_acme_accounts_key_unique unique (ca, thumbprint)
    )`);
    this.addSql(`create table pki_acme_orders (
      id ${t.uuid} not null primary key,
      ca ${t.text} not null,
      account_id ${t.uuid} not null references pki_acme_accounts (id),
      status ${t.text} not null check (status in ('pending', 'ready', 'processing', 'valid', 'invalid')),
      identifiers ${t.json} not null,
      expires_at ${t.timestamp} not null,
      error ${t.json} null,
      certificate_id ${t.uuid} null,
      replaces ${t.text} null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql('create index pki_acme_orders_account_id_index on pki_acme_orders (account_id)');
    this.addSql(`create table pki_acme_authorizations (
      id ${t.uuid} not null primary key,
      order_id ${t.uuid} not null references pki_acme_orders (id),
      account_id ${t.uuid} not null references pki_acme_accounts (id),
      identifier_type ${t.text} not null check (identifier_type in ('dns', 'ip')),
      identifier_value ${t.text} not null,
      status ${t.text} not null check (status in ('pending', 'valid', 'invalid', 'deactivated', 'expired', 'revoked')),
      expires_at ${t.timestamp} not null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql('create index pki_acme_authorizations_order_id_index on pki_acme_authorizations (order_id)');
    this.addSql(`create table pki_acme_challenges (
      id ${t.uuid} not null primary key,
      authorization_id ${t.uuid} not null references pki_acme_authorizations (id),
      type ${t.text} not null,
      token ${t.text} not null,
      status ${t.text} not null check (status in ('pending', 'processing', 'valid', 'invalid')),
      validated_at ${t.timestamp} null,
      error ${t.json} null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql('create index pki_acme_challenges_authorization_id_index on pki_acme_challenges (authorization_id)');
    this.addSql(`create table pki_acme_certificates (
      id ${t.uuid} not null primary key,
      ca ${t.text} not null,
      account_id ${t.uuid} not null references pki_acme_accounts (id),
      order_id ${t.uuid} not null references pki_acme_orders (id),
      serial_hex ${t.text} not null,
      aki_hex ${t.text} not null,
      certificate_pem ${t.text} not null,
      chain_pem ${t.json} not null,
      not_before ${t.timestamp} not null,
      not_after ${t.timestamp} not null,
      revoked_at ${t.timestamp} null,
      replaced_by_order_id ${t.uuid} null references pki_acme_orders (id),
      created_at ${t.timestamp} not null,
      constraint pki_acme_certificates_serial_unique unique (serial_hex)
    )`);
  }
}

/** ACME's migrations, to append to the pki-ca service's list (names never change). */
export const acmeMigrations: readonly MigrationObject[] = [
  { name: '0100-create-pki-acme', class: CreatePkiAcme },
];
