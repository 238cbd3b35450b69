import { expect } from 'chai';
import request from 'supertest';
import type { EntityManager } from '@mikro-orm/core';
import type { Database } from './database/index.ts';
import type { Reads } from './database/reads.ts';
import { ServiceApplication, ServiceRequestState } from './request-state.ts';

/** A database that counts its forks; nothing else of it is used here. */
function countingDatabase(): { database: Database; forks: () => number } {
  let forks = 0;
  const reads = {} as Reads;
  const database = { reads, fork: () => { forks += 1; return { fork: forks } as unknown as EntityManager; } } as unknown as Database;
  return { database, forks: () => forks };
}

describe('request state: one shape, the entity manager forked on first use', () => {
  it('forks nothing for a request that never asks, once for one that asks twice', async () => {
    const { database, forks } = countingDatabase();
    const app = new ServiceApplication(database);
    const seen: unknown[] = [];
    app.use((ctx) => {
      if (ctx.path === '/reads') {
        ctx.body = { same: ctx.state.reads === database.reads };
        return;
      }
      seen.push(ctx.state.em, ctx.state.em);
      ctx.body = { ok: true };
    });
    expect((await request(app.callback()).get('/reads')).body).to.deep.equal({ same: true });
    expect(forks()).to.equal(0);
    await request(app.callback()).get('/em');
    await request(app.callback()).get('/em');
    expect(forks()).to.equal(2);
    expect(seen[0]).to.equal(seen[1]);
    expect(seen[2]).to.equal(seen[3]);
    expect(seen[0]).not.to.equal(seen[2]);
  });

  it('starts every field empty and takes an entity manager given to it', () => {
    const { database, forks } = countingDatabase();
    const state = new ServiceRequestState(database);
    expect([state.requestId, state.principal, state.params, state.query, state.body]).to.deep.equal(['', undefined, {}, {}, undefined]);
    const given = { given: true } as unknown as EntityManager;
    state.em = given;
    expect(state.em).to.equal(given);
    expect(forks()).to.equal(0);
  });
});
