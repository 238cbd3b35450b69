/**
 * The template's database layer (DESIGN "Data"). A service defines entities with `defineEntity`,
 * `uuidPrimaryKey()` and `timestamps()`, and migrations as `PortableMigration` classes; the runtime
 * opens, migrates, checks and closes the database through `openDatabase`.
 */
export { openDatabase, type Database, type DatabaseOptions, type Orm } from './database.ts';
export { parseDatabaseUrl, maskDatabaseUrl, type DatabaseTarget, type EngineKind } from './url.ts';
export { PortableMigration } from './migration.ts';
export type { ColumnTypes } from './engines.ts';
export { uuidv7 } from './ids.ts';
export { uuidPrimaryKey } from './primary-key.ts';
export { timestamps } from './timestamps.ts';
export { isUniqueViolation, isForeignKeyViolation } from './errors.ts';
export { flushOrConflict } from './conflicts.ts';
export { isDatabaseUnavailable } from './unavailable.ts';
export { defineRead, type PreparedRead, type Reads, type ReadColumn, type RowOf } from './reads.ts';
