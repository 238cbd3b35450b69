import { expect } from 'chai';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { listAudit, operationAudit } from './audit.ts';
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
});
