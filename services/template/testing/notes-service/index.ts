/**
 * A complete service built only from the template, used by the template's own tests, the
 * end-to-end suite and the `template-read` benchmark: the smallest thing that touches every layer
 * (validation, scopes, both token kinds, database writes, problem responses, a slow operation for
 * drain tests).
 */
import { EventEmitter } from 'node:events';
import { defineEntity, p, type InferEntity, type MigrationObject } from '@mikro-orm/core';
import type { OperationHandlers, ServiceDefinition } from '../../service.ts';
import { NotFoundError } from '../../errors/index.ts';
import { PortableMigration, timestamps, uuidPrimaryKey } from '../../database/index.ts';

/** Emits 'arrived' when a `slow` request reaches its handler: drain tests act once it is surely in flight. */
export const slowRequests = new EventEmitter();

export const Note = defineEntity({
  name: 'Note',
  tableName: 'notes',
  properties: {
    id: uuidPrimaryKey(),
    title: p.string(),
    body: p.text(),
    ...timestamps(),
  },
});
export type Note = InferEntity<typeof Note>;

class CreateNotes extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table notes (
      id ${t.uuid} not null primary key,
      title ${t.text} not null,
      body ${t.text} not null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
  }
}

const migrations: readonly MigrationObject[] = [{ name: '0001-create-notes', class: CreateNotes }];

function present(note: Note): Record<string, unknown> {
  return { id: note.id, title: note.title, body: note.body, createdAt: note.createdAt.toISOString() };
}

/** The notes handlers, one per operationId; definitions built on notes spread and override them. */
export const notesHandlers: OperationHandlers = {
  async createNote(ctx) {
    const input = ctx.state.body as { title: string; body: string };
    const note = ctx.state.em.create(Note, { title: input.title, body: input.body });
    await ctx.state.em.flush();
    ctx.status = 201;
    ctx.body = present(note);
  },
  async listNotes(ctx) {
    const page = ctx.state.query.page as number;
    const size = ctx.state.query.size as number;
    const [items, total] = await ctx.state.em.findAndCount(Note, {}, { orderBy: { id: 'desc' }, limit: size, offset: page * size });
    ctx.body = { items: items.map(present), page, size, total };
  },
  async getNote(ctx) {
    const note = await ctx.state.em.findOne(Note, { id: ctx.state.params.id as string });
    if (note === null) throw new NotFoundError('no such note');
    ctx.body = present(note);
  },
  async deleteNote(ctx) {
    const removed = await ctx.state.em.nativeDelete(Note, { id: ctx.state.params.id as string });
    if (removed === 0) throw new NotFoundError('no such note');
    ctx.status = 204;
  },
  async slow(ctx) {
    const ms = ctx.state.query.ms as number;
    slowRequests.emit('arrived');
    await new Promise((resolve) => setTimeout(resolve, ms));
    ctx.body = { waitedMs: ms };
  },
};

export const notesService: ServiceDefinition = {
  name: 'notes',
  summary: 'template test service',
  publicPort: 0,
  upAdminPort: 0,
  openapi: new URL('./openapi.yaml', import.meta.url),
  entities: [Note],
  migrations,
  setup: () => ({ operations: notesHandlers }),
};
