import { expect } from 'chai';
import { captureLogs } from '../template/testing/logs.ts';
import type { EntityManager } from '@mikro-orm/core';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { AuditEvent, ElasticKey, entities } from './entities.ts';
import { createElasticKey, scheduleDeletion } from './elastic-keys.ts';
import { DeletionSweep, expireDue, expireKey, isDue } from './deletion.ts';
import { migrations } from './migrations.ts';
import { ALICE, unsealedKms, unique, type TestKms } from './testing/kms-context.ts';

const DAY = 86_400_000;

describe('isDue', () => {
  const now = new Date(1_000_000);
  it('is true only for a pending deletion whose date has come', () => {
    expect(isDue({ status: 'pending_deletion', deletionScheduledAt: new Date(1_000_000) }, now)).to.equal(true);
    expect(isDue({ status: 'pending_deletion', deletionScheduledAt: new Date(1_000_001) }, now)).to.equal(false);
    expect(isDue({ status: 'pending_deletion', deletionScheduledAt: null }, now)).to.equal(false);
    expect(isDue({ status: 'disabled', deletionScheduledAt: new Date(0) }, now)).to.equal(false);
  });
});

describeOnDatabases('sm-kms deletion sweep', { entities, migrations }, (db) => {
  let t: TestKms;
  beforeEach(async () => { t = await unsealedKms(db().reads); });

  it('expires every due key exactly once, each with its event', async () => {
    const due = await createElasticKey(db().fork(), t.kms, { name: unique('due'), algorithm: 'HS256' }, ALICE);
    const later = await createElasticKey(db().fork(), t.kms, { name: unique('later'), algorithm: 'HS256' }, ALICE);
    await scheduleDeletion(db().fork(), t.kms, due.id, 1, ALICE);
    await scheduleDeletion(db().fork(), t.kms, later.id, 2, ALICE);
    t.advance(DAY);
    expect(await expireDue(db().fork(), t.kms)).to.be.at.least(1);
    expect(await expireKey(db().fork(), t.kms, due.id)).to.equal(false);
    expect((await db().fork().findOneOrFail(ElasticKey, { id: due.id })).status).to.equal('deleted');
    expect((await db().fork().findOneOrFail(ElasticKey, { id: later.id })).status).to.equal('pending_deletion');
    expect(await db().fork().count(AuditEvent, { elasticKeyId: due.id, action: 'delete' })).to.equal(1);
  });

  it('two processes sweeping at once delete once', async () => {
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('twice'), algorithm: 'HS256' }, ALICE);
    await scheduleDeletion(db().fork(), t.kms, key.id, 1, ALICE);
    t.advance(DAY);
    const results = await Promise.all([expireKey(db().fork(), t.kms, key.id), expireKey(db().fork(), t.kms, key.id)]);
    expect(results.filter(Boolean)).to.have.length(1);
    expect(await db().fork().count(AuditEvent, { elasticKeyId: key.id, action: 'delete' })).to.equal(1);
  });

  it('runs only while unsealed, stops on seal, and shares an overlapping run', async () => {
    const { logger: log } = captureLogs();
    // Each run forks once: `forked` resolves when the next run, here the timer's, has started.
    let ran = (): void => undefined;
    const forked = (): Promise<void> => new Promise((resolve) => { ran = resolve; });
    const sweep = new DeletionSweep({ fork: () => { ran(); return db().fork(); }, kms: t.kms, log, intervalMs: 10 });
    const key = await createElasticKey(db().fork(), t.kms, { name: unique('timer'), algorithm: 'HS256' }, ALICE);
    await scheduleDeletion(db().fork(), t.kms, key.id, 1, ALICE);
    t.advance(DAY);
    sweep.ensureRunning();
    sweep.ensureRunning();
    expect(sweep.active).to.equal(true);
    const first = sweep.runOnce();
    expect(sweep.runOnce()).to.equal(first);
    await first;
    await forked();
    expect((await db().fork().findOneOrFail(ElasticKey, { id: key.id })).status).to.equal('deleted');
    t.barrier.seal();
    expect(sweep.active).to.equal(false);
    sweep.ensureRunning();
    expect(sweep.active).to.equal(false);
  });

  it('logs a failed run without details and reports 0', async () => {
    const { logger: log, records: lines } = captureLogs();
    const broken = (): EntityManager => { throw new Error('postgres://user:secret@db down'); };
    const failing = { find: () => Promise.reject(new Error('select secret')) } as unknown as EntityManager;
    expect(await new DeletionSweep({ fork: () => failing, kms: t.kms, log, intervalMs: 1000 }).runOnce()).to.equal(0);
    expect(await new DeletionSweep({ fork: broken, kms: t.kms, log, intervalMs: 1000 }).runOnce()).to.equal(0);
    expect(lines().map((line) => line.error)).to.deep.equal(['Error', 'Error']);
    const [line] = lines();
    expect(line).to.include({ error: 'Error', msg: 'sm-kms deletion sweep failed; the next run retries' });
    expect(JSON.stringify(lines())).to.not.include('secret');
  });
});
