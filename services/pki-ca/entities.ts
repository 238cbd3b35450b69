/**
 * pki-ca tables as MikroORM entities. A CA's private key exists here only as barrier ciphertext
 * (`sealedPrivateKey`, bound to its row by AAD); certificates are public and stored as DER.
 */
import { PkiLease } from './lease.ts';
import { crlEntities } from './crl/entities.ts';
import { DelegatedSigner } from './delegated-store.ts';
import { acmeEntities } from './acme/entities.ts';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { uuidPrimaryKey } from '../template/database/index.ts';
import type { SubjectAltName } from './contract.ts';

/** Where a CA sits in the hierarchy. */
export type CaKind = 'root' | 'intermediate' | 'issuing';
export type CaStatus = 'active' | 'retiring' | 'retired';
export type CertificateStatus = 'good' | 'revoked';

export const CertificateAuthority = defineEntity({
  name: 'CertificateAuthority',
  tableName: 'pki_cas',
  properties: {
    id: uuidPrimaryKey(),
    name: p.string(),
    kind: p.string().$type<CaKind>(),
    /** The CA that signed this one's certificate; null for a root. */
    parentId: p.uuid().nullable(),
    keyAlgorithm: p.string(),
    certificate: p.blob(),
    /** `barrier.encrypt(PKCS#8, "pki-ca/pki_cas/<id>")`. */
    sealedPrivateKey: p.blob(),
    status: p.string().$type<CaStatus>(),
    /** The CA that took over this one's issuance when it was rotated; null until then. */
    successorId: p.uuid().nullable(),
    notBefore: p.datetime(),
    notAfter: p.datetime(),
    createdAt: p.datetime(),
    /** Signed elsewhere and stored for its chain only: its key is not here (empty `sealedPrivateKey`). */
    external: p.boolean().default(false),
  },
});
export type CertificateAuthority = InferEntity<typeof CertificateAuthority>;

/** A CA key waiting for its certificate from an external CA (see external.ts). */
export const CaRequest = defineEntity({
  name: 'PkiCaRequest',
  tableName: 'pki_ca_requests',
  properties: {
    /** The id the CA row gets on install: the key is sealed with that row's AAD. */
    id: uuidPrimaryKey(),
    name: p.string(),
    kind: p.string().$type<Exclude<CaKind, 'root'>>(),
    keyAlgorithm: p.string(),
    subject: p.string(),
    csr: p.blob(),
    /** `barrier.encrypt(PKCS#8, "pki-ca/pki_cas/<id>")`. */
    sealedPrivateKey: p.blob(),
    createdAt: p.datetime(),
  },
});
export type CaRequest = InferEntity<typeof CaRequest>;

export const IssuedCertificate = defineEntity({
  name: 'IssuedCertificate',
  tableName: 'pki_certificates',
  properties: {
    id: uuidPrimaryKey(),
    /** 32 lowercase hex characters, as everywhere in pki-ca. */
    serialHex: p.string(),
    caId: p.uuid(),
    profile: p.string(),
    subject: p.string(),
    sans: p.json<SubjectAltName[]>(),
    notBefore: p.datetime(),
    notAfter: p.datetime(),
    certificate: p.blob(),
    status: p.string().$type<CertificateStatus>(),
    revokedAt: p.datetime().nullable(),
    /** An RFC 5280 reason name (`keyCompromise`, ...); null while good. */
    revocationReason: p.string().nullable(),
    createdAt: p.datetime(),
  },
});
export type IssuedCertificate = InferEntity<typeof IssuedCertificate>;

/** Every entity of the service, as the definition hands them to the template. */
export const entities = [CertificateAuthority, IssuedCertificate, CaRequest, PkiLease, ...crlEntities, DelegatedSigner, ...acmeEntities];
