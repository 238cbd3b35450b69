/**
 * Documents: one handler per operationId of `openapi.yaml`. The scopes are checked by the template
 * before a handler runs (rs:read for reads, rs:write for writes); a handler only does the work.
 */
import type { OperationHandlers } from '../../template/service.ts';
import { NotFoundError } from '../../template/errors/index.ts';
import { Document } from '../entities.ts';
import { principalOf } from './principal.ts';

interface DocumentInput {
  readonly title: string;
  readonly content: string;
}

/** The API shape of a document. */
export function presentDocument(document: Document): Record<string, unknown> {
  return {
    id: document.id,
    title: document.title,
    content: document.content,
    createdBy: document.createdBy,
    createdAt: document.createdAt.toISOString(),
  };
}

/** Handlers for `/documents` and `/documents/{id}`. */
export const documentHandlers: OperationHandlers = {
  async createDocument(ctx) {
    const input = ctx.state.body as DocumentInput;
    const document = ctx.state.em.create(Document, { title: input.title, content: input.content, createdBy: principalOf(ctx).subject });
    await ctx.state.em.flush();
    ctx.status = 201;
    ctx.body = presentDocument(document);
  },
  async listDocuments(ctx) {
    const page = ctx.state.query.page as number;
    const size = ctx.state.query.size as number;
    // UUIDv7 ids sort by creation time: oldest first.
    const [items, total] = await ctx.state.em.findAndCount(Document, {}, { orderBy: { id: 'asc' }, limit: size, offset: page * size });
    ctx.body = { items: items.map(presentDocument), page, size, total };
  },
  async getDocument(ctx) {
    const document = await ctx.state.em.findOne(Document, { id: ctx.state.params.id as string });
    if (document === null) throw new NotFoundError('no such document');
    ctx.body = presentDocument(document);
  },
  async deleteDocument(ctx) {
    const removed = await ctx.state.em.nativeDelete(Document, { id: ctx.state.params.id as string });
    if (removed === 0) throw new NotFoundError('no such document');
    ctx.status = 204;
  },
};
