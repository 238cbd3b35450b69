/**
 * The `signing_keys` table. A row's id is the key's `kid` (UUIDv7, so ids sort by age) and its
 * private JWK exists only as barrier ciphertext in `sealed`, bound to the row by the AAD
 * `signing_keys/<kid>`. `retiredAt` null marks the one active key of a purpose.
 */
// @ts-nocheck

import { defineEntity, p, type EntitySchema, type InferEntity } from '@mikro-orm/core';
import type { SigningAlgorithm } from './algorithms.ts';

export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_keys',
  properties: {
    /** The JWK `kid`; made before sealing because the AAD names it. */
    id: p.uuid().primary(),
    purpose: p.string(),
    algorithm: p.string().$type<SigningAlgorithm>(),
    /** `barrier.encrypt(JSON of the private JWK, "signing_keys/<id>")`. */
    sealed: p.blob(),
    /** Set from the ring's clock, not the ORM's, so rotation schedules follow one clock. */
    createdAt: p.datetime(),
    retiredAt: p.datetime().nullable(),
  },
});
export type SigningKey = InferEntity<typeof SigningKey>;

/** Add these to the service's entities when it uses `createSigningKeys`. */
export const signingKeyEntities: readonly EntitySchema[] = [SigningKey];
