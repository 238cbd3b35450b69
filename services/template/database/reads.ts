/**
 * Prepared reads: the hot queries of a service, run as prepared, parameterised statements straight
 * on the driver, returning plain objects (docs/decisions/0004-prepared-reads.md). A read is defined
 * once, at module level, with its SQL (`?` placeholders, columns aliased to property names) and the
 * kind of each column; the result has the values the ORM hands back for the same rows: `Date` for
 * timestamps, booleans, parsed JSON, `Buffer` for bytes, and null for NULL in a column declared
 * nullable (`'date?'`).
 *
 * SQLite: one better-sqlite3 statement per SQL text, kept in a bounded cache per connection. The
 * ORM shares that connection, so a read never runs on it while one of the ORM's transactions is
 * open (it would see that transaction's uncommitted rows): it then queues behind the transaction
 * through the ORM's own connection, as any ORM query would.
 * PostgreSQL: a named statement, prepared by the server once per pooled connection; the names are
 * as many as the reads the code defines.
 */
import { createHash } from 'node:crypto';
import type { AbstractSqlConnection } from '@mikro-orm/postgresql';
import { Lru } from '../cache/lru.ts';
import type { EngineKind } from './url.ts';

/** How a column comes back; each kind maps to the type the ORM gives the same property. */
type ColumnKind = 'string' | 'integer' | 'boolean' | 'date' | 'json' | 'bytes';

/** A column's kind, with `?` when it may be NULL (then the value may be null). */
export type ReadColumn = ColumnKind | `${ColumnKind}?`;

interface ColumnTypes {
  string: string;
  integer: number;
  boolean: boolean;
  date: Date;
  json: unknown;
  bytes: Buffer;
}

type ValueOf<R extends ReadColumn> = R extends `${infer K extends ColumnKind}?` ? ColumnTypes[K] | null : R extends ColumnKind ? ColumnTypes[R] : never;

/** The plain object a read returns for a column layout. */
export type RowOf<C extends Readonly<Record<string, ReadColumn>>> = { -readonly [K in keyof C]: ValueOf<C[K]> };

export interface PreparedRead<C extends Readonly<Record<string, ReadColumn>>> {
  /** The SQL with `?` placeholders (SQLite's form). */
  readonly sql: string;
  /** The SQL with `$1, $2, …` placeholders (PostgreSQL's form). */
  readonly postgresSql: string;
  /** The server-side statement name on PostgreSQL, derived from the SQL. */
  readonly name: string;
  readonly columns: C;
}

/** A value a read binds to a placeholder. */
export type ReadParameter = string | number | boolean | Date | null | Buffer;

/** Runs prepared reads on one open database. */
export interface Reads {
  /** The first row, or undefined when there is none. */
  one<C extends Readonly<Record<string, ReadColumn>>>(read: PreparedRead<C>, parameters: readonly ReadParameter[]): Promise<RowOf<C> | undefined>;
  /** The first row; a read that returns none is an error (an aggregate always returns one). */
  oneOrFail<C extends Readonly<Record<string, ReadColumn>>>(read: PreparedRead<C>, parameters: readonly ReadParameter[]): Promise<RowOf<C>>;
  /** Every row, in the order the SQL gives them. */
  all<C extends Readonly<Record<string, ReadColumn>>>(read: PreparedRead<C>, parameters: readonly ReadParameter[]): Promise<RowOf<C>[]>;
}

/** SQL texts with a cached SQLite statement per connection; beyond this the least used is dropped. */
export const STATEMENT_CACHE_SIZE = 128;

/**
 * Defines a read. The SQL takes its values only through `?` placeholders: a quote in it is refused,
 * so no literal can hide a `?` and no value is ever spliced into the text.
 */
export function defineRead<const C extends Readonly<Record<string, ReadColumn>>>(sql: string, columns: C): PreparedRead<C> {
  if (/['"`;]/.test(sql.replaceAll(/"[A-Za-z_][A-Za-z0-9_]*"/g, ''))) {
    throw new TypeError(`a prepared read takes values through ? placeholders only, with no quotes except around aliases and no ';' (got: ${sql})`);
  }
  let index = 0;
  const postgresSql = sql.replaceAll('?', () => {
    index += 1;
    return `$${String(index)}`;
  });
  return { sql, postgresSql, name: `cu_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`, columns };
}

/** The part of better-sqlite3's Database this module uses. */
interface SqliteNative {
  readonly inTransaction: boolean;
  prepare(sql: string): { get(...parameters: unknown[]): unknown; all(...parameters: unknown[]): unknown[] };
}

/** The part of pg's Pool this module uses. */
interface PostgresNative {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}

type RawRow = Record<string, unknown>;

/** Opens the reads of a database on the ORM's connection (and its pool, on PostgreSQL). */
export function createReads(kind: EngineKind, connection: AbstractSqlConnection): Reads {
  const fetch = kind === 'sqlite' ? sqliteFetcher(connection) : postgresFetcher(connection);
  const convert = kind === 'sqlite' ? SQLITE_VALUES : POSTGRES_VALUES;
  return {
    async one(read, parameters) {
      const rows = await fetch(read, parameters, true);
      const first = rows[0];
      return first === undefined ? undefined : toRow(read.columns, first, convert);
    },
    async oneOrFail(read, parameters) {
      const [first] = await fetch(read, parameters, true);
      if (first === undefined) throw new Error(`the prepared read returned no row: ${read.sql}`);
      return toRow(read.columns, first, convert);
    },
    async all(read, parameters) {
      const rows = await fetch(read, parameters, false);
      return rows.map((row) => toRow(read.columns, row, convert));
    },
  };
}

type Fetcher = (read: PreparedRead<Readonly<Record<string, ReadColumn>>>, parameters: readonly ReadParameter[], first: boolean) => Promise<RawRow[]>;

function sqliteFetcher(connection: AbstractSqlConnection): Fetcher {
  let native: SqliteNative | undefined;
  let statements = new Lru<string, ReturnType<SqliteNative['prepare']>>(STATEMENT_CACHE_SIZE);
  return async (read, parameters, first) => {
    const current = (await connection.getNativeClient()) as SqliteNative;
    if (current !== native) {
      native = current;
      statements = new Lru(STATEMENT_CACHE_SIZE);
    }
    const values = parameters.map(sqliteParameter);
    if (current.inTransaction) {
      return connection.execute<RawRow[]>(read.sql, values, 'all');
    }
    let statement = statements.get(read.sql);
    if (statement === undefined) {
      statement = current.prepare(read.sql);
      statements.set(read.sql, statement);
    }
    if (!first) return statement.all(...values) as RawRow[];
    const row = statement.get(...values) as RawRow | undefined;
    return row === undefined ? [] : [row];
  };
}

/** As the ORM writes them on SQLite: booleans as 0 and 1, dates as epoch milliseconds. */
function sqliteParameter(value: ReadParameter): unknown {
  if (typeof value === 'boolean') return Number(value);
  return value instanceof Date ? value.getTime() : value;
}

function postgresFetcher(connection: AbstractSqlConnection): Fetcher {
  let pool: PostgresNative | undefined;
  return async (read, parameters) => {
    pool ??= (await connection.getNativeClient()) as PostgresNative;
    const result = await pool.query({ name: read.name, text: read.postgresSql, values: parameters });
    return result.rows;
  };
}

type Converters = { readonly [K in ColumnKind]: (value: unknown) => ColumnTypes[K] };

function toRow<C extends Readonly<Record<string, ReadColumn>>>(columns: C, raw: RawRow, convert: Converters): RowOf<C> {
  const row: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(columns)) {
    if (!(name in raw)) throw new TypeError(`the read's SQL returns no column "${name}"`);
    const value = raw[name];
    const nullable = kind.endsWith('?');
    if (value === null && !nullable) throw new TypeError(`the read's column "${name}" is NULL but not declared nullable (${kind}?)`);
    row[name] = value === null ? null : convert[(nullable ? kind.slice(0, -1) : kind) as ColumnKind](value);
  }
  return row as RowOf<C>;
}

/** SQLite as the ORM writes it: dates as epoch milliseconds, booleans as 0/1, JSON as text. */
const SQLITE_VALUES: Converters = {
  string: String,
  integer: Number,
  boolean: (value) => value === 1,
  date: (value) => new Date(Number(value)),
  json: (value) => JSON.parse(value as string) as unknown,
  bytes: (value) => Buffer.from(value as Uint8Array),
};

/**
 * PostgreSQL through the ORM's pool, whose type parsers keep timestamps as the server's text
 * (`2026-12-04 18:40:00.123456+00`); jsonb, booleans and bytea arrive parsed.
 */
const POSTGRES_VALUES: Converters = {
  string: String,
  integer: Number,
  boolean: Boolean,
  date: (value) => parsePostgresTimestamp(value as string),
  json: (value) => value,
  bytes: (value) => value as Buffer,
};

/** `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]`, the text of a timestamptz in the ISO date style. */
export function parsePostgresTimestamp(text: string): Date {
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::(\d\d))?(?::(\d\d))?$/.exec(text);
  if (match === null) throw new TypeError(`not a PostgreSQL timestamptz: ${text}`);
  const [, date, time, hours, minutes = '00', seconds] = match as unknown as [string, string, string, string, string | undefined, string | undefined];
  const instant = Date.parse(`${date}T${time}${hours}:${minutes}`);
  const sign = hours.startsWith('-') ? -1 : 1;
  return new Date(instant - sign * Number(seconds ?? '0') * 1000);
}
