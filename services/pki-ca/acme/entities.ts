/**
 * ACME state as MikroORM entities: nonces, accounts, orders, authorizations, challenges and the
 * certificates issued through them. Everything a request needs is here, so any replica answers any
 * request; single-use and state changes are guarded writes on these rows (nonces.ts, states.ts).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { JWK } from 'jose';
import { timestamps, uuidPrimaryKey } from '../../template/database/index.ts';
import type { AcmeProblemDocument } from './problems.ts';
import type { AccountStatus, AuthorizationStatus, ChallengeStatus, OrderStatus } from './states.ts';
import type { ChallengeType } from './validation.ts';

/** An identifier of an order (RFC 8555 §9.7.7: `dns`; RFC 8738: `ip`). */
export interface AcmeIdentifier {
  readonly type: 'dns' | 'ip';
  readonly value: string;
}

export const AcmeNonce = defineEntity({
  name: 'AcmeNonce',
  tableName: 'pki_acme_nonces',
  properties: {
    id: uuidPrimaryKey(),
    /** 16 random bytes, base64url; deleting the row is what uses it. */
    value: p.string(),
    expiresAt: p.datetime(),
  },
});
export type AcmeNonce = InferEntity<typeof AcmeNonce>;

export const AcmeAccount = defineEntity({
  name: 'AcmeAccount',
  tableName: 'pki_acme_accounts',
  properties: {
    id: uuidPrimaryKey(),
    ca: p.string(),
    /** The public JWK; its RFC 7638 thumbprint is unique per CA. */
    jwk: p.json<JWK>(),
    thumbprint: p.string(),
    status: p.string().$type<AccountStatus>(),
    contact: p.json<string[]>(),
    termsOfServiceAgreed: p.boolean(),
    eabKeyId: p.string().nullable(),
    ...timestamps(),
  },
});
export type AcmeAccount = InferEntity<typeof AcmeAccount>;

export const AcmeOrder = defineEntity({
  name: 'AcmeOrder',
  tableName: 'pki_acme_orders',
  properties: {
    id: uuidPrimaryKey(),
    ca: p.string(),
    accountId: p.uuid(),
    status: p.string().$type<OrderStatus>(),
    identifiers: p.json<AcmeIdentifier[]>(),
    expiresAt: p.datetime(),
    error: p.json<AcmeProblemDocument>().nullable(),
    /** The issued certificate's row, once the order is valid. */
    certificateId: p.uuid().nullable(),
    /** RFC 9773 §5: the ARI certID of the certificate this order renews. */
    replaces: p.string().nullable(),
    ...timestamps(),
  },
});
export type AcmeOrder = InferEntity<typeof AcmeOrder>;

export const AcmeAuthorization = defineEntity({
  name: 'AcmeAuthorization',
  tableName: 'pki_acme_authorizations',
  properties: {
    id: uuidPrimaryKey(),
    orderId: p.uuid(),
    accountId: p.uuid(),
    identifierType: p.string().$type<AcmeIdentifier['type']>(),
    identifierValue: p.string(),
    status: p.string().$type<AuthorizationStatus>(),
    expiresAt: p.datetime(),
    ...timestamps(),
  },
});
export type AcmeAuthorization = InferEntity<typeof AcmeAuthorization>;

export const AcmeChallenge = defineEntity({
  name: 'AcmeChallenge',
  tableName: 'pki_acme_challenges',
  properties: {
    id: uuidPrimaryKey(),
    authorizationId: p.uuid(),
    type: p.string().$type<ChallengeType>(),
    /** RFC 8555 §8.3: at least 128 bits of entropy, base64url. */
    token: p.string(),
    status: p.string().$type<ChallengeStatus>(),
    validatedAt: p.datetime().nullable(),
    error: p.json<AcmeProblemDocument>().nullable(),
    ...timestamps(),
  },
});
export type AcmeChallenge = InferEntity<typeof AcmeChallenge>;

export const AcmeCertificate = defineEntity({
  name: 'AcmeCertificate',
  tableName: 'pki_acme_certificates',
  properties: {
    id: uuidPrimaryKey(),
    ca: p.string(),
    accountId: p.uuid(),
    orderId: p.uuid(),
    serialHex: p.string(),
    akiHex: p.string(),
    certificatePem: p.text(),
    chainPem: p.json<string[]>(),
    notBefore: p.datetime(),
    notAfter: p.datetime(),
    revokedAt: p.datetime().nullable(),
    /** The order whose certificate replaced this one (RFC 9773 `replaces`). */
    replacedByOrderId: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AcmeCertificate = InferEntity<typeof AcmeCertificate>;

/** Every ACME entity, for the service's entity list. */
export const acmeEntities = [AcmeNonce, AcmeAccount, AcmeOrder, AcmeAuthorization, AcmeChallenge, AcmeCertificate];
