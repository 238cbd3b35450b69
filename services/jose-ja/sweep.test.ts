import { expect } from 'chai';
import type { EntityManager } from '@mikro-orm/core';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { listAudit } from './audit.ts';
import { entities } from './entities.ts';
import { createKeySet, deleteKeySet, getKeySet } from './key-sets.ts';
import { migrations } from './migrations.ts';
import { LifecycleSweep, sweepOnce, type SweepOptions } from './sweep.ts';
import { ALICE, DAY_MS, rejection, unique, unsealedJa, type TestJa } from './testing/context.ts';

interface Logged { readonly infos: unknown[]; readonly errors: unknown[]; readonly log: SweepOptions['log'] }

function logger(): Logged {
  const infos: unknown[] = [];
  const errors: unknown[] = [];
  return { infos, errors, log: { info: (...args: unknown[]) => { infos.push(args); }, error: (...args: unknown[]) => { errors.push(args); } } as SweepOptions['log'] };
}

describeOnDatabases('jose-ja scheduled rotation and key deletion', { entities, migrations }, (db) => {
  let t: TestJa;
  beforeEach(async () => { t = await unsealedJa(); });

  it('rotates a due set once even when two replicas sweep at once, then deletes its retired key after retention', async () => {
    const name = unique('sched');
    const created = await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 1, retentionDays: 1 }, ALICE);
    const options = { fork: () => db().fork(), ja: t.ja, log: logger().log, intervalMs: 1000 };
    t.advance(DAY_MS);
    const results = await Promise.all([sweepOnce(options), sweepOnce(options)]);
    expect(results.flatMap((result) => result.rotated).filter((rotated) => rotated === name)).to.have.length(1);
    const rotated = await getKeySet(db().fork(), t.ja, name);
    expect(rotated.keys.map((key) => [key.status, key.kid])).to.deep.equal([['active', created.keys[1]?.kid], ['next', rotated.keys[1]?.kid], ['retired', created.keys[0]?.kid]]);
    t.advance(DAY_MS - 1);
    expect((await sweepOnce(options)).deleted).to.deep.equal([]);
    t.advance(1);
    expect((await sweepOnce(options)).deleted).to.include(created.keys[0]?.kid);
    // The sweep that deleted the key found the set due again (active for a day): rotations, then the deletion.
    const actions = (await listAudit(db().fork(), name, 0, 10)).items.map((item) => item.action);
    expect(actions).to.deep.equal(['key.delete', 'rotate.scheduled', 'rotate.scheduled', 'create']);
  });

  it('a due set deleted between the listing and its rotation is skipped; the other due sets still rotate', async () => {
    const [gone, kept] = [unique('gone'), unique('kept')];
    for (const name of [gone, kept]) await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 1, retentionDays: 1 }, ALICE);
    t.advance(DAY_MS);
    let listed = false;
    // The first entity manager lists the due sets; the set is deleted right after that read.
    const fork = (): EntityManager => {
      const em = db().fork();
      if (listed) return em;
      listed = true;
      const find = em.find.bind(em);
      let reads = 0;
      return Object.assign(em, {
        // The listing reads the sets, then their active keys: the set goes after both.
        find: async (...args: Parameters<typeof find>) => {
          const found = await find(...args);
          reads += 1;
          if (reads === 2) await deleteKeySet(db().fork(), t.ja, gone, ALICE);
          return found;
        },
      });
    };
    const { rotated } = await sweepOnce({ fork, ja: t.ja, log: logger().log, intervalMs: 1000 });
    expect(rotated).to.include(kept).and.not.include(gone);
  });

  it('does nothing while sealed', async () => {
    const name = unique('sealed');
    await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 1, retentionDays: 1 }, ALICE);
    t.advance(2 * DAY_MS);
    t.barrier.seal();
    expect(await sweepOnce({ fork: () => db().fork(), ja: t.ja, log: logger().log, intervalMs: 1000 })).to.deep.equal({ rotated: [], deleted: [] });
  });

  it('runs on a timer chain, logs what it changed and what failed, and stops cleanly', async () => {
    const name = unique('timer');
    await createKeySet(db().fork(), t.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 1, retentionDays: 1 }, ALICE);
    t.advance(3 * DAY_MS);
    const { infos, errors, log } = logger();
    const sweep = new LifecycleSweep({ fork: () => db().fork(), ja: t.ja, log, intervalMs: 5 });
    sweep.start();
    sweep.start();
    for (let wait = 0; wait < 100 && infos.length === 0; wait += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    await sweep.stop();
    expect(infos.length).to.be.greaterThan(0);
    const failing = new LifecycleSweep({ fork: () => { throw new Error('database gone'); }, ja: t.ja, log, intervalMs: 5 });
    await failing.run();
    expect(errors).to.have.length(1);
  });

  it('skips a due set whose next key is not yet published for the max-age, and reports other failures', async () => {
    const slow = await unsealedJa(3 * 86_400);
    const name = unique('young');
    await createKeySet(db().fork(), slow.ja, { name, use: 'sig', alg: 'ES256', rotationDays: 1, retentionDays: 1 }, ALICE);
    slow.advance(DAY_MS);
    expect((await sweepOnce({ fork: () => db().fork(), ja: slow.ja, log: logger().log, intervalMs: 1000 })).rotated).to.not.include(name);
    // A barrier that says it is open but refuses to seal a new key: the failure is not a skip.
    const refusing = { ...slow.ja, barrier: Object.assign(Object.create(slow.barrier) as typeof slow.barrier, { isSealed: () => false, encrypt: () => Promise.reject(new Error('barrier broken')) }) };
    slow.advance(2 * DAY_MS);
    expect(String(await rejection(sweepOnce({ fork: () => db().fork(), ja: refusing, log: logger().log, intervalMs: 1000 })))).to.contain('barrier broken');
  });

  it('a stop during a sweep waits for it and schedules no other; a sweep that changes nothing logs nothing', async () => {
    const { infos, log } = logger();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    // Database reads of the sweeps: the first one waits at the gate.
    let sweeps = 0;
    const slowFork = (): EntityManager => {
      const em = db().fork();
      return Object.assign(Object.create(em) as typeof em, { find: async (...args: Parameters<typeof em.find>) => { sweeps += 1; await gate; return em.find(...args); } });
    };
    const sweep = new LifecycleSweep({ fork: slowFork, ja: (await unsealedJa()).ja, log, intervalMs: 1 });
    sweep.start();
    while (sweeps === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    const stopped = sweep.stop();
    release();
    await stopped;
    const reads = sweeps;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sweeps).to.equal(reads);
    expect(infos).to.deep.equal([]);
  });
});
