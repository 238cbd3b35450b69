/**
 * The database conformance harness (DESIGN "Data"): one mocha `describe` per engine, the same body
 * in each. SQLite gets a temporary file (so WAL and the busy timeout are real); PostgreSQL gets a
 * fresh database `cryptoutil_test_<random>` on the server at CRYPTOUTIL_TEST_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres), created before and dropped after.
 */
// @ts-nocheck

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntitySchema, MigrationObject } from '@mikro-orm/core';
import { openDatabase, type Database, type EngineKind } from '../database/index.ts';

export interface DatabaseSuiteOptions {
  readonly entities: readonly EntitySchema[];
  readonly migrations: readonly MigrationObject[];
  /** Apply the migrations before the first test (default true). */
  readonly migrate?: boolean;
}

/** The engine a suite runs on; `url` is known once the suite's `before` hook has run. */
export interface TestEngine {
  readonly kind: EngineKind;
  readonly title: string;
  url(): string;
}

export interface Scratch {
  readonly url: string;
  drop(): Promise<void>;
}

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Engines in the order suites run: the quick local one first. */
const ENGINES: readonly { readonly kind: EngineKind; readonly title: string; create(): Promise<Scratch> }[] = [
  { kind: 'sqlite', title: 'SQLite', create: createSqliteFile },
  { kind: 'postgresql', title: 'PostgreSQL', create: createPostgresDatabase },
];

async function createSqliteFile(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-db-'));
  return { url: `sqlite:${join(dir, 'test.sqlite')}`, drop: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh PostgreSQL database for one test run; `drop` removes it. */
export async function createPostgresDatabase(): Promise<Scratch> {
  const server = new URL(process.env.CRYPTOUTIL_TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL);
  if (server.pathname === '' || server.pathname === '/') {
    server.pathname = '/postgres';
  }
  const name = `cryptoutil_test_${randomBytes(6).toString('hex')}`;
  const scratch = new URL(server.href);
  scratch.pathname = `/${name}`;
  const manage = async (sql: string): Promise<void> => {
    const admin = await openDatabase({ url: server.href, entities: [], migrations: [], poolMax: 1 });
    try {
      await admin.orm.em.getConnection().execute(sql);
    } finally {
      await admin.close();
    }
  };
  await manage(`create database ${name}`);
  // FORCE (PostgreSQL 13+) ends sessions a failed test left open, so the drop always happens.
  return { url: scratch.href, drop: () => manage(`drop database if exists ${name} with (force)`) };
}

/**
 * Defines `describe('<title> on SQLite')` and `describe('<title> on PostgreSQL')`, each with its own
 * fresh database opened (and by default migrated) before its tests and closed and removed after.
 */
export function describeOnDatabases(
  title: string,
  options: DatabaseSuiteOptions,
  body: (db: () => Database, engine: TestEngine) => void,
): void {
  for (const row of ENGINES) {
    describe(`${title} on ${row.title}`, () => {
      let scratch: Scratch | undefined;
      let database: Database | undefined;
      const engine: TestEngine = {
        kind: row.kind,
        title: row.title,
        url: () => {
          if (scratch === undefined) {
            throw new Error('the database URL exists once the suite has started');
          }
          return scratch.url;
        },
      };

      before(async () => {
        scratch = await row.create();
        database = await openDatabase({ url: scratch.url, entities: options.entities, migrations: options.migrations });
        if (options.migrate ?? true) {
          await database.migrate();
        }
      });

      after(async () => {
        await database?.close();
        await scratch?.drop();
      });

      body(() => {
        if (database === undefined) {
          throw new Error('the database is opened by the suite before its first test');
        }
        return database;
      }, engine);
    });
  }
}
