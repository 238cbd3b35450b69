/**
 * Applies pending migrations so that replicas starting together, or `cryptoutil <service> migrate`
 * beside a running service, cannot apply the same step twice.
 */
// @ts-nocheck

import type { Transaction } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
// @mikro-orm/sql holds this; both driver packages re-export it and only they are dependencies.
import type { AbstractSqlConnection } from '@mikro-orm/postgresql';

/**
 * Two transactions, each opened by the engine's lock statement (if any): the first creates the
 * bookkeeping table, the second reads what ran and applies the rest (all or nothing). The first
 * also primes the migrator: its set-up queries run outside any transaction, which on SQLite's single
 * connection would wait forever behind our own open transaction.
 */
export async function applyMigrations(migrator: Migrator, connection: AbstractSqlConnection, lock: string | undefined): Promise<string[]> {
  const locked = <T>(work: (trx: Transaction<object>) => Promise<T>): Promise<T> =>
    connection.transactional(async (trx) => {
      if (lock !== undefined) {
        await connection.execute(lock, [], 'run', trx);
      }
      return work(trx);
    });
  const storage = migrator.getStorage();
  await locked(async (trx) => {
    storage.setMasterMigration(trx);
    try {
      await storage.ensureTable();
    } finally {
      storage.unsetMasterMigration();
    }
  });
  await migrator.getExecuted();
  const applied = await locked((trx) => migrator.up({ transaction: trx }));
  return applied.map((migration) => migration.name);
}
