/**
 * Elastic keys and their audit trail: one handler per operationId of `openapi.yaml`; the rules live
 * in `../elastic-keys.ts` and `../lifecycle.ts`.
 */
import type { OperationHandlers } from '../../template/service.ts';
import { listAudit } from '../audit.ts';
import type { KmsContext } from '../context.ts';
import {
  cancelDeletion, createElasticKey, findElasticKey, listElasticKeys, presentElasticKey, scheduleDeletion, updateElasticKey,
  type ElasticKeyChanges, type ElasticKeyFilter, type ElasticKeyInput,
} from '../elastic-keys.ts';
import { actorOf, keyIdOf, pageOf } from './page.ts';

const FILTERS = ['name', 'algorithm', 'status'] as const;

/** Handlers for `/elastickeys`, `/elastickeys/{id}`, `.../cancel-deletion` and `.../audit`. */
export function elasticKeyHandlers(kms: KmsContext): OperationHandlers {
  return {
    async createElasticKey(ctx) {
      ctx.body = await createElasticKey(ctx.state.em, kms, ctx.state.body as ElasticKeyInput, actorOf(ctx));
      ctx.status = 201;
    },
    async listElasticKeys(ctx) {
      const { page, size } = pageOf(ctx);
      const filter = Object.fromEntries(FILTERS.filter((name) => ctx.state.query[name] !== undefined).map((name) => [name, ctx.state.query[name]])) as ElasticKeyFilter;
      const { items, total } = await listElasticKeys(ctx.state.em, kms, filter, page, size);
      ctx.body = { items, page, size, total };
    },
    async getElasticKey(ctx) {
      ctx.body = presentElasticKey(await findElasticKey(ctx.state.em, kms, keyIdOf(ctx)));
    },
    async updateElasticKey(ctx) {
      ctx.body = await updateElasticKey(ctx.state.em, kms, keyIdOf(ctx), ctx.state.body as ElasticKeyChanges, actorOf(ctx));
    },
    async deleteElasticKey(ctx) {
      ctx.body = await scheduleDeletion(ctx.state.em, kms, keyIdOf(ctx), ctx.state.query.pendingDays as number, actorOf(ctx));
      ctx.status = 202;
    },
    async cancelElasticKeyDeletion(ctx) {
      ctx.body = await cancelDeletion(ctx.state.em, kms, keyIdOf(ctx), actorOf(ctx));
    },
    async listAuditEvents(ctx) {
      const { page, size } = pageOf(ctx);
      const id = keyIdOf(ctx);
      await findElasticKey(ctx.state.em, kms, id);
      const { items, total } = await listAudit(ctx.state.em, id, page, size);
      ctx.body = { items, page, size, total };
    },
  };
}
