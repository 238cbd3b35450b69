/**
 * The barrier's tables as MikroORM entities. Ids come from the barrier (UUIDv7 made before the key
 * is wrapped, because the AAD names them), so no primary key here generates its own.
 */
// @ts-nocheck

import { defineEntity, p, type EntitySchema, type InferEntity } from '@mikro-orm/core';

/** The single row (id 1) recording the initialization; its primary key lets one initializer win. */
export const BarrierState = defineEntity({
  name: 'BarrierState',
  tableName: 'barrier_state',
  properties: {
    id: p.integer().primary(),
    threshold: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type BarrierState = InferEntity<typeof BarrierState>;

export const BarrierRootKey = defineEntity({
  name: 'BarrierRootKey',
  tableName: 'barrier_root_keys',
  properties: {
    id: p.uuid().primary(),
    wrapped: p.blob(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type BarrierRootKey = InferEntity<typeof BarrierRootKey>;

export const BarrierIntermediateKey = defineEntity({
  name: 'BarrierIntermediateKey',
  tableName: 'barrier_intermediate_keys',
  properties: {
    id: p.uuid().primary(),
    parent: () => p.manyToOne(BarrierRootKey),
    wrapped: p.blob(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type BarrierIntermediateKey = InferEntity<typeof BarrierIntermediateKey>;

/** Added by the template to every service that sets `barrier: true`. */
export const barrierEntities: readonly EntitySchema[] = [BarrierState, BarrierRootKey, BarrierIntermediateKey];
