import { expect } from 'chai';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { listAudit } from './audit.ts';
import { entities } from './entities.ts';
import { createKeySet, getKeySet } from './key-sets.ts';
import { migrations } from './migrations.ts';
import { LifecycleSweep, sweepOnce, type SweepOptions } from './sweep.ts';
import { ALICE, DAY_MS, unique, unsealedJa, type TestJa } from './testing/context.ts';

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
});
