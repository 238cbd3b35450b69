// @ts-nocheck
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { pino } from 'pino';
import { LockMode, raw, TableNotFoundException, type MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { ConflictError, UsageError } from '../errors/index.ts';
import { describeOnDatabases } from '../testing/databases.ts';
import { Reservation, Widget, widgetEntities, widgetMigrations } from './fixtures/widgets.ts';
import { PortableMigration } from './migration.ts';
import { isForeignKeyViolation, isUniqueViolation, openDatabase, type Database } from './index.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let counter = 0;
/** Unique names keep the tests of one suite independent although they share a database. */
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Date.now()}`;
}

async function seedWidget(db: Database, stock: number): Promise<string> {
  const em = db.fork();
  const widget = em.create(Widget, { name: uniqueName('seed'), stock });
  await em.flush();
  return widget.id;
}

/** Takes `quantity` from a widget only if that much is left, and records the reservation. */
async function reserveGuarded(em: SqlEntityManager, widgetId: string, quantity: number): Promise<void> {
  await em.transactional(async (tx) => {
    const taken = await tx.nativeUpdate(Widget, { id: widgetId, stock: { $gte: quantity } }, { stock: raw('stock - ?', [quantity]) });
    if (taken === 0) {
      throw new ConflictError('not enough stock');
    }
    tx.create(Reservation, { widget: tx.getReference(Widget, widgetId), quantity });
  });
}

/** The same, as read-modify-write under a row lock (`select ... for update` where the engine has it). */
async function reserveLocked(em: SqlEntityManager, widgetId: string, quantity: number): Promise<void> {
  await em.transactional(async (tx) => {
    const widget = await tx.findOneOrFail(Widget, widgetId, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (widget.stock < quantity) {
      throw new ConflictError('not enough stock');
    }
    widget.stock -= quantity;
    tx.create(Reservation, { widget, quantity });
  });
}

async function settleAll(work: readonly Promise<void>[]): Promise<{ ok: number; conflicts: number; other: unknown[] }> {
  const results = await Promise.allSettled(work);
  const other = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown).filter((reason) => !(reason instanceof ConflictError));
  return {
    ok: results.filter((r) => r.status === 'fulfilled').length,
    conflicts: results.filter((r) => r.status === 'rejected' && r.reason instanceof ConflictError).length,
    other,
  };
}

class AddWidgetColour extends PortableMigration {
  override up(): void {
    this.addSql(`alter table widgets add column colour ${this.types.text} null`);
  }
}

class CreateGadgets extends PortableMigration {
  override up(): void {
    this.addSql(`create table gadgets (id ${this.types.uuid} not null primary key)`);
  }
}

class Broken extends PortableMigration {
  override up(): void {
    this.addSql('alter table no_such_table add column x integer');
  }
}

describeOnDatabases('Database conformance', { entities: widgetEntities, migrations: widgetMigrations, migrate: false }, (db, engine) => {
  describe('migrations', () => {
    it('reports every migration pending before the first migrate, and readiness waits for them', async () => {
      expect(await db().pending()).to.deep.equal(['0001-create-widgets', '0002-create-reservations']);
      const check = await db().check();
      expect(check).to.deep.equal({ ok: false, detail: '2 migration(s) pending' });
    });

    it('applies each migration once, in order; a second migrate applies nothing', async () => {
      expect(await db().migrate()).to.deep.equal(['0001-create-widgets', '0002-create-reservations']);
      expect(await db().migrate()).to.deep.equal([]);
      expect(await db().pending()).to.deep.equal([]);
    });

    it('is ready once migrated', async () => {
      expect(await db().check()).to.deep.equal({ ok: true });
    });

    it('applies a later migration once, even when replicas start together', async () => {
      const migrations = [...widgetMigrations, { name: '0003-add-widget-colour', class: AddWidgetColour }];
      // One process owns a SQLite file; PostgreSQL replicas race for the advisory lock.
      const count = engine.kind === 'postgresql' ? 3 : 1;
      const replicas = await Promise.all(Array.from({ length: count }, () => openDatabase({ url: engine.url(), entities: widgetEntities, migrations })));
      try {
        const applied = await Promise.all(replicas.map((replica) => replica.migrate()));
        expect(applied.flat()).to.deep.equal(['0003-add-widget-colour']);
        expect(await replicas[0]?.pending()).to.deep.equal([]);
        expect(await replicas[0]?.orm.em.getConnection().execute('select colour from widgets')).to.be.an('array');
      } finally {
        await Promise.all(replicas.map((replica) => replica.close()));
      }
    });
    it('applies nothing of a batch in which one migration fails', async () => {
      const migrations = [
        ...widgetMigrations,
        { name: '0003-add-widget-colour', class: AddWidgetColour },
        { name: '0004-create-gadgets', class: CreateGadgets },
        { name: '0005-broken', class: Broken },
      ];
      const later = await openDatabase({ url: engine.url(), entities: widgetEntities, migrations });
      try {
        const error = await later.migrate().then(() => undefined, (reason: unknown) => reason);
        expect(error).to.be.instanceOf(TableNotFoundException).and.to.have.property('message').that.includes('no_such_table');
        expect(await later.pending()).to.deep.equal(['0004-create-gadgets', '0005-broken']);
        const gadgets = await later.orm.em.getConnection().execute('select * from gadgets').then(() => 'exists', (reason: unknown) => reason);
        // SQLSTATE 42P01 (undefined_table); SQLite has one code for every error, so its message tells.
        expect(gadgets).to.include(engine.kind === 'sqlite'
          ? { code: 'SQLITE_ERROR', message: 'no such table: gadgets' }
          : { code: '42P01', message: 'relation "gadgets" does not exist' });
      } finally {
        await later.close();
      }
    });
  });

  describe('entities', () => {
    it('creates, reads, updates and deletes with a UUIDv7 id and ORM-set timestamps', async () => {
      const em = db().fork();
      const widget = em.create(Widget, { name: uniqueName('crud'), stock: 3 });
      expect(widget.id).to.match(UUID_V7);
      expect(widget.createdAt).to.be.instanceOf(Date);
      await em.flush();

      const read = await db().fork().findOneOrFail(Widget, widget.id);
      expect(read).to.include({ id: widget.id, name: widget.name, stock: 3, active: true });
      expect(read.createdAt.getTime()).to.equal(widget.createdAt.getTime());

      await new Promise((resolve) => setTimeout(resolve, 5));
      const editor = db().fork();
      const editing = await editor.findOneOrFail(Widget, widget.id);
      editing.stock = 5;
      await editor.flush();
      const updated = await db().fork().findOneOrFail(Widget, widget.id);
      expect(updated.stock).to.equal(5);
      expect(updated.updatedAt.getTime()).to.be.greaterThan(updated.createdAt.getTime());

      const remover = db().fork();
      remover.remove(await remover.findOneOrFail(Widget, widget.id));
      await remover.flush();
      expect(await db().fork().findOne(Widget, widget.id)).to.equal(null);
    });

    it('round-trips booleans, JSON, bytes and instants identically on every engine', async () => {
      const em = db().fork();
      const instant = new Date('2024-02-29T23:59:58.123Z');
      const widget = em.create(Widget, {
        name: uniqueName('types'),
        stock: 0,
        active: false,
        labels: { colour: 'red', size: '42' },
        digest: Buffer.from([0, 1, 254, 255]),
        createdAt: instant,
      });
      await em.flush();
      const read = await db().fork().findOneOrFail(Widget, widget.id);
      expect(read.active).to.equal(false);
      expect(read.labels).to.deep.equal({ colour: 'red', size: '42' });
      expect(Buffer.from(read.digest ?? [])).to.deep.equal(Buffer.from([0, 1, 254, 255]));
      expect(read.createdAt.toISOString()).to.equal(instant.toISOString());
    });

    it('orders ids by creation time, in memory and in the database', async () => {
      const em = db().fork();
      const prefix = uniqueName('order');
      const created = Array.from({ length: 40 }, (_, i) => em.create(Widget, { name: `${prefix}-${String(i).padStart(2, '0')}`, stock: i }));
      await em.flush();
      const ids = created.map((widget) => widget.id);
      expect([...ids].sort()).to.deep.equal(ids);
      const read = await db().fork().find(Widget, { name: { $like: `${prefix}-%` } }, { orderBy: { id: 'asc' } });
      expect(read.map((widget) => widget.stock)).to.deep.equal(created.map((widget) => widget.stock));
    });
  });

  describe('errors', () => {
    it('recognises a unique violation, so a service can answer 409', async () => {
      const name = uniqueName('unique');
      const first = db().fork();
      first.create(Widget, { name, stock: 1 });
      await first.flush();
      const second = db().fork();
      second.create(Widget, { name, stock: 2 });
      const error = await second.flush().then(() => undefined, (reason: unknown) => reason);
      expect(isUniqueViolation(error)).to.equal(true);
      expect(isForeignKeyViolation(error)).to.equal(false);
    });

    it('enforces foreign keys, so a reference to a missing row fails', async () => {
      const em = db().fork();
      em.create(Reservation, { widget: em.getReference(Widget, '01900000-0000-7000-8000-000000000000'), quantity: 1 });
      const error = await em.flush().then(() => undefined, (reason: unknown) => reason);
      expect(isForeignKeyViolation(error)).to.equal(true);
      expect(isUniqueViolation(error)).to.equal(false);
    });
  });

  describe('transactions', () => {
    it('rolls back every row a failed transaction wrote', async () => {
      const widgetId = await seedWidget(db(), 10);
      const failure = db().fork().transactional(async (tx) => {
        await tx.nativeUpdate(Widget, { id: widgetId }, { stock: 0 });
        tx.create(Reservation, { widget: tx.getReference(Widget, widgetId), quantity: 10 });
        await tx.flush();
        throw new ConflictError('changed my mind');
      });
      expect(await failure.then(() => undefined, (reason: unknown) => reason)).to.be.instanceOf(ConflictError);
      const em = db().fork();
      expect((await em.findOneOrFail(Widget, widgetId)).stock).to.equal(10);
      expect(await em.count(Reservation, { widget: widgetId })).to.equal(0);
    });

    it('50 parallel guarded decrements: exactly as many succeed as there is stock', async () => {
      const widgetId = await seedWidget(db(), 20);
      const outcome = await settleAll(Array.from({ length: 50 }, () => reserveGuarded(db().fork(), widgetId, 1)));
      expect(outcome).to.deep.equal({ ok: 20, conflicts: 30, other: [] });
      const em = db().fork();
      expect((await em.findOneOrFail(Widget, widgetId)).stock).to.equal(0);
      expect(await em.count(Reservation, { widget: widgetId })).to.equal(20);
    });

    it('50 parallel read-modify-writes under a pessimistic lock: exactly as many succeed as there is stock', async () => {
      const widgetId = await seedWidget(db(), 7);
      const outcome = await settleAll(Array.from({ length: 50 }, () => reserveLocked(db().fork(), widgetId, 1)));
      expect(outcome).to.deep.equal({ ok: 7, conflicts: 43, other: [] });
      const em = db().fork();
      expect((await em.findOneOrFail(Widget, widgetId)).stock).to.equal(0);
      expect(await em.count(Reservation, { widget: widgetId })).to.equal(7);
    });
  });

  describe('readiness and close', () => {
    it('reports a check that cannot get a connection in time as not ready', async () => {
      const starved = await openDatabase({ url: engine.url(), entities: widgetEntities, migrations: widgetMigrations, poolMax: 1, checkTimeoutMs: 150 });
      try {
        let release = (): void => undefined;
        const held = new Promise<void>((resolve) => { release = resolve; });
        const holding = starved.fork().transactional(async (tx) => {
          await tx.count(Widget, {});
          await held;
        });
        const check = await starved.check();
        expect(check.ok).to.equal(false);
        expect(check.detail).to.equal('database check did not finish within 150 ms');
        release();
        await holding;
        expect(await starved.check()).to.deep.equal({ ok: true });
      } finally {
        await starved.close();
      }
    });

    it('is not ready once closed, and closing twice is harmless', async () => {
      const other = await openDatabase({ url: engine.url(), entities: widgetEntities, migrations: widgetMigrations });
      expect(await other.check()).to.deep.equal({ ok: true });
      const first = other.close();
      const second = other.close();
      expect(second).to.equal(first);
      await first;
      expect(await other.check()).to.deep.equal({ ok: false, detail: 'database is closed' });
    });

    it('hands out an ORM the service runtime can hold', () => {
      const orm: MikroORM = db().orm;
      expect(orm.em.fork()).to.not.equal(orm.em);
      expect(db().kind).to.equal(engine.kind);
    });
  });
});

describe('openDatabase', () => {
  const opened: Database[] = [];
  const open = async (options: Partial<Parameters<typeof openDatabase>[0]> & { url: string }): Promise<Database> => {
    const database = await openDatabase({ entities: widgetEntities, migrations: widgetMigrations, ...options });
    opened.push(database);
    return database;
  };
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cryptoutil-open-'));
  });

  after(async () => {
    await Promise.all(opened.map((database) => database.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory of a SQLite file and sets WAL, busy timeout and foreign keys on connect', async () => {
    const path = join(dir, 'nested', 'deeper', 'service.sqlite');
    const database = await open({ url: `sqlite:${path}`, busyTimeoutMs: 1234 });
    const connection = database.orm.em.getConnection();
    expect(await connection.execute('pragma journal_mode')).to.deep.equal([{ journal_mode: 'wal' }]);
    expect(await connection.execute('pragma busy_timeout')).to.deep.equal([{ timeout: 1234 }]);
    expect(await connection.execute('pragma foreign_keys')).to.deep.equal([{ foreign_keys: 1 }]);
    expect((await stat(path)).isFile()).to.equal(true);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).to.equal(0o700);
  });

  it('runs on an in-memory SQLite database', async () => {
    const database = await open({ url: 'sqlite::memory:' });
    expect(await database.migrate()).to.have.length(2);
    expect(await database.check()).to.deep.equal({ ok: true });
  });

  it('reports an unreachable PostgreSQL server as not ready, naming the failure but not the password', async () => {
    const port = await unusedPort();
    const database = await open({ url: `postgres://postgres:hunter2@127.0.0.1:${port}/nowhere`, connectTimeoutMs: 500 });
    const check = await database.check();
    expect(check).to.deep.equal({ ok: false, detail: 'database unreachable (ECONNREFUSED)' });
  });

  it('opens a database for a service that keeps no rows of its own', async () => {
    const database = await open({ url: 'sqlite::memory:', entities: [], migrations: [] });
    expect(await database.migrate()).to.deep.equal([]);
    expect(await database.check()).to.deep.equal({ ok: true });
  });

  it('refuses pool bounds that cannot work, naming the key', async () => {
    const refusal = async (poolMin: number, poolMax: number): Promise<unknown> =>
      openDatabase({ url: 'sqlite::memory:', entities: widgetEntities, migrations: [], poolMin, poolMax }).then(() => undefined, (error: unknown) => error);
    const zeroMax = await refusal(0, 0);
    expect(zeroMax).to.be.instanceOf(UsageError).with.property('message').that.contains('database.poolMax');
    const minAboveMax = await refusal(5, 2);
    expect(minAboveMax).to.be.instanceOf(UsageError).with.property('message').that.contains('database.poolMin');
    const fractional = await refusal(0.5, 2);
    expect(fractional).to.be.instanceOf(UsageError).with.property('message').that.contains('database.poolMin');
  });

  it('refuses a migration list with a repeated or empty name', async () => {
    const first = widgetMigrations[0];
    if (first === undefined) {
      throw new Error('fixture has migrations');
    }
    for (const migrations of [[first, first], [{ ...first, name: '' }]]) {
      const error = await openDatabase({ url: 'sqlite::memory:', entities: widgetEntities, migrations }).then(() => undefined, (reason: unknown) => reason);
      expect(error).to.be.instanceOf(TypeError);
    }
  });

  it('logs the migrations it applied, once, and never SQL', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
    const database = await open({ url: 'sqlite::memory:', logger });
    await database.migrate();
    await database.migrate();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ msg: 'applied database migrations', component: 'database' });
    expect(lines[0]?.migrations).to.deep.equal(['0001-create-widgets', '0002-create-reservations']);
    expect(JSON.stringify(lines)).to.not.match(/create table|select /i);
  });
});

/** A loopback port nothing listens on: bind an ephemeral port, then let it go. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  if (address === null || typeof address === 'string') {
    throw new Error('expected a TCP address');
  }
  return address.port;
}
