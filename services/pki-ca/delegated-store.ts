/**
 * The table of delegated signers (OCSP responders and TSA certificates, see delegated.ts): each
 * row a certificate its CA issued for one purpose and the key of it, sealed under the barrier.
 */
import { defineEntity, p, type InferEntity, type MigrationObject } from '@mikro-orm/core';
import { PortableMigration, uuidPrimaryKey } from '../template/database/index.ts';

export type DelegatedPurpose = 'ocsp' | 'tsa';

export const DelegatedSigner = defineEntity({
  name: 'PkiDelegatedSigner',
  tableName: 'pki_delegated_signers',
  properties: {
    id: uuidPrimaryKey(),
    caId: p.uuid(),
    purpose: p.string().$type<DelegatedPurpose>(),
    keyAlgorithm: p.string(),
    certificate: p.blob(),
    /** `barrier.encrypt(PKCS#8, "pki-ca/pki_delegated_signers/<id>")`. */
    sealedPrivateKey: p.blob(),
    notBefore: p.datetime(),
    notAfter: p.datetime(),
    createdAt: p.datetime(),
  },
});
export type DelegatedSigner = InferEntity<typeof DelegatedSigner>;

class CreateDelegatedSigners extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table pki_delegated_signers (
      id ${t.uuid} not null primary key,
      ca_id ${t.uuid} not null references pki_cas (id),
      purpose ${t.text} not null check (purpose in ('ocsp', 'tsa')),
      key_algorithm ${t.text} not null,
      certificate ${t.bytes} not null,
      sealed_private_key ${t.bytes} not null,
      not_before ${t.timestamp} not null,
      not_after ${t.timestamp} not null,
      created_at ${t.timestamp} not null
    )`);
    this.addSql('create index pki_delegated_signers_ca_purpose_index on pki_delegated_signers (ca_id, purpose, not_after)');
  }
}

export const delegatedSignerMigration: MigrationObject = { name: '0070-create-pki-delegated-signers', class: CreateDelegatedSigners };

/** The barrier AAD of a delegated signer's key. */
export function delegatedAad(id: string): string {
  return `pki-ca/pki_delegated_signers/${id}`;
}
