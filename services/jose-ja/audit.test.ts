import { expect } from 'chai';
import { describeOnDatabases } from '../template/testing/databases.ts';
import type { EntityManager } from '@mikro-orm/core';
import { AUDIT_BATCH_ROWS, listAudit, operationAudit } from './audit.ts';
import { entities } from './entities.ts';
import { migrations } from './migrations.ts';
import { unique } from './testing/context.ts';

describeOnDatabases('jose-ja audit trail', { entities, migrations }, (db) => {
  it('stores each operation record as its own row, readable newest first, with the caller', async () => {
    const keySet = unique('ops');
    let now = Date.parse('2026-01-01T00:00:00Z');
    const audit = operationAudit(() => db().fork(), () => new Date(now));
    const actor = { subject: 'svc', clientId: 'svc' };
    await audit.record(actor, { keySet, action: 'jwt.issue', kid: 'k1', outcome: 'success' });
    now += 1000;
    await audit.record(actor, { keySet, action: 'jwt.verify', outcome: 'failure', detail: 'expired' });
    const page = await listAudit(db().fork(), keySet, 0, 10);
    expect(page.total).to.equal(2);
    expect(page.items.map((item) => [item.action, item.kid, item.outcome, item.detail, item.at])).to.deep.equal([
      ['jwt.verify', null, 'failure', 'expired', '2026-01-01T00:00:01.000Z'],
      ['jwt.issue', 'k1', 'success', null, '2026-01-01T00:00:00.000Z'],
    ]);
    expect(page.items[0]?.actor).to.deep.equal(actor);
    expect((await listAudit(db().fork(), keySet, 1, 1)).items.map((item) => item.action)).to.deep.equal(['jwt.issue']);
  });

  it('commits concurrent records in batches, and answers each caller only once its record is stored', async () => {
    const keySet = unique('burst');
    let inserts = 0;
    const audit = operationAudit(() => {
      const em = db().fork();
      return Object.assign(Object.create(em) as EntityManager, { insertMany: (...args: Parameters<EntityManager['insertMany']>) => { inserts += 1; return em.insertMany(...args); } });
    }, () => new Date());
    const actor = { subject: 'svc', clientId: 'svc' };
    const count = AUDIT_BATCH_ROWS + 100;
    const stored = await Promise.all(Array.from({ length: count }, async (_unused, index) => {
      await audit.record(actor, { keySet, action: 'sign', kid: `k${String(index)}`, outcome: 'success' });
      // Answered: the record is there for anyone to read.
      return (await listAudit(db().fork(), keySet, 0, 1)).total;
    }));
    expect(Math.min(...stored)).to.be.at.least(1);
    expect((await listAudit(db().fork(), keySet, 0, 1)).total).to.equal(count);
    // The first record goes alone; the rest waited for it and went in batches of at most AUDIT_BATCH_ROWS.
    expect(inserts).to.be.at.least(3).and.at.most(10);
  });

  it('fails every caller of a batch whose write fails, and writes the next batch anew', async () => {
    let fail = true;
    const keySet = unique('fail');
    const audit = operationAudit(() => {
      const em = db().fork();
      return Object.assign(Object.create(em) as EntityManager, { insertMany: (...args: Parameters<EntityManager['insertMany']>) => (fail ? Promise.reject(new Error('disk full')) : em.insertMany(...args)) });
    }, () => new Date());
    const actor = { subject: 'svc', clientId: 'svc' };
    const failed = await Promise.allSettled([1, 2, 3].map(() => audit.record(actor, { keySet, action: 'sign', outcome: 'success' })));
    expect(failed.map((result) => (result.status === 'rejected' ? [(result.reason as Error).message, ((result.reason as Error).cause as Error).message] : 'stored'))).to.deep.equal(Array(3).fill(['the audit write failed', 'disk full']));
    fail = false;
    await audit.record(actor, { keySet, action: 'verify', outcome: 'success' });
    expect((await listAudit(db().fork(), keySet, 0, 10)).items.map((item) => item.action)).to.deep.equal(['verify']);
  });
});
