/**
 * Returns to the pool the PostgreSQL connections that die while checked out. Kysely's controlled
 * transactions (which MikroORM uses) never release a connection whose `begin` fails, and a
 * connection killed by a server restart fails exactly there: each outage under load would leak pool
 * slots until none were left (every request then waits for the connect timeout and answers 503 for
 * good), and `pool.end()` at shutdown would wait for them forever.
 *
 * The guard wraps the `release` the pool hands out with each checkout: when the connection ends
 * before its holder released it, the guard releases it with an error (the pool then discards it
 * and opens a fresh one on demand), and the holder's own late release becomes a no-op.
 */

/** The part of a node-postgres client the guard touches. */
export interface GuardedClient {
  release?: (error?: Error | boolean) => void;
  once(event: 'end', listener: () => void): unknown;
}

/** The part of a node-postgres pool the guard listens to. */
export interface GuardedPool {
  on(event: 'connect', listener: (client: GuardedClient) => void): unknown;
}

/** Thrown away by the pool; names why the connection left it. */
export class ConnectionLostError extends Error {
  constructor() {
    super('connection ended while checked out of the pool');
    this.name = 'ConnectionLostError';
  }
}

function guard(client: GuardedClient): void {
  let current: ((error?: Error | boolean) => void) | undefined;
  Object.defineProperty(client, 'release', {
    configurable: true,
    get: () => current,
    // node-postgres assigns a fresh one-shot release at every checkout.
    set(release: (error?: Error | boolean) => void) {
      let released = false;
      current = (error) => {
        if (released) return;
        released = true;
        release(error);
      };
    },
  });
  client.once('end', () => { current?.(new ConnectionLostError()); });
}

/** Guards every connection the pool opens from now on (MikroORM's `driverOptions.onPoolCreated`). */
export function releaseBrokenClients(pool: GuardedPool): void {
  pool.on('connect', guard);
}
