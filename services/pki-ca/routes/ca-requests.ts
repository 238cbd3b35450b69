/** CA requests (an external root): one handler per operationId of `openapi.yaml`; the rules live in `../external.ts`. */
import type { OperationHandlers } from '../../template/service.ts';
import type { PkiContext } from '../context.ts';
import { createCaRequest, getCaRequest, installCaCertificate, listCaRequests, type CaCertificateInput, type CaRequestInput } from '../external.ts';

/** Handlers for `/ca-requests`, `/ca-requests/{name}` and `/ca-requests/{name}/certificate`. */
export function caRequestHandlers(pki: PkiContext): OperationHandlers {
  return {
    async createCaRequest(ctx) {
      ctx.body = await createCaRequest(ctx.state.em, pki, ctx.state.body as CaRequestInput);
      ctx.status = 201;
    },
    async listCaRequests(ctx) {
      ctx.body = { items: await listCaRequests(ctx.state.em) };
    },
    async getCaRequest(ctx) {
      ctx.body = await getCaRequest(ctx.state.em, ctx.state.params.name as string);
    },
    async installCaCertificate(ctx) {
      ctx.body = await installCaCertificate(ctx.state.em, pki, ctx.state.params.name as string, ctx.state.body as CaCertificateInput);
    },
  };
}
