/**
 * `cryptoutil <service> backup --to FILE` and `restore --from FILE`. A backup is what the database
 * holds and nothing more: every secret in it is sealed under the barrier (or hashed), so the file
 * is as safe to store as the database itself, and useless without the unseal shares.
 *
 * SQLite: `VACUUM INTO`, a consistent copy made while the service runs (readers and the writer go
 * on); the file is itself a SQLite database. PostgreSQL: `pg_dump --format=custom`, restored with
 * `pg_restore` in one transaction. Credentials reach the two tools through their environment, never
 * their command line (which every user of the machine can read).
 *
 * Neither command ever overwrites: backup refuses an existing FILE, restore a database that holds
 * any table. Nothing is changed when either refuses.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { UsageError } from '../errors/index.ts';
import { openDatabase } from './database.ts';
import { parseDatabaseUrl, type DatabaseTarget, type TargetOf } from './url.ts';

const run = promisify(execFile);

/** The first bytes of each kind of backup file. */
const MAGIC = { sqlite: 'SQLite format 3\0', postgresql: 'PGDMP' } as const;

export interface BackupOptions {
  /** `database.url` of the service. */
  readonly url: string;
  readonly file: string;
  /** Where pg_dump and pg_restore are; default: found on PATH. */
  readonly postgresBin?: string;
}

export interface BackupSummary {
  readonly engine: DatabaseTarget['kind'];
  readonly bytes: number;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** The SQLite file; a relative path is relative to the working directory, as the service opens it. */
function sqlitePath(target: TargetOf<'sqlite'>): string {
  if (target.path === ':memory:') {
    throw new UsageError('database.url is sqlite::memory:, which keeps nothing to back up or restore into');
  }
  return resolve(target.path);
}

/** libpq's environment for a PostgreSQL URL: the password stays off the command line. */
function libpqEnvironment(target: TargetOf<'postgresql'>): NodeJS.ProcessEnv {
  const url = new URL(target.clientUrl);
  return {
    ...process.env,
    PGHOST: url.hostname,
    PGPORT: url.port === '' ? '5432' : url.port,
    PGUSER: decodeURIComponent(url.username),
    PGPASSWORD: decodeURIComponent(url.password),
    PGDATABASE: target.dbName,
  };
}

function tool(name: 'pg_dump' | 'pg_restore', options: BackupOptions): string {
  return options.postgresBin === undefined ? name : resolve(options.postgresBin, name);
}

/** Runs a PostgreSQL tool; a failure says what the tool said, never the environment. */
async function postgresTool(name: 'pg_dump' | 'pg_restore', args: readonly string[], target: TargetOf<'postgresql'>, options: BackupOptions): Promise<void> {
  try {
    await run(tool(name, options), [...args], { env: libpqEnvironment(target) });
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: unknown };
    if (code === 'ENOENT') {
      throw new Error(`${name} is not installed (the PostgreSQL client tools, e.g. the postgresql-client package)`, { cause: error });
    }
    throw new Error(`${name} failed: ${typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : String(code)}`, { cause: error });
  }
}

/** Writes a backup of the service's database to `options.file`, which must not exist yet. */
export async function backupDatabase(options: BackupOptions): Promise<BackupSummary> {
  const target = parseDatabaseUrl(options.url);
  const file = resolve(options.file);
  if (await exists(file)) {
    throw new UsageError(`--to ${options.file} exists; a backup never overwrites a file`);
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  if (target.kind === 'sqlite') {
    const source = sqlitePath(target);
    if (!(await exists(source))) {
      throw new UsageError(`there is no database at ${source} (database.url) to back up`);
    }
    const database = await openDatabase({ url: `sqlite:${source}`, entities: [], migrations: [] });
    try {
      await database.orm.em.getConnection().execute('vacuum into ?', [file]);
    } finally {
      await database.close();
    }
  } else {
    await postgresTool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`], target, options);
  }
  return { engine: target.kind, bytes: (await stat(file)).size };
}

/** What kind of backup `file` is, from its first bytes. */
async function backupKind(file: string): Promise<DatabaseTarget['kind'] | undefined> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(MAGIC.sqlite.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const text = head.subarray(0, bytesRead).toString('latin1');
    if (text === MAGIC.sqlite) return 'sqlite';
    return text.startsWith(MAGIC.postgresql) ? 'postgresql' : undefined;
  } finally {
    await handle.close();
  }
}

/** The tables a database holds, outside the system's own. */
async function tableCount(url: string): Promise<number> {
  const database = await openDatabase({ url, entities: [], migrations: [] });
  try {
    const sql = database.kind === 'sqlite'
      ? "select count(*) as n from sqlite_master where type = 'table' and name not like 'sqlite_%'"
      : "select count(*) as n from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')";
    // A count always answers one row.
    const [row] = await database.orm.em.getConnection().execute<[{ n: number | string }]>(sql);
    return Number(row.n);
  } finally {
    await database.close();
  }
}

/** Restores `options.file` into the service's database, which must be empty (or, for SQLite, absent). */
export async function restoreDatabase(options: BackupOptions): Promise<BackupSummary> {
  const target = parseDatabaseUrl(options.url);
  const file = resolve(options.file);
  if (!(await exists(file))) {
    throw new UsageError(`--from ${options.file} does not exist`);
  }
  const kind = await backupKind(file);
  if (kind === undefined) {
    throw new UsageError(`--from ${options.file} is not a backup made by cryptoutil backup (neither a SQLite database nor a pg_dump archive)`);
  }
  if (kind !== target.kind) {
    throw new UsageError(`--from ${options.file} is a ${kind} backup, and database.url is ${target.kind}: restore into the same kind of database`);
  }
  const empty = 'restore only fills an empty database, so that nothing is lost or mixed; nothing was changed';
  if (target.kind === 'sqlite') {
    const path = sqlitePath(target);
    const replacing = await exists(path);
    if (replacing && (await tableCount(`sqlite:${path}`)) > 0) {
      throw new UsageError(`the database at ${path} is not empty: ${empty}`);
    }
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    if (replacing) {
      // The empty database's write-ahead log must not be replayed onto the restored file.
      await Promise.all([rm(`${path}-wal`, { force: true }), rm(`${path}-shm`, { force: true })]);
    }
    // COPYFILE_EXCL: a database created meanwhile is never overwritten either.
    await copyFile(file, path, replacing ? 0 : constants.COPYFILE_EXCL);
  } else {
    if ((await tableCount(options.url)) > 0) {
      throw new UsageError(`the database ${target.dbName} is not empty: ${empty}`);
    }
    await postgresTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${target.dbName}`, file], target, options);
  }
  return { engine: target.kind, bytes: (await stat(file)).size };
}
