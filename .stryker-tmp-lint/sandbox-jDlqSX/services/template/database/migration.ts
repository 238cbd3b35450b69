/**
 * Base class of every service migration. Migrations are explicit SQL, one class per step, listed in
 * order in the service definition: a migration never changes after release, so nothing derives it
 * from the current entities. Column types come from the engine table, the rest is SQL both
 * PostgreSQL and SQLite accept.
 */
// @ts-nocheck

import { Migration } from '@mikro-orm/migrations';
import { engineOfDriver, type ColumnTypes } from './engines.ts';
import type { EngineKind } from './url.ts';

/** Extend this and call `this.addSql(...)` in `up()`; use `this.types` for column types. */
export abstract class PortableMigration extends Migration {
  /** The engine this migration is running on, for the rare step that needs engine-specific SQL. */
  protected get engine(): EngineKind {
    return engineOfDriver(this.driver).kind;
  }

  /** Column types of the engine this migration is running on. */
  protected get types(): ColumnTypes {
    return engineOfDriver(this.driver).columnTypes;
  }
}
