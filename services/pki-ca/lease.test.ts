import { expect } from 'chai';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { DatabaseLease, leaseMigration, PkiLease } from './lease.ts';

describeOnDatabases('pki-ca lease', { entities: [PkiLease], migrations: [leaseMigration] }, (db) => {
  let clock = new Date('2026-01-01T00:00:00Z');
  const now = (): Date => clock;
  const lease = (holder: string, name = 'crl'): DatabaseLease => new DatabaseLease({ name, holder, ttlMs: 60_000, now });

  it('lets exactly one of twenty concurrent replicas take a free lease', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => lease(`replica-${String(index)}`, 'race').acquire(db().fork())));
    expect(results.filter(Boolean)).to.have.length(1);
    const row = await db().fork().findOneOrFail(PkiLease, { name: 'race' });
    expect(row.holder).to.equal(`replica-${String(results.indexOf(true))}`);
    expect(row.expiresAt.getTime()).to.equal(clock.getTime() + 60_000);
  });

  it('renews for its holder, refuses others until it expires, then passes on', async () => {
    const a = lease('a');
    const b = lease('b');
    expect(await a.acquire(db().fork())).to.equal(true);
    expect(await b.acquire(db().fork())).to.equal(false);
    clock = new Date(clock.getTime() + 59_999);
    expect(await b.acquire(db().fork())).to.equal(false);
    expect(await a.acquire(db().fork())).to.equal(true);
    clock = new Date(clock.getTime() + 60_000);
    expect(await b.acquire(db().fork())).to.equal(true);
    expect(await a.acquire(db().fork())).to.equal(false);
  });

  it('is free at once when its holder releases it; a release by another holder changes nothing', async () => {
    const a = lease('a', 'released');
    const b = lease('b', 'released');
    expect(await a.acquire(db().fork())).to.equal(true);
    await b.release(db().fork());
    expect(await b.acquire(db().fork())).to.equal(false);
    await a.release(db().fork());
    expect(await b.acquire(db().fork())).to.equal(true);
  });

  it('runs on the wall clock by default', async () => {
    const before = Date.now();
    expect(await new DatabaseLease({ name: 'wall', holder: 'a', ttlMs: 1000 }).acquire(db().fork())).to.equal(true);
    const row = await db().fork().findOneOrFail(PkiLease, { name: 'wall' });
    expect(row.expiresAt.getTime()).to.be.within(before + 1000, Date.now() + 1000);
  });

  it('passes on errors other than the row existing', async () => {
    const broken = new DatabaseLease({ name: JSON.parse('null') as string, holder: 'a', ttlMs: 1 });
    let failure: unknown;
    try { await broken.acquire(db().fork()); } catch (error) { failure = error; }
    expect(failure).to.be.instanceOf(Error);
  });
});
