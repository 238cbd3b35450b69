import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { ConnectionLostError, releaseBrokenClients, type GuardedClient } from './broken-clients.ts';

/** A pool that hands out one client the way node-postgres does: a fresh one-shot release per checkout. */
function poolWithClient(): { client: GuardedClient & EventEmitter; checkOut: () => void; releases: (Error | boolean | undefined)[] } {
  const pool = new EventEmitter();
  releaseBrokenClients(pool);
  const client = new EventEmitter() as GuardedClient & EventEmitter;
  pool.emit('connect', client);
  const releases: (Error | boolean | undefined)[] = [];
  return {
    client,
    releases,
    checkOut: () => {
      let released = false;
      client.release = (error) => {
        if (released) throw new Error('Release called on client which has already been released to the pool.');
        released = true;
        releases.push(error);
      };
    },
  };
}

describe('broken pooled connections are released (PostgreSQL restarts)', () => {
  it('releases a checked-out connection with ConnectionLostError when it ends, once', () => {
    const { client, checkOut, releases } = poolWithClient();
    checkOut();
    client.emit('end');
    expect(releases).to.have.length(1);
    expect(releases[0]).to.be.instanceOf(ConnectionLostError);
    expect((releases[0] as Error).message).to.equal('connection ended while checked out of the pool');
    // the holder's own release afterwards is a no-op instead of a double-release error
    client.release?.();
    expect(releases).to.have.length(1);
  });

  it('leaves a connection alone that ends after its holder released it', () => {
    const { client, checkOut, releases } = poolWithClient();
    checkOut();
    client.release?.();
    client.emit('end');
    expect(releases).to.deep.equal([undefined]);
  });

  it('gives every checkout its own release: a second checkout of the same client releases again', () => {
    const { client, checkOut, releases } = poolWithClient();
    checkOut();
    client.release?.();
    checkOut();
    client.release?.(true);
    client.release?.(true);
    expect(releases).to.deep.equal([undefined, true]);
  });

  it('does nothing when a never checked-out connection ends', () => {
    const { client, releases } = poolWithClient();
    expect(client.release).to.equal(undefined);
    client.emit('end');
    expect(releases).to.deep.equal([]);
  });
});
