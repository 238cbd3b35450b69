/**
 * `database.url` parsing (DESIGN "Configuration": `sqlite:PATH`, `sqlite::memory:`, `postgres://...`).
 * Anything else stops start-up with a UsageError; no message ever carries the URL's password.
 */
// @ts-nocheck

import { UsageError } from '../errors/index.ts';

/** Where each engine's data lives; the `kind` picks the row of the engine table. */
export interface TargetFields {
  readonly sqlite: { readonly path: string };
  readonly postgresql: { readonly clientUrl: string; readonly dbName: string };
}

/** A database engine the template runs on. */
export type EngineKind = keyof TargetFields;

/** The parsed `database.url` for one engine. */
export type TargetOf<K extends EngineKind> = { readonly kind: K } & TargetFields[K];

/** The parsed `database.url`: a SQLite file (or `:memory:`) or a PostgreSQL database. */
export type DatabaseTarget = { [K in EngineKind]: TargetOf<K> }[EngineKind];

const SQLITE_PREFIX = 'sqlite:';
const POSTGRES_PROTOCOLS: ReadonlySet<string> = new Set(['postgres:', 'postgresql:']);
const EXPECTED = 'expected sqlite:PATH, sqlite::memory: or postgres://user:password@host:port/database';

/**
 * Replaces the password of a URL-shaped string with `***`. Everything between the first `:` after
 * the user name and the last `@` goes, so an unencoded `@` or `/` in a password is masked too.
 */
export function maskDatabaseUrl(url: string): string {
  return url.replace(/^([a-z][\w+.-]*:\/\/[^:/?#@]*):.*@/i, '$1:***@');
}

/** Parses `database.url`; every refusal is a UsageError naming the key (exit code 2). */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith(SQLITE_PREFIX)) {
    const path = url.slice(SQLITE_PREFIX.length);
    if (path === '') {
      throw new UsageError(`database.url: sqlite: needs a file path or :memory:; ${EXPECTED}`);
    }
    return { kind: 'sqlite', path };
  }
  const masked = maskDatabaseUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`database.url is not a URL ("${masked}"); ${EXPECTED}`);
  }
  if (!POSTGRES_PROTOCOLS.has(parsed.protocol)) {
    throw new UsageError(`database.url scheme "${parsed.protocol}" is not supported; ${EXPECTED}`);
  }
  return postgresTarget(parsed, masked);
}

function postgresTarget(parsed: URL, masked: string): DatabaseTarget {
  const dbName = decodeURIComponent(parsed.pathname.slice(1));
  if (dbName === '' || dbName.includes('/')) {
    throw new UsageError(`database.url must name exactly one database in its path ("${masked}")`);
  }
  if (parsed.hostname === '') {
    throw new UsageError(`database.url must name a host ("${masked}")`);
  }
  // The ORM reads host, port, user, password and database from the URL and drops every query
  // parameter; refusing them beats silently ignoring e.g. `sslmode=require`.
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError(`database.url query parameters and fragments are not supported ("${masked}")`);
  }
  return { kind: 'postgresql', clientUrl: parsed.href, dbName };
}
