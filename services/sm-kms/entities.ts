/**
 * sm-kms tables as MikroORM entities. A material key's private or secret JWK exists here only as
 * barrier ciphertext (`sealedJwk`, bound to its row by AAD); the public JWK of an asymmetric key is
 * not secret and stays readable. Audit events are written once and never changed.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { JWK } from 'jose';
import { timestamps, uuidPrimaryKey } from '../template/database/index.ts';
import type { KeyStatus, MaterialStatus } from './lifecycle.ts';

export const ElasticKey = defineEntity({
  name: 'ElasticKey',
  tableName: 'kms_elastic_keys',
  properties: {
    id: uuidPrimaryKey(),
    name: p.string(),
    description: p.string(),
    /** A name of the algorithm table (`A256GCM/A256KW`, `ES256`, ...); never changes. */
    algorithm: p.string(),
    status: p.string().$type<KeyStatus>(),
    versioningAllowed: p.boolean(),
    importAllowed: p.boolean(),
    revokedMayDecrypt: p.boolean(),
    revokedMayVerify: p.boolean(),
    /** Rotate before the latest material key reaches its encryption limit (docs/sm-kms/usage-limits.md). */
    autoRotate: p.boolean(),
    /** When a pending deletion becomes final; null in every other status. */
    deletionScheduledAt: p.datetime().nullable(),
    ...timestamps(),
  },
});
export type ElasticKey = InferEntity<typeof ElasticKey>;

export const MaterialKey = defineEntity({
  name: 'MaterialKey',
  tableName: 'kms_material_keys',
  properties: {
    /** Also the JWK `kid` and the `kid` header of every JWE and JWS the key makes. */
    id: uuidPrimaryKey(),
    elasticKey: () => p.manyToOne(ElasticKey),
    version: p.integer(),
    status: p.string().$type<MaterialStatus>(),
    imported: p.boolean(),
    publicJwk: p.json<JWK>().nullable(),
    /** `barrier.encrypt(JSON of the private JWK, "sm-kms/material_keys/<id>")`; null once the elastic key is deleted. */
    sealedJwk: p.blob().nullable(),
    /** AES-GCM encryptions with a random IV under this key; only a guarded SQL increment changes it. */
    gcmEncryptions: p.bigint('number').default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    revokedAt: p.datetime().nullable(),
  },
});
export type MaterialKey = InferEntity<typeof MaterialKey>;

export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'kms_audit_events',
  properties: {
    id: uuidPrimaryKey(),
    elasticKeyId: p.uuid(),
    materialKeyId: p.uuid().nullable(),
    action: p.string(),
    /** The principal's subject (`sub`), or `sm-kms` for the deletion sweep. */
    actor: p.string(),
    actorClientId: p.string(),
    fromStatus: p.string().nullable(),
    toStatus: p.string().nullable(),
    at: p.datetime(),
  },
});
export type AuditEvent = InferEntity<typeof AuditEvent>;

/** Every entity of the service, as the definition hands them to the template. */
export const entities = [ElasticKey, MaterialKey, AuditEvent];
