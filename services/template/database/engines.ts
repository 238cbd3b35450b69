/**
 * The engines the template runs on, one row each: the MikroORM driver, the connection settings a
 * server needs, the column types migrations write, and how concurrent migrations are serialized.
 * Adding an engine adds a row here and a `kind` in url.ts.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Options } from '@mikro-orm/core';
import type { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { SqliteDriver } from '@mikro-orm/sqlite';
import type { EngineKind, TargetOf } from './url.ts';
import { releaseBrokenClients } from './broken-clients.ts';

/** Column types for hand-written migration SQL, chosen to match what MikroORM reads and writes. */
export interface ColumnTypes {
  readonly uuid: string;
  readonly text: string;
  readonly integer: string;
  readonly bigint: string;
  /** MikroORM stores booleans as 0/1 on SQLite. */
  readonly boolean: string;
  /** MikroORM stores dates as epoch milliseconds on SQLite; PostgreSQL keeps the instant (UTC). */
  readonly timestamp: string;
  /** TEXT affinity on SQLite, so a JSON document is never coerced to a number. */
  readonly json: string;
  readonly bytes: string;
}

/** Connection settings taken from `database.*` config keys. */
export interface ConnectionSettings {
  readonly poolMin: number;
  readonly poolMax: number;
  /** How long a SQLite writer waits for another connection's lock before failing. */
  readonly busyTimeoutMs: number;
  /** How long a PostgreSQL client waits for a new connection or a free pool slot. */
  readonly connectTimeoutMs: number;
}

/** The ORM options an engine fills in. */
export type EngineConnection = Partial<Pick<Options, 'dbName' | 'clientUrl' | 'pool' | 'driverOptions' | 'onCreateConnection'>>;

/** A MikroORM driver class the template runs on. */
export type DriverClass = typeof SqliteDriver | typeof PostgreSqlDriver;

export interface Engine<K extends EngineKind> {
  readonly kind: K;
  /**
   * Imports the engine's driver. Only the engine a `database.url` names is loaded: a service on
   * SQLite never loads pg and the PostgreSQL driver, and one on PostgreSQL never loads better-sqlite3.
   */
  loadDriver(): Promise<DriverClass>;
  readonly columnTypes: ColumnTypes;
  /** Run first inside the migration transaction, so replicas starting together migrate one at a time. */
  readonly migrationLock: string | undefined;
  /** Local work before the ORM connects (e.g. the SQLite file's directory). */
  prepare(target: TargetOf<K>): Promise<void>;
  connection(target: TargetOf<K>, settings: ConnectionSettings): EngineConnection;
}

/** A kysely `DatabaseConnection`, as handed to `onCreateConnection` (kysely SqliteDialectConfig). */
interface NewConnection {
  executeQuery(query: { readonly sql: string; readonly parameters: readonly unknown[]; readonly query: unknown }): Promise<unknown>;
}

/**
 * Per-connection SQLite settings a server needs: WAL lets readers run beside the writer, the busy
 * timeout makes a second writer wait instead of failing, and foreign keys are off unless asked.
 */
function sqlitePragmas(busyTimeoutMs: number): readonly string[] {
  return ['pragma journal_mode = wal', `pragma busy_timeout = ${Math.trunc(busyTimeoutMs)}`, 'pragma foreign_keys = on'];
}

/** The driver classes imported so far, by engine. */
const loadedDrivers = new Map<EngineKind, DriverClass>();

function remember(kind: EngineKind, driver: DriverClass): DriverClass {
  loadedDrivers.set(kind, driver);
  return driver;
}

const sqlite: Engine<'sqlite'> = {
  kind: 'sqlite',
  loadDriver: async () => remember('sqlite', (await import('@mikro-orm/sqlite')).SqliteDriver),
  columnTypes: {
    uuid: 'text',
    text: 'text',
    integer: 'integer',
    bigint: 'integer',
    boolean: 'integer',
    timestamp: 'datetime',
    json: 'text',
    bytes: 'blob',
  },
  // One process owns a SQLite file and its transactions share one connection in turn.
  migrationLock: undefined,
  async prepare(target) {
    if (target.path !== ':memory:') {
      // The file holds wrapped keys and hashed secrets: a directory we create is the owner's only.
      await mkdir(dirname(resolve(target.path)), { recursive: true, mode: 0o700 });
    }
  },
  connection(target, settings) {
    return {
      dbName: target.path,
      onCreateConnection: async (connection) => {
        for (const sql of sqlitePragmas(settings.busyTimeoutMs)) {
          await (connection as NewConnection).executeQuery({ sql, parameters: [], query: { kind: 'RawNode' } });
        }
      },
    };
  },
};

// Any constant works: PostgreSQL scopes advisory locks to the current database.
const MIGRATION_LOCK_KEY = 0x63_72_79_70;

const postgresql: Engine<'postgresql'> = {
  kind: 'postgresql',
  loadDriver: async () => remember('postgresql', (await import('@mikro-orm/postgresql')).PostgreSqlDriver),
  columnTypes: {
    uuid: 'uuid',
    text: 'text',
    integer: 'integer',
    bigint: 'bigint',
    boolean: 'boolean',
    timestamp: 'timestamptz',
    json: 'jsonb',
    bytes: 'bytea',
  },
  migrationLock: `select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`,
  prepare: () => Promise.resolve(),
  connection(target, settings) {
    return {
      clientUrl: target.clientUrl,
      dbName: target.dbName,
      pool: { min: settings.poolMin, max: settings.poolMax },
      driverOptions: { connectionTimeoutMillis: settings.connectTimeoutMs, onPoolCreated: releaseBrokenClients },
    };
  },
};

/** Every engine by kind. */
export const ENGINES: { readonly [K in EngineKind]: Engine<K> } = { sqlite, postgresql };

/** The engine a MikroORM driver instance belongs to (used by migrations to pick column types). */
export function engineOfDriver(driver: object): Engine<EngineKind> {
  // A driver runs only after its engine loaded it, so the classes loaded are the only candidates.
  const kind = [...loadedDrivers].find(([, loaded]) => driver instanceof loaded)?.[0];
  if (kind === undefined) {
    throw new TypeError('this migration runs on a database driver the template does not support');
  }
  return ENGINES[kind];
}
