import { expect } from 'chai';
import fc from 'fast-check';
import { describeOnDatabases } from '../testing/databases.ts';
import { Widget, widgetEntities, widgetMigrations } from './fixtures/widgets.ts';
import { defineRead, parsePostgresTimestamp, STATEMENT_CACHE_SIZE } from './reads.ts';

const WIDGET_BY_ID = defineRead(
  'select id, name, stock, active, labels, digest, created_at as "createdAt", updated_at as "updatedAt" from widgets where id = ?',
  { id: 'string', name: 'string', stock: 'integer', active: 'boolean', labels: 'json?', digest: 'bytes?', createdAt: 'date', updatedAt: 'date' },
);
const WIDGETS_CREATED_AFTER = defineRead('select id from widgets where created_at > ? and stock = ?', { id: 'string' });
const WIDGETS_BY_STOCK = defineRead('select id, stock from widgets where stock >= ? and active = ? order by id', { id: 'string', stock: 'integer' });

/** The ORM's view of a widget as plain values, to compare with a read's row. */
function plain(widget: Widget): Record<string, unknown> {
  return {
    id: widget.id,
    name: widget.name,
    stock: widget.stock,
    active: widget.active,
    labels: widget.labels ?? null,
    digest: widget.digest ?? null,
    createdAt: widget.createdAt,
    updatedAt: widget.updatedAt,
  };
}

const widgetInput = fc.record({
  // Below the list test's range, which reads every widget from 1,000,000 up.
  stock: fc.integer({ min: 0, max: 999_999 }),
  active: fc.boolean(),
  labels: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 4 }), { nil: null }),
  digest: fc.option(fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes)), { nil: null }),
  name: fc.string({ minLength: 1, maxLength: 40 }).filter((name) => !name.includes('\u0000')),
});

let serial = 0;

describe('prepared reads: definitions', () => {
  it('numbers the placeholders for PostgreSQL and names the statement after its SQL', () => {
    expect(WIDGETS_BY_STOCK.postgresSql).to.equal('select id, stock from widgets where stock >= $1 and active = $2 order by id');
    expect(WIDGETS_BY_STOCK.name).to.match(/^cu_[0-9a-f]{24}$/);
    expect(defineRead('select 1 as one where ? = ?', { one: 'integer' }).name).not.to.equal(WIDGETS_BY_STOCK.name);
  });

  it('refuses SQL with a literal, a quoted string or a second statement: values go through placeholders', () => {
    for (const sql of ["select id from widgets where name = 'x'", 'select id from widgets; drop table widgets', 'select `id` from widgets', 'select "id from widgets']) {
      expect(() => defineRead(sql, { id: 'string' }), sql).to.throw(TypeError, 'placeholders only');
    }
    expect(() => defineRead('select id as "theId" from widgets where id = ?', { theId: 'string' })).not.to.throw();
  });

  it('reads PostgreSQL timestamptz text in every offset form the server prints', () => {
    expect(parsePostgresTimestamp('2026-12-04 18:40:00.123456+00').toISOString()).to.equal('2026-12-04T18:40:00.123Z');
    expect(parsePostgresTimestamp('2026-12-04 18:40:00+05:30').toISOString()).to.equal('2026-12-04T13:10:00.000Z');
    expect(parsePostgresTimestamp('2026-12-04 18:40:00-03').toISOString()).to.equal('2026-12-04T21:40:00.000Z');
    expect(parsePostgresTimestamp('1890-01-01 00:00:00+00:53:28').toISOString()).to.equal('1889-12-31T23:06:32.000Z');
    expect(parsePostgresTimestamp('1890-01-01 00:00:00-00:53:28').toISOString()).to.equal('1890-01-01T00:53:28.000Z');
    expect(() => parsePostgresTimestamp('infinity')).to.throw(TypeError, 'not a PostgreSQL timestamptz');
  });
});

describeOnDatabases('prepared reads', { entities: widgetEntities, migrations: widgetMigrations }, (db, engine) => {
  it('returns what the ORM returns for the same row, for any row (property)', async () => {
    await fc.assert(
      fc.asyncProperty(widgetInput, async (input) => {
        serial += 1;
        const em = db().fork();
        const widget = em.create(Widget, { ...input, name: `${input.name}#${String(serial)}` });
        await em.flush();
        const fromOrm = await db().fork().findOneOrFail(Widget, widget.id);
        const read = await db().reads.one(WIDGET_BY_ID, [widget.id]);
        expect(read).to.deep.equal(plain(fromOrm));
      }),
      { numRuns: 60 },
    );
  });

  it('answers undefined for no row and every row in order for a list, binding booleans', async () => {
    expect(await db().reads.one(WIDGET_BY_ID, ['00000000-0000-7000-8000-000000000000'])).to.equal(undefined);
    let none: unknown;
    try {
      await db().reads.oneOrFail(WIDGET_BY_ID, ['00000000-0000-7000-8000-000000000000']);
    } catch (caught) {
      none = caught;
    }
    expect(String(none)).to.include('the prepared read returned no row');
    const counted = defineRead('select count(*) as total from widgets where stock >= ?', { total: 'integer' });
    const before = (await db().reads.oneOrFail(counted, [1_000_000])).total;
    const em = db().fork();
    const made = [1, 2, 3].map((stock) => em.create(Widget, { name: `list-${String(stock)}-${String(Date.now())}`, stock: stock === 3 ? 2 ** 31 - 1 : 1_000_000 + stock, active: stock !== 2 }));
    await em.flush();
    const rows = await db().reads.all(WIDGETS_BY_STOCK, [1_000_000, true]);
    const expected = made.filter((widget) => widget.active).map((widget) => ({ id: widget.id, stock: widget.stock })).sort((a, b) => a.id.localeCompare(b.id));
    expect(rows).to.deep.equal(expected);
    expect(await db().reads.all(WIDGETS_BY_STOCK, [1_000_000, false])).to.deep.equal([{ id: made[1]?.id, stock: 1_000_002 }]);
    // count(*) is a bigint on PostgreSQL, which the driver gives as text: it comes back a number.
    expect(await db().reads.oneOrFail(counted, [1_000_000])).to.deep.equal({ total: before + 3 });
  });

  it('binds a date as the ORM stores it', async () => {
    const em = db().fork();
    const widget = em.create(Widget, { name: `dated-${String(Date.now())}`, stock: 424_242 });
    await em.flush();
    const just = new Date(widget.createdAt.getTime() - 1);
    expect(await db().reads.all(WIDGETS_CREATED_AFTER, [just, 424_242])).to.deep.equal([{ id: widget.id }]);
    expect(await db().reads.all(WIDGETS_CREATED_AFTER, [widget.createdAt, 424_242])).to.deep.equal([]);
  });

  it('never sees rows of a transaction that is still open, and sees them once it commits', async () => {
    const { promise: release, resolve } = Promise.withResolvers<undefined>();
    const { promise: written, resolve: wrote } = Promise.withResolvers<string>();
    const transaction = db().fork().transactional(async (tx) => {
      const widget = tx.create(Widget, { name: `open-${String(Date.now())}`, stock: 5 });
      await tx.flush();
      wrote(widget.id);
      await release;
    });
    const id = await written;
    if (engine.kind === 'postgresql') {
      // Another pooled connection, under read committed: the row is not there yet.
      expect(await db().reads.one(WIDGET_BY_ID, [id])).to.equal(undefined);
      resolve(undefined);
      await transaction;
    } else {
      // The ORM's one connection is inside the transaction: the read waits for it to end.
      let settled = false;
      const during = db().reads.one(WIDGET_BY_ID, [id]).finally(() => { settled = true; });
      await new Promise((resolveLater) => setTimeout(resolveLater, 50));
      expect(settled, 'the read waited for the transaction').to.equal(false);
      resolve(undefined);
      await transaction;
      expect((await during)?.id).to.equal(id);
    }
    expect((await db().reads.one(WIDGET_BY_ID, [id]))?.stock).to.equal(5);
  });

  it('names a column the SQL does not return', async () => {
    const wrong = defineRead('select id from widgets where stock >= ?', { id: 'string', stock: 'integer' });
    const em = db().fork();
    em.create(Widget, { name: `wrong-${String(Date.now())}`, stock: 9 });
    await em.flush();
    let error: unknown;
    try {
      await db().reads.all(wrong, [0]);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(TypeError).with.property('message', 'the read\'s SQL returns no column "stock"');
    const undeclared = defineRead('select labels from widgets where labels is null and stock >= ?', { labels: 'json' });
    error = undefined;
    try {
      await db().reads.all(undeclared, [0]);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(TypeError).with.property('message', 'the read\'s column "labels" is NULL but not declared nullable (json?)');
  });

  it('keeps working past the statement cache bound, and a failing statement fails the read', async () => {
    const first = defineRead('select 0 as n where 1 = ?', { n: 'integer' });
    const many = [first, ...Array.from({ length: STATEMENT_CACHE_SIZE + 4 }, (_unused, index) => defineRead(`select ${String(index + 1)} as n where 1 = ?`, { n: 'integer' }))];
    for (const [index, read] of many.entries()) expect(await db().reads.one(read, [1])).to.deep.equal({ n: index });
    expect(await db().reads.one(first, [1]), 'evicted, prepared again').to.deep.equal({ n: 0 });
    let failure: unknown;
    try {
      await db().reads.one(defineRead('select id from no_such_table where id = ?', { id: 'string' }), ['x']);
    } catch (caught) {
      failure = caught;
    }
    expect(String(failure)).to.include('no_such_table');
  });
});
