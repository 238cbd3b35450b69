/**
 * The public listener's Koa application, whose requests start with a RequestState of one fixed
 * shape: every step reads and writes the same fields without reshaping an object per request, and
 * the entity manager is forked only when a handler first asks for one. Requests answered from
 * memory, through the prepared reads, or refused before a handler (401, 404, 429) fork none.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';
import type { EntityManager } from '@mikro-orm/core';
import type { Database } from './database/index.ts';
import type { Reads } from './database/reads.ts';
import type { Principal, RequestState } from './service.ts';

/** A request's state on one database. */
export class ServiceRequestState implements RequestState {
  requestId = '';
  principal?: Principal = undefined;
  params: Record<string, unknown> = {};
  query: Record<string, unknown> = {};
  body: unknown = undefined;
  readonly reads: Reads;
  readonly #database: Database;
  #em: EntityManager | undefined = undefined;

  constructor(database: Database) {
    this.#database = database;
    this.reads = database.reads;
  }

  /** A fork of the database's entity manager, made on first use and kept for the request. */
  get em(): EntityManager {
    this.#em ??= this.#database.fork();
    return this.#em;
  }

  set em(em: EntityManager) {
    this.#em = em;
  }
}

/** Koa, with each request's state a ServiceRequestState on `database`. */
export class ServiceApplication extends Koa<RequestState> {
  readonly #database: Database;

  constructor(database: Database) {
    super({ proxy: false });
    this.#database = database;
  }

  override createContext<StateT = RequestState>(req: IncomingMessage, res: ServerResponse): Koa.ParameterizedContext<StateT> {
    const ctx = super.createContext<StateT>(req, res);
    ctx.state = new ServiceRequestState(this.#database) as StateT;
    return ctx;
  }
}
