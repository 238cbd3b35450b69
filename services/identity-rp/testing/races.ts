/**
 * Concurrent proxied calls that truly meet at the session row: on SQLite in arrival order on its one
 * connection, on PostgreSQL behind a row lock held until every call waits on it.
 */
import { openDatabase } from '../../template/database/index.ts';
import { entities } from '../entities.ts';

/**
 * Holds the session rows locked while `calls` start, and lets go once `waiting` of them wait on the
 * lock: each has then read the session's first version, so they truly race for the refresh.
 */
export type Race = (url: string, calls: () => Promise<unknown>, waiting: number) => Promise<void>;

/** SQLite: the calls run in this process's one connection, in the order they arrive. */
export const inArrivalOrder: Race = async (_url, calls) => {
  await calls();
};

/** PostgreSQL: a row lock from another connection, released when both claims are blocked on it. */
export const behindRowLock: Race = async (url, calls, waiting) => {
  const holder = await openDatabase({ url, entities, migrations: [], poolMax: 1 });
  const watcher = await openDatabase({ url, entities, migrations: [], poolMax: 1 });
  try {
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let locked = (): void => undefined;
    const isLocked = new Promise<void>((resolve) => { locked = resolve; });
    const held = holder.orm.em.fork().transactional(async (em) => {
      await em.getConnection().execute('select id from rp_sessions for update', [], 'all', em.getTransactionContext());
      locked();
      await released;
    });
    await isLocked;
    const running = calls();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await watcher.orm.em.getConnection().execute<{ n: number }[]>(
        "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'update%rp_sessions%'");
      if (Number(row?.n) >= waiting) break;
      if (Date.now() > deadline) throw new Error(`only ${String(row?.n)} of ${String(waiting)} calls reached the lock`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    await held;
    await running;
  } finally {
    await watcher.close();
    await holder.close();
  }
};
