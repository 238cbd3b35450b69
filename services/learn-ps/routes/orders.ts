/**
 * Orders: one handler per operationId of `openapi.yaml`; the rules live in `../orders.ts`.
 */
import type { OperationHandlers } from '../../template/service.ts';
import { cancelOrder, findOrder, listOrders, placeOrder, type OrderInput } from '../orders.ts';
import { pageOf } from './page.ts';

/** Handlers for `/orders`, `/orders/{id}` and `/orders/{id}/cancel`. */
export const orderHandlers: OperationHandlers = {
  async placeOrder(ctx) {
    ctx.body = await placeOrder(ctx.state.em, ctx.state.body as OrderInput);
    ctx.status = 201;
  },
  async listOrders(ctx) {
    const { page, size } = pageOf(ctx);
    const customerId = ctx.state.query.customerId as string | undefined;
    const { items, total } = await listOrders(ctx.state.em, customerId === undefined ? {} : { customerId }, page, size);
    ctx.body = { items, page, size, total };
  },
  async getOrder(ctx) {
    ctx.body = await findOrder(ctx.state.em, ctx.state.params.id as string);
  },
  async cancelOrder(ctx) {
    ctx.body = await cancelOrder(ctx.state.em, ctx.state.params.id as string);
  },
};
