// @ts-nocheck
import { expect } from 'chai';
import { pino } from 'pino';
import { openDatabase, type Database } from '../database/index.ts';
import { describeOnDatabases } from '../testing/databases.ts';
import { createBarrierWithStore } from './barrier.ts';
import { barrierEntities } from './entities.ts';
import { createBarrier } from './index.ts';
import { barrierMigrations } from './migrations.ts';
import { OrmBarrierStore } from './orm-store.ts';
import { newUnsealShares } from './shares.ts';
import { describeBarrierConformance, RacingStore, recordKeyId, rejectionOf, rendezvous } from './testing/conformance.ts';

const options = { entities: barrierEntities, migrations: barrierMigrations };

async function clear(db: Database): Promise<void> {
  const connection = db.orm.em.getConnection();
  for (const table of ['barrier_intermediate_keys', 'barrier_root_keys', 'barrier_state']) {
    await connection.execute(`delete from ${table}`);
  }
}

const ROOT = '00000000-0000-7000-8000-000000000001';
const INTERMEDIATE = '00000000-0000-7000-8000-000000000002';
const wrapped = (fill: number) => new Uint8Array(60).fill(fill);

describeOnDatabases('barrier store', options, (db, engine) => {
// First in the suite: the migrations ran in its `before` hook, and mutation testing credits them here.
it('migrates: the barrier tables and the index of intermediate keys by parent', async () => {
    const sql = engine.kind === 'sqlite'
      ? "select name from sqlite_master where type = 'index' and tbl_name = 'barrier_intermediate_keys' and name not like 'sqlite_%'"
      : "select indexname as name from pg_indexes where tablename = 'barrier_intermediate_keys' and indexname not like '%pkey'";
    expect(await db().orm.em.getConnection().execute(sql)).to.deep.equal([{ name: 'barrier_intermediate_keys_parent_id_index' }]);
  });

  describeBarrierConformance(`MikroORM on ${engine.title}`, async () => {
    await clear(db());
    return { store: new OrmBarrierStore(db().orm), sibling: () => new OrmBarrierStore(db().orm) };
  });

  describe(`OrmBarrierStore on ${engine.title}`, () => {
    beforeEach(() => clear(db()));

    it('round-trips the keys of an initialization and of rotations, ordered by id', async () => {
      const store = new OrmBarrierStore(db().orm);
      expect(await store.load()).to.equal(undefined);
      expect(await store.initialize({ threshold: 3, rootKey: { id: ROOT, wrapped: wrapped(1) }, intermediateKey: { id: INTERMEDIATE, rootKeyId: ROOT, wrapped: wrapped(2) } })).to.equal(true);
      // Inserted after ROOT with a smaller id: load must order by id, not by insertion.
      const root2 = '00000000-0000-7000-8000-000000000000';
      await store.addKeys({ intermediateKey: { id: '00000000-0000-7000-8000-000000000005', rootKeyId: ROOT, wrapped: wrapped(5) } });
      await store.addKeys({ rootKey: { id: root2, wrapped: wrapped(3) }, intermediateKey: { id: '00000000-0000-7000-8000-000000000004', rootKeyId: root2, wrapped: wrapped(4) } });
      expect(await store.load()).to.deep.equal({
        threshold: 3,
        rootKeys: [{ id: root2, wrapped: wrapped(3) }, { id: ROOT, wrapped: wrapped(1) }],
        intermediateKeys: [
          { id: INTERMEDIATE, rootKeyId: ROOT, wrapped: wrapped(2) },
          { id: '00000000-0000-7000-8000-000000000004', rootKeyId: root2, wrapped: wrapped(4) },
          { id: '00000000-0000-7000-8000-000000000005', rootKeyId: ROOT, wrapped: wrapped(5) },
        ],
      });
    });

    it('answers false to a second initialization and keeps the first one whole', async () => {
      const store = new OrmBarrierStore(db().orm);
      const first = { threshold: 3, rootKey: { id: ROOT, wrapped: wrapped(1) }, intermediateKey: { id: INTERMEDIATE, rootKeyId: ROOT, wrapped: wrapped(2) } };
      expect(await store.initialize(first)).to.equal(true);
      const other = '00000000-0000-7000-8000-0000000000aa';
      expect(await store.initialize({ threshold: 2, rootKey: { id: other, wrapped: wrapped(7) }, intermediateKey: { id: `${other.slice(0, -1)}b`, rootKeyId: other, wrapped: wrapped(8) } })).to.equal(false);
      expect(await store.load()).to.deep.equal({ threshold: 3, rootKeys: [first.rootKey], intermediateKeys: [first.intermediateKey] });
    });

    it('passes on failures other than a lost initialization, writing nothing', async () => {
      const store = new OrmBarrierStore(db().orm);
      const error = await rejectionOf(store.initialize({ threshold: 3, rootKey: { id: ROOT, wrapped: wrapped(1) }, intermediateKey: { id: INTERMEDIATE, rootKeyId: ROOT, wrapped: new Uint8Array(59) } }));
      expect(error.name).to.match(/Exception$/);
      expect(await store.load()).to.equal(undefined);
    });

    it('enforces the schema: one state row, a Shamir threshold, 60-byte wrapped keys, known parents', async () => {
      const connection = db().orm.em.getConnection();
      const now = engine.kind === 'sqlite' ? String(Date.now()) : 'now()';
      // Each refusal is the constraint meant: SQLSTATE 23514 (check) or 23503 (foreign key) on PostgreSQL, SQLite's own codes.
      const codes = engine.kind === 'sqlite' ? { check: 'SQLITE_CONSTRAINT_CHECK', foreignKey: 'SQLITE_CONSTRAINT_FOREIGNKEY' } : { check: '23514', foreignKey: '23503' };
      const refused = async (sql: string, violation: keyof typeof codes = 'check'): Promise<void> => {
        expect(await rejectionOf(connection.execute(sql)), sql).to.have.property('code', codes[violation]);
      };
      await refused(`insert into barrier_state (id, threshold, created_at) values (2, 3, ${now})`);
      await refused(`insert into barrier_state (id, threshold, created_at) values (1, 1, ${now})`);
      await refused(`insert into barrier_state (id, threshold, created_at) values (1, 256, ${now})`);
      await connection.execute(`insert into barrier_state (id, threshold, created_at) values (1, 255, ${now})`);
      const bytes = (size: number) => (engine.kind === 'sqlite' ? `x'${'00'.repeat(size)}'` : `'\\x${'00'.repeat(size)}'::bytea`);
      await refused(`insert into barrier_root_keys (id, wrapped, created_at) values ('${ROOT}', ${bytes(61)}, ${now})`);
      await connection.execute(`insert into barrier_root_keys (id, wrapped, created_at) values ('${ROOT}', ${bytes(60)}, ${now})`);
      await refused(`insert into barrier_intermediate_keys (id, parent_id, wrapped, created_at) values ('${INTERMEDIATE}', '${INTERMEDIATE}', ${bytes(60)}, ${now})`, 'foreignKey');
      await refused(`insert into barrier_intermediate_keys (id, parent_id, wrapped, created_at) values ('${INTERMEDIATE}', '${ROOT}', ${bytes(59)}, ${now})`);
      await connection.execute(`insert into barrier_intermediate_keys (id, parent_id, wrapped, created_at) values ('${INTERMEDIATE}', '${ROOT}', ${bytes(60)}, ${now})`);
      const snapshot = await new OrmBarrierStore(db().orm).load();
      expect(snapshot?.threshold).to.equal(255);
      expect(snapshot?.intermediateKeys).to.deep.equal([{ id: INTERMEDIATE, rootKeyId: ROOT, wrapped: new Uint8Array(60) }]);
    });

    it('builds the production barrier with createBarrier on the service database, logging to its logger', async () => {
      const shares = await newUnsealShares(3, 2);
      const lines: Record<string, unknown>[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
      const barrier = createBarrier({ orm: db().orm, threshold: 2, logger });
      await barrier.unseal(shares.slice(1));
      const record = await barrier.encrypt(Buffer.from('on disk'), 'a');
      const again = createBarrier({ orm: db().orm, threshold: 2 });
      await again.unseal(shares.slice(0, 2));
      expect(Buffer.from(await again.decrypt(record, 'a')).toString()).to.equal('on disk');
      expect(lines.map((line) => line.msg)).to.deep.equal(['barrier initialized', 'barrier unsealed']);
    });
  });
});

describe('barrier migrations', () => {
  // Runs the migrations inside the test (not in a suite hook), so coverage per test credits them here.
  it('create the three tables and the index of intermediate keys by parent', async () => {
    const database = await openDatabase({ url: 'sqlite::memory:', entities: barrierEntities, migrations: barrierMigrations });
    try {
      expect(await database.migrate()).to.deep.equal(['barrier-0001-create-keys']);
      const objects = await database.orm.em.getConnection().execute(
        "select type, name from sqlite_master where name like 'barrier%' order by type, name",
      );
      expect(objects).to.deep.equal([
        { type: 'index', name: 'barrier_intermediate_keys_parent_id_index' },
        { type: 'table', name: 'barrier_intermediate_keys' },
        { type: 'table', name: 'barrier_root_keys' },
        { type: 'table', name: 'barrier_state' },
      ]);
    } finally {
      await database.close();
    }
  });
});

describeOnDatabases('two processes on one database', options, (db, engine) => {
  if (engine.kind !== 'postgresql') return;
  let second: Database | undefined;
  before(async () => {
    second = await openDatabase({ url: engine.url(), entities: barrierEntities, migrations: barrierMigrations });
  });
  after(() => second?.close());

  it('initializes once when both unseal an empty store at the same moment, and each reads the other\'s records', async () => {
    const shares = await newUnsealShares(5, 3);
    const other = second;
    if (other === undefined) throw new Error('the second connection opens before the test');
    for (let round = 0; round < 5; round += 1) {
      await clear(db());
      const meet = rendezvous(2);
      const outcomes: boolean[] = [];
      const one = createBarrierWithStore(new RacingStore(new OrmBarrierStore(db().orm), meet, outcomes), 3);
      const two = createBarrierWithStore(new RacingStore(new OrmBarrierStore(other.orm), meet, outcomes), 3);
      await Promise.all([one.unseal(shares.slice(0, 3)), two.unseal(shares.slice(2, 5))]);
      // Both saw an empty store and both tried: the database let exactly one win.
      expect(outcomes.sort()).to.deep.equal([false, true]);
      const rows = await db().orm.em.getConnection().execute<{ roots: number; intermediates: number; states: number }[]>(
        'select (select count(*) from barrier_root_keys)::int as roots, (select count(*) from barrier_intermediate_keys)::int as intermediates, (select count(*) from barrier_state)::int as states',
      );
      expect(rows).to.deep.equal([{ roots: 1, intermediates: 1, states: 1 }]);
      const fromOne = await one.encrypt(Buffer.from(`one ${round}`), 'a');
      const fromTwo = await two.encrypt(Buffer.from(`two ${round}`), 'a');
      expect(recordKeyId(fromOne)).to.equal(recordKeyId(fromTwo));
      expect(Buffer.from(await two.decrypt(fromOne, 'a')).toString()).to.equal(`one ${round}`);
      expect(Buffer.from(await one.decrypt(fromTwo, 'a')).toString()).to.equal(`two ${round}`);
      const rotated = await one.rotate('root');
      const afterRotation = await one.encrypt(Buffer.from('rotated'), 'a');
      expect(recordKeyId(afterRotation)).to.equal(rotated.intermediateKeyId);
      expect(Buffer.from(await two.decrypt(afterRotation, 'a')).toString()).to.equal('rotated');
    }
  });
});
