/**
 * Opens a service's database (DESIGN "Data"): the same entities and migrations on SQLite and
 * PostgreSQL, migrations applied on request (at start and by `cryptoutil <service> migrate`), a
 * bounded readiness check, and an idempotent close for the graceful drain.
 */
import { MikroORM, type EntitySchema, type MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
// @mikro-orm/sql holds these; both driver packages re-export it and only they are dependencies.
import type { AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { UsageError } from '../errors/index.ts';
import type { CheckResult } from '../service.ts';
import { describeCheckFailure } from './check-failure.ts';
import { withDeadline } from './deadline.ts';
import { ENGINES, type ConnectionSettings, type Engine } from './engines.ts';
import { applyMigrations } from './migrator.ts';
import { OrmLogger } from './orm-logger.ts';
import { parseDatabaseUrl, type EngineKind, type TargetOf } from './url.ts';
import { createReads, type Reads } from './reads.ts';

/** The ORM as the template opens it: a SQL driver, so services get query builders and `execute`. */
export type Orm = MikroORM<AbstractSqlDriver, SqlEntityManager>;

export interface DatabaseOptions {
  /** `database.url`: `sqlite:PATH`, `sqlite::memory:` or `postgres://user:password@host:port/db`. */
  readonly url: string;
  readonly entities: readonly EntitySchema[];
  /** In order; each name is recorded in `mikro_orm_migrations` and must never change. */
  readonly migrations: readonly MigrationObject[];
  /** PostgreSQL pool bounds (`database.poolMin`, `database.poolMax`); defaults 0 and 10. */
  readonly poolMin?: number;
  readonly poolMax?: number;
  /** Receives the ORM's warnings and the list of applied migrations; never SQL. */
  readonly logger?: Logger;
  /** MikroORM's base directory. Relative `sqlite:` paths resolve against the working directory. */
  readonly dataDir?: string;
  /** Longest `check()` may take; default 2000 ms. */
  readonly checkTimeoutMs?: number;
  /** Longest a SQLite writer waits for a lock; default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** Longest a PostgreSQL client waits for a connection or a free pool slot; default 5000 ms. */
  readonly connectTimeoutMs?: number;
}

/** An open database. Requests work on `fork()`s; nothing uses the global entity manager. */
export interface Database {
  readonly kind: EngineKind;
  readonly orm: Orm;
  /** A fresh entity manager for one request or one job (its own identity map). */
  fork(): SqlEntityManager;
  /** Prepared reads for hot queries, beside the ORM on the same connections (reads.ts). */
  readonly reads: Reads;
  /** Applies pending migrations in one transaction; returns the names applied, in order. */
  migrate(): Promise<string[]>;
  /** Names of the migrations not yet applied. */
  pending(): Promise<string[]>;
  /** Readiness: `select 1` answered and no migration pending, within the check timeout. */
  check(): Promise<CheckResult>;
  /** Closes the connections; later calls return the same promise. */
  close(): Promise<void>;
}

const DEFAULTS = { poolMin: 0, poolMax: 10, checkTimeoutMs: 2000, busyTimeoutMs: 5000, connectTimeoutMs: 5000 } as const;

/** Parses the URL, prepares the engine and builds the ORM; the first query opens the connection. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const target = parseDatabaseUrl(options.url);
  const settings = connectionSettings(options);
  checkMigrationNames(options.migrations);
  const engine: Engine<EngineKind> = ENGINES[target.kind];
  const orm = await MikroORM.init<AbstractSqlDriver, SqlEntityManager>({
    ...(await engineConnection(target, settings)),
    driver: await engine.loadDriver(),
    entities: [...options.entities],
    // a service may keep no rows of its own (e.g. a static front end)
    discovery: { warnWhenNoEntities: false },
    baseDir: options.dataDir ?? process.cwd(),
    allowGlobalContext: false,
    // ids and timestamps exist right after em.create, before the flush
    processOnCreateHooksEarly: true,
    debug: false,
    loggerFactory: () => new OrmLogger(options.logger),
    extensions: [Migrator],
    migrations: {
      migrationsList: [...options.migrations],
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  });
  return new OrmDatabase(orm, engine, options.logger, options.checkTimeoutMs ?? DEFAULTS.checkTimeoutMs);
}

/** Runs the engine's local preparation and returns its connection options (correlated by kind). */
async function engineConnection<K extends EngineKind>(target: TargetOf<K>, settings: ConnectionSettings) {
  const engine: Engine<K> = ENGINES[target.kind];
  await engine.prepare(target);
  return engine.connection(target, settings);
}

function connectionSettings(options: DatabaseOptions): ConnectionSettings {
  const poolMin = options.poolMin ?? DEFAULTS.poolMin;
  const poolMax = options.poolMax ?? DEFAULTS.poolMax;
  if (!Number.isInteger(poolMax) || poolMax < 1) {
    throw new UsageError(`database.poolMax must be an integer of at least 1 (got ${poolMax})`);
  }
  if (!Number.isInteger(poolMin) || poolMin < 0 || poolMin > poolMax) {
    throw new UsageError(`database.poolMin must be an integer from 0 to database.poolMax (got ${poolMin})`);
  }
  return {
    poolMin,
    poolMax,
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
  };
}

/** A migration's name is its identity in every database it ever ran on. */
function checkMigrationNames(migrations: readonly MigrationObject[]): void {
  const seen = new Set<string>();
  for (const { name } of migrations) {
    if (name === '' || seen.has(name)) {
      throw new TypeError(`migration names must be unique and non-empty (offending: "${name}")`);
    }
    seen.add(name);
  }
}

class OrmDatabase implements Database {
  readonly kind: EngineKind;
  readonly orm: Orm;
  readonly reads: Reads;
  readonly #migrator: Migrator;
  readonly #migrationLock: string | undefined;
  readonly #log: Logger | undefined;
  readonly #checkTimeoutMs: number;
  #closing: Promise<void> | undefined;

  constructor(orm: Orm, engine: Engine<EngineKind>, log: Logger | undefined, checkTimeoutMs: number) {
    this.kind = engine.kind;
    this.orm = orm;
    this.reads = createReads(engine.kind, orm.em.getConnection());
    this.#migrator = new Migrator(orm.em);
    this.#migrationLock = engine.migrationLock;
    this.#log = log;
    this.#checkTimeoutMs = checkTimeoutMs;
  }

  fork(): SqlEntityManager {
    return this.orm.em.fork();
  }

  async migrate(): Promise<string[]> {
    const applied = await applyMigrations(this.#migrator, this.orm.em.getConnection(), this.#migrationLock);
    if (applied.length > 0) {
      this.#log?.info({ component: 'database', migrations: applied }, 'applied database migrations');
    }
    return applied;
  }

  async pending(): Promise<string[]> {
    const pending = await this.#migrator.getPending();
    return pending.map((migration) => migration.name);
  }

  async check(): Promise<CheckResult> {
    if (this.#closing !== undefined) {
      return { ok: false, detail: 'database is closed' };
    }
    try {
      const pending = await withDeadline(this.#probe(), this.#checkTimeoutMs, 'database check');
      return pending.length === 0 ? { ok: true } : { ok: false, detail: `${pending.length} migration(s) pending` };
    } catch (error) {
      return { ok: false, detail: describeCheckFailure(error) };
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.orm.close();
    return this.#closing;
  }

  async #probe(): Promise<string[]> {
    await this.orm.em.getConnection().execute('select 1');
    return this.pending();
  }
}
