/**
 * Material keys: one handler per operationId of `openapi.yaml`; the rules live in `../material-keys.ts`.
 */
import type { OperationHandlers } from '../../template/service.ts';
import type { KmsContext } from '../context.ts';
import { findMaterialKey, importMaterial, listMaterialKeys, presentMaterialKey, revokeMaterial, rotateMaterial } from '../material-keys.ts';
import { actorOf, keyIdOf, pageOf } from './page.ts';

function materialIdOf(params: Record<string, unknown>): string {
  return params.mid as string;
}

/** Handlers for `.../materialkeys`, `.../materialkeys/{mid}`, `.../revoke` and `.../import`. */
export function materialKeyHandlers(kms: KmsContext): OperationHandlers {
  return {
    async rotateMaterialKey(ctx) {
      ctx.body = await rotateMaterial(ctx.state.em, kms, keyIdOf(ctx), actorOf(ctx));
      ctx.status = 201;
    },
    async listMaterialKeys(ctx) {
      const { page, size } = pageOf(ctx);
      const { items, total } = await listMaterialKeys(ctx.state.em, kms, keyIdOf(ctx), page, size);
      ctx.body = { items, page, size, total };
    },
    async getMaterialKey(ctx) {
      ctx.body = presentMaterialKey(await findMaterialKey(ctx.state.em, kms, keyIdOf(ctx), materialIdOf(ctx.state.params)));
    },
    async revokeMaterialKey(ctx) {
      ctx.body = await revokeMaterial(ctx.state.em, kms, keyIdOf(ctx), materialIdOf(ctx.state.params), actorOf(ctx));
    },
    async importMaterialKey(ctx) {
      const { jwk } = ctx.state.body as { readonly jwk: unknown };
      ctx.body = await importMaterial(ctx.state.em, kms, keyIdOf(ctx), jwk, actorOf(ctx));
      ctx.status = 201;
    },
  };
}
