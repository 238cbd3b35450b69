import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { UsageError } from '../errors/index.ts';
import { createPostgresDatabase, describeOnDatabases, type Scratch } from '../testing/databases.ts';
import { backupDatabase, restoreDatabase } from './backup.ts';
import { openDatabase } from './database.ts';
import { Widget, widgetEntities, widgetMigrations } from './fixtures/widgets.ts';

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(() => { throw new Error('expected a refusal'); }, (error: unknown) => error as Error);
}

/** The widgets a database holds, as comparable rows. */
async function widgetsOf(url: string): Promise<unknown[]> {
  const database = await openDatabase({ url, entities: widgetEntities, migrations: widgetMigrations });
  try {
    const rows = await database.fork().find(Widget, {}, { orderBy: { name: 'asc' } });
    return rows.map((row) => [row.id, row.name, row.stock, row.labels, row.digest === null || row.digest === undefined ? null : Buffer.from(row.digest).toString('hex')]);
  } finally {
    await database.close();
  }
}

/** An empty database of the same engine as `url`: a SQLite path that does not exist yet, or a fresh PostgreSQL database. */
async function emptyLike(kind: 'sqlite' | 'postgresql'): Promise<Scratch> {
  if (kind === 'postgresql') return createPostgresDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-restore-'));
  return { url: `sqlite:${join(dir, 'nested', 'restored.sqlite')}`, drop: () => Promise.resolve() };
}

describeOnDatabases('backup and restore', { entities: widgetEntities, migrations: widgetMigrations }, (db, engine) => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cryptoutil-backup-'));
    const em = db().fork();
    em.create(Widget, { name: 'anvil', stock: 3, labels: { colour: 'black' }, digest: Buffer.from([0, 1, 254, 255]) });
    em.create(Widget, { name: 'bolt', stock: 1000 });
    await em.flush();
  });

  it('backs up while the database is open, and restores into an empty database everything it held', async () => {
    const file = join(dir, 'nested', 'one.backup');
    const written = await backupDatabase({ url: engine.url(), file });
    expect(written.engine).to.equal(engine.kind);
    expect(written.bytes).to.be.greaterThan(0);
    // Written after the backup: not in it.
    const em = db().fork();
    em.create(Widget, { name: 'later', stock: 1 });
    await em.flush();
    const target = await emptyLike(engine.kind);
    try {
      expect(await restoreDatabase({ url: target.url, file })).to.deep.equal(written);
      const restored = await widgetsOf(target.url);
      expect(restored.map((row) => (row as unknown[])[1])).to.deep.equal(['anvil', 'bolt']);
      const original = (await widgetsOf(engine.url())).filter((row) => (row as unknown[])[1] !== 'later');
      expect(restored).to.deep.equal(original);
      // The restored database takes the service as it was: its migrations are recorded, none is pending.
      const reopened = await openDatabase({ url: target.url, entities: widgetEntities, migrations: widgetMigrations });
      try {
        expect(await reopened.migrate()).to.deep.equal([]);
      } finally {
        await reopened.close();
      }
      // A second restore into the now filled database is refused and changes nothing.
      const refused = await failure(restoreDatabase({ url: target.url, file }));
      expect(refused).to.be.instanceOf(UsageError);
      expect(refused.message).to.match(/is not empty: restore only fills an empty database, so that nothing is lost or mixed; nothing was changed$/);
      expect(await widgetsOf(target.url)).to.deep.equal(restored);
    } finally {
      await target.drop();
    }
  });

  it('never overwrites a file, and refuses what is not a backup or is the other engine\'s', async () => {
    const file = join(dir, 'taken.backup');
    await writeFile(file, 'keep me');
    const taken = await failure(backupDatabase({ url: engine.url(), file }));
    expect(taken).to.be.instanceOf(UsageError);
    expect(taken.message).to.equal(`--to ${file} exists; a backup never overwrites a file`);
    const notBackup = await failure(restoreDatabase({ url: engine.url(), file }));
    expect(notBackup.message).to.equal(`--from ${file} is not a backup made by cryptoutil backup (neither a SQLite database nor a pg_dump archive)`);
    const tiny = join(dir, 'tiny');
    await writeFile(tiny, '');
    expect((await failure(restoreDatabase({ url: engine.url(), file: tiny }))).message).to.match(/is not a backup made by cryptoutil backup/);
    const missing = await failure(restoreDatabase({ url: engine.url(), file: join(dir, 'none') }));
    expect(missing.message).to.equal(`--from ${join(dir, 'none')} does not exist`);
    const mine = join(dir, 'mine.backup');
    await backupDatabase({ url: engine.url(), file: mine });
    const other = engine.kind === 'sqlite' ? 'postgres://postgres@127.0.0.1:5432/elsewhere' : `sqlite:${join(dir, 'elsewhere.sqlite')}`;
    const crossed = await failure(restoreDatabase({ url: other, file: mine }));
    expect(crossed).to.be.instanceOf(UsageError);
    expect(crossed.message).to.equal(`--from ${mine} is a ${engine.kind} backup, and database.url is ${engine.kind === 'sqlite' ? 'postgresql' : 'sqlite'}: restore into the same kind of database`);
  });
});

describe('backup and restore: what cannot be done', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cryptoutil-backup-'));
  });

  it('says why for an in-memory database, a missing SQLite file and missing or failing PostgreSQL tools', async () => {
    const memory = await failure(backupDatabase({ url: 'sqlite::memory:', file: join(dir, 'm') }));
    expect(memory).to.be.instanceOf(UsageError);
    expect(memory.message).to.equal('database.url is sqlite::memory:, which keeps nothing to back up or restore into');
    const absent = await failure(backupDatabase({ url: `sqlite:${join(dir, 'absent.sqlite')}`, file: join(dir, 'a') }));
    expect(absent.message).to.equal(`there is no database at ${join(dir, 'absent.sqlite')} (database.url) to back up`);
    const noTools = await failure(backupDatabase({ url: 'postgres://postgres:secret-pw@127.0.0.1:5432/postgres', file: join(dir, 'p'), postgresBin: dir }));
    expect(noTools.message).to.equal('pg_dump is not installed (the PostgreSQL client tools, e.g. the postgresql-client package)');
    // No port in the URL: libpq is told 5432.
    const noDatabase = await failure(backupDatabase({ url: 'postgres://postgres:secret-pw@127.0.0.1/cryptoutil_no_such_database', file: join(dir, 'q') }));
    expect(noDatabase.message).to.match(/^pg_dump failed: .*cryptoutil_no_such_database/);
    expect(noDatabase.message, 'the password never shows').not.to.include('secret-pw');
    const silent = join(dir, 'silent-bin');
    await mkdir(silent);
    await writeFile(join(silent, 'pg_dump'), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    expect((await failure(backupDatabase({ url: 'postgres://postgres@127.0.0.1:5432/postgres', file: join(dir, 'r'), postgresBin: silent }))).message).to.equal('pg_dump failed: 3');
  });

  it('restores into an existing SQLite file that holds no table yet', async () => {
    const source = `sqlite:${join(dir, 'source.sqlite')}`;
    const database = await openDatabase({ url: source, entities: widgetEntities, migrations: widgetMigrations });
    await database.migrate();
    const em = database.fork();
    em.create(Widget, { name: 'cog', stock: 7 });
    await em.flush();
    await database.close();
    const file = join(dir, 'source.backup');
    await backupDatabase({ url: source, file });
    const target = `sqlite:${join(dir, 'blank.sqlite')}`;
    const blank = await openDatabase({ url: target, entities: [], migrations: [] });
    await blank.orm.em.getConnection().execute('pragma user_version = 1');
    await blank.close();
    await restoreDatabase({ url: target, file });
    expect((await widgetsOf(target)).map((row) => (row as unknown[])[1])).to.deep.equal(['cog']);
  });
});
