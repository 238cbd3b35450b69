/**
 * Key sets and their audit trail: one handler per operationId of `openapi.yaml`; the rules live in
 * `../key-sets.ts` and `../audit.ts`.
 */
import { ConflictError, InternalError } from '../../template/errors/index.ts';
import type { OperationContext, OperationHandlers } from '../../template/service.ts';
import { appendAudit, listAudit } from '../audit.ts';
import type { Actor, JaContext } from '../context.ts';
import type { OperationRecord } from '../ports.ts';
import { createKeySet, deleteKeySet, findKeySet, getKeySet, listKeySets, rotateKeySet } from '../key-sets.ts';

/** Who is calling; every jose-ja operation requires a token, so a missing principal is a template bug. */
export function actorOf(ctx: OperationContext): Actor {
  const principal = ctx.state.principal;
  if (principal === undefined) throw new InternalError(new Error('a jose-ja operation ran without a principal'));
  return { subject: principal.subject, clientId: principal.clientId };
}

async function recordRefusal(ctx: OperationContext, ja: JaContext, actor: Actor, entry: OperationRecord): Promise<void> {
  const em = ctx.state.em.fork();
  appendAudit(em, actor, entry, ja.now());
  await em.flush();
}

function nameOf(ctx: OperationContext): string {
  return ctx.state.params.name as string;
}

function pageOf(ctx: OperationContext): { page: number; size: number } {
  return { page: ctx.state.query.page as number, size: ctx.state.query.size as number };
}

/** Handlers for `/jwks`, `/jwks/{name}`, `/jwks/{name}/rotate` and `/jwks/{name}/audit`. */
export function keySetHandlers(ja: JaContext): OperationHandlers {
  return {
    async createKeySet(ctx) {
      ctx.body = await createKeySet(ctx.state.em, ja, ctx.state.body, actorOf(ctx));
      ctx.status = 201;
    },
    async listKeySets(ctx) {
      const { page, size } = pageOf(ctx);
      const { items, total } = await listKeySets(ctx.state.em, ja, page, size);
      ctx.body = { items, page, size, total };
    },
    async getKeySet(ctx) {
      ctx.body = await getKeySet(ctx.state.em, ja, nameOf(ctx));
    },
    async deleteKeySet(ctx) {
      await deleteKeySet(ctx.state.em, ja, nameOf(ctx), actorOf(ctx));
      ctx.status = 204;
    },
    async rotateKeySet(ctx) {
      const body = ctx.state.body as { immediate?: boolean } | undefined;
      const [name, actor] = [nameOf(ctx), actorOf(ctx)];
      try {
        ctx.body = await rotateKeySet(ctx.state.em, ja, name, actor, { immediate: body?.immediate === true });
      } catch (error) {
        // A refused rotation is worth a row too: who tried to rotate, and why it was refused.
        if (error instanceof ConflictError) await recordRefusal(ctx, ja, actor, { keySet: name, action: 'rotate', outcome: 'failure', detail: error.message });
        throw error;
      }
    },
    async listKeySetAudit(ctx) {
      const { page, size } = pageOf(ctx);
      const name = nameOf(ctx);
      await findKeySet(ctx.state.em, name);
      const { items, total } = await listAudit(ctx.state.em, name, page, size);
      ctx.body = { items, page, size, total };
    },
  };
}
