/**
 * The BarrierStore on the service's database (SQLite or PostgreSQL) through MikroORM. Each call
 * works on its own fork, so it never shares an identity map with a request.
 */
// @ts-nocheck

import type { MikroORM } from '@mikro-orm/core';
import { isUniqueViolation } from '../database/index.ts';
import { BarrierIntermediateKey, BarrierRootKey, BarrierState } from './entities.ts';
import type { BarrierSnapshot, BarrierStore, InitialKeys, RotatedKeys } from './store.ts';

const STATE_ID = 1;

export class OrmBarrierStore implements BarrierStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async load(): Promise<BarrierSnapshot | undefined> {
    const em = this.#orm.em.fork();
    const state = await em.findOne(BarrierState, { id: STATE_ID });
    if (state === null) return undefined;
    // Intermediate keys first: a root key commits with or before every intermediate key under it,
    // so a rotation committing between the two reads cannot leave an intermediate without its root.
    const intermediates = await em.find(BarrierIntermediateKey, {}, { orderBy: { id: 'asc' } });
    const roots = await em.find(BarrierRootKey, {}, { orderBy: { id: 'asc' } });
    return {
      threshold: state.threshold,
      rootKeys: roots.map((root) => ({ id: root.id, wrapped: new Uint8Array(root.wrapped) })),
      intermediateKeys: intermediates.map((key) => ({ id: key.id, rootKeyId: key.parent.id, wrapped: new Uint8Array(key.wrapped) })),
    };
  }

  async initialize(keys: InitialKeys): Promise<boolean> {
    try {
      await this.#orm.em.fork().transactional(async (tx) => {
        // The state row goes first: a rival blocks on its primary key and fails once this commits.
        tx.create(BarrierState, { id: STATE_ID, threshold: keys.threshold });
        await tx.flush();
        const root = tx.create(BarrierRootKey, { id: keys.rootKey.id, wrapped: Buffer.from(keys.rootKey.wrapped) });
        tx.create(BarrierIntermediateKey, { id: keys.intermediateKey.id, parent: root, wrapped: Buffer.from(keys.intermediateKey.wrapped) });
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async addKeys(keys: RotatedKeys): Promise<void> {
    await this.#orm.em.fork().transactional((tx) => {
      const { rootKey, intermediateKey } = keys;
      const parent = rootKey === undefined
        ? tx.getReference(BarrierRootKey, intermediateKey.rootKeyId)
        : tx.create(BarrierRootKey, { id: rootKey.id, wrapped: Buffer.from(rootKey.wrapped) });
      tx.create(BarrierIntermediateKey, { id: intermediateKey.id, parent, wrapped: Buffer.from(intermediateKey.wrapped) });
      return Promise.resolve();
    });
  }
}
