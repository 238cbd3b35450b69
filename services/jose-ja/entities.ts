/**
 * jose-ja tables as MikroORM entities. A key's private JWK exists here only as barrier ciphertext
 * (`sealedJwk`, bound to its row by AAD); its public JWK is what the JWKS publishes. Audit records
 * are written once and never changed.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { JWK } from 'jose';
import { timestamps, uuidPrimaryKey } from '../template/database/index.ts';
import type { KeySetUse } from './ports.ts';

/** Where a key is in its life: published, signing or encrypting, or only verifying or decrypting. */
export type KeyStatus = 'next' | 'active' | 'retired';

export const KeySet = defineEntity({
  name: 'KeySet',
  tableName: 'ja_key_sets',
  properties: {
    id: uuidPrimaryKey(),
    name: p.string(),
    use: p.string().$type<KeySetUse>(),
    /** A row name of the algorithm table; never changes. */
    alg: p.string(),
    rotationDays: p.integer(),
    retentionDays: p.integer(),
    /**
     * Fixed when the set is made (default `<public base URL>/jwks/<name>` of the replica that made
     * it), so every replica issues and accepts the same `iss`.
     */
    issuer: p.string(),
    tokenType: p.string(),
    /** For an `enc` set: the `sig` set that signs its nested JWTs. */
    pairedWith: p.string().nullable(),
    /** Grows by one with every change of the set's keys: the guard of rotations and the key of every cache. */
    version: p.integer(),
    ...timestamps(),
  },
});
export type KeySet = InferEntity<typeof KeySet>;

export const JwkKey = defineEntity({
  name: 'JwkKey',
  tableName: 'ja_keys',
  properties: {
    id: uuidPrimaryKey(),
    keySetId: p.uuid(),
    /** RFC 7638 thumbprint of the public JWK. */
    kid: p.string(),
    status: p.string().$type<KeyStatus>(),
    /** `kty`, the public members, `kid`, `use` and `alg`: exactly what the JWKS publishes. */
    publicJwk: p.json<JWK>(),
    /** `barrier.encrypt(JSON of the private JWK, "jose-ja/keys/<id>")`. */
    sealedJwk: p.blob(),
    createdAt: p.datetime(),
    activatedAt: p.datetime().nullable(),
    retiredAt: p.datetime().nullable(),
    /** When a retired key is deleted: `retiredAt` + the set's retention. */
    deleteAfter: p.datetime().nullable(),
  },
});
export type JwkKey = InferEntity<typeof JwkKey>;

export const AuditRecord = defineEntity({
  name: 'AuditRecord',
  tableName: 'ja_audit',
  properties: {
    id: uuidPrimaryKey(),
    /** The set's name: records outlive the set (a deleted set's trail stays). */
    keySet: p.string(),
    action: p.string(),
    kid: p.string().nullable(),
    outcome: p.string().$type<'success' | 'failure'>(),
    detail: p.string().nullable(),
    actorSubject: p.string(),
    actorClientId: p.string(),
    at: p.datetime(),
  },
});
export type AuditRecord = InferEntity<typeof AuditRecord>;

/** Every entity of the service, as the definition hands them to the template. */
export const entities = [KeySet, JwkKey, AuditRecord];
