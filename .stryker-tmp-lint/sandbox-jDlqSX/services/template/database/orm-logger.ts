/**
 * MikroORM's logger, pointed at the service's pino logger. Queries and their parameters never reach
 * a log line (DESIGN: no SQL in logs): `logQuery` and debug chatter are dropped, and only the ORM's
 * own warnings and errors (e.g. a PostgreSQL pool losing a connection) are forwarded.
 */
// @ts-nocheck

import type { Logger as OrmLoggerContract } from '@mikro-orm/core';
import type { Logger } from 'pino';

/** Forwards MikroORM warnings and errors to pino; drops everything else. */
export class OrmLogger implements OrmLoggerContract {
  readonly #log: Logger | undefined;

  constructor(log?: Logger) {
    this.#log = log;
  }

  log(): void {
    // Debug chatter (discovery, info, deprecations) only; the template never turns it on.
  }

  warn(namespace: string, message: string): void {
    this.#log?.warn({ component: 'orm', namespace }, message);
  }

  error(namespace: string, message: string): void {
    this.#log?.error({ component: 'orm', namespace }, message);
  }

  logQuery(): void {
    // SQL and parameters may carry secrets: never logged.
  }

  setDebugMode(): void {
    // Debug mode stays off whatever the ORM asks.
  }

  isEnabled(): boolean {
    // False for 'query' also keeps the ORM from formatting SQL for a log line it would not write.
    return false;
  }
}
