/**
 * Customers: one handler per operationId of `openapi.yaml`. The email is unique; a duplicate is a
 * 409 in our own words (the driver's message would quote the address). A customer with orders
 * cannot be deleted (409).
 */
import type { OperationContext, OperationHandlers } from '../../template/service.ts';
import { NotFoundError } from '../../template/errors/index.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../template/database/index.ts';
import { Customer } from '../entities.ts';
import { conflictsAs } from './conflicts.ts';
import { pageOf } from './page.ts';

interface CustomerInput {
  readonly name: string;
  readonly email: string;
}

/** The API shape of a customer. */
export function presentCustomer(customer: Customer): Record<string, unknown> {
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    createdAt: customer.createdAt.toISOString(),
    updatedAt: customer.updatedAt.toISOString(),
  };
}

async function findCustomer(ctx: OperationContext): Promise<Customer> {
  const customer = await ctx.state.em.findOne(Customer, { id: ctx.state.params.id as string });
  if (customer === null) throw new NotFoundError('no such customer');
  return customer;
}

/** Flushes, turning a unique violation (the email) into 409. */
function flushUnique(ctx: OperationContext): Promise<void> {
  return conflictsAs(ctx.state.em.flush(), [[isUniqueViolation, 'a customer with this email exists']]);
}

/** Handlers for `/customers` and `/customers/{id}`. */
export const customerHandlers: OperationHandlers = {
  async createCustomer(ctx) {
    const customer = ctx.state.em.create(Customer, ctx.state.body as CustomerInput);
    await flushUnique(ctx);
    ctx.status = 201;
    ctx.body = presentCustomer(customer);
  },
  async listCustomers(ctx) {
    const { page, size, limit, offset } = pageOf(ctx);
    const [items, total] = await ctx.state.em.findAndCount(Customer, {}, { orderBy: { id: 'asc' }, limit, offset });
    ctx.body = { items: items.map(presentCustomer), page, size, total };
  },
  async getCustomer(ctx) {
    ctx.body = presentCustomer(await findCustomer(ctx));
  },
  async updateCustomer(ctx) {
    const customer = await findCustomer(ctx);
    ctx.state.em.assign(customer, ctx.state.body as CustomerInput);
    await flushUnique(ctx);
    ctx.body = presentCustomer(customer);
  },
  async deleteCustomer(ctx) {
    const removed = await conflictsAs(ctx.state.em.nativeDelete(Customer, { id: ctx.state.params.id as string }), [
      [isForeignKeyViolation, 'the customer has orders'],
    ]);
    if (removed === 0) throw new NotFoundError('no such customer');
    ctx.status = 204;
  },
};
