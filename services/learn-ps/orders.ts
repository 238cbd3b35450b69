/**
 * Placing and cancelling orders: the only part of the Pet Store with rules beyond CRUD. Stock moves
 * only through guarded conditional updates inside one transaction, so concurrent orders (in one
 * process or many sharing a database) can never sell a pet twice, and a failed order changes nothing.
 */
import { raw, type EntityManager } from '@mikro-orm/core';
import { ConflictError, NotFoundError, UnprocessableEntityError } from '../template/errors/index.ts';
import { Customer, Order, OrderItem, Pet, type OrderStatus } from './entities.ts';

/** The body of `POST /orders`, already validated against the OpenAPI document. */
export interface OrderInput {
  readonly customerId: string;
  readonly items: readonly { readonly petId: string; readonly quantity: number }[];
}

/** An order as the API shows it. */
export interface OrderView {
  readonly id: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly items: readonly { readonly petId: string; readonly quantity: number; readonly unitPriceCents: number }[];
  readonly totalCents: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Sums repeated pets and sorts by id: one guarded update per pet, always taken in the same order (no deadlocks). */
function quantitiesByPet(items: OrderInput['items']): [string, number][] {
  const merged = new Map<string, number>();
  for (const item of items) merged.set(item.petId, (merged.get(item.petId) ?? 0) + item.quantity);
  return [...merged].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The API shape of an order and its items. */
export function presentOrder(order: Order, items: readonly OrderItem[]): OrderView {
  return {
    id: order.id,
    customerId: order.customer.id,
    status: order.status,
    items: items.map((item) => ({ petId: item.pet.id, quantity: item.quantity, unitPriceCents: item.unitPriceCents })),
    totalCents: order.totalCents,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

/** Records the order and takes its stock in one transaction: 422 for an unknown customer or pet, 409 when stock runs short. */
export function placeOrder(em: EntityManager, input: OrderInput): Promise<OrderView> {
  return em.transactional(async (tx) => {
    if (await tx.count(Customer, { id: input.customerId }) === 0) throw new UnprocessableEntityError('no such customer');
    const wanted = quantitiesByPet(input.items);
    const pets = await tx.find(Pet, { id: { $in: wanted.map(([petId]) => petId) } });
    const priceOf = new Map(pets.map((pet) => [pet.id, pet.priceCents]));
    const lines = wanted.map(([petId, quantity]) => {
      const unitPriceCents = priceOf.get(petId);
      if (unitPriceCents === undefined) throw new UnprocessableEntityError(`no such pet: ${petId}`);
      return { petId, quantity, unitPriceCents };
    });
    for (const line of lines) {
      // The guard makes the check and the decrement one statement: the row lock serializes rivals.
      const taken = await tx.nativeUpdate(Pet, { id: line.petId, stock: { $gte: line.quantity } }, { stock: raw('stock - ?', [line.quantity]), updatedAt: new Date() });
      if (taken === 0) throw new ConflictError(`not enough stock for pet ${line.petId}`);
    }
    const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
    const order = tx.create(Order, { customer: tx.getReference(Customer, input.customerId), status: 'placed', totalCents });
    const items = lines.map((line) => tx.create(OrderItem, {
      order, pet: tx.getReference(Pet, line.petId), quantity: line.quantity, unitPriceCents: line.unitPriceCents,
    }));
    await tx.flush();
    return presentOrder(order, items);
  });
}

/** Flips a placed order to cancelled and gives its stock back, exactly once: a second cancel is 409. */
export function cancelOrder(em: EntityManager, orderId: string): Promise<OrderView> {
  return em.transactional(async (tx) => {
    // The status guard is what makes the restore happen once, even for two cancels racing.
    const flipped = await tx.nativeUpdate(Order, { id: orderId, status: 'placed' }, { status: 'cancelled', updatedAt: new Date() });
    const order = await tx.findOne(Order, { id: orderId });
    if (order === null) throw new NotFoundError('no such order');
    if (flipped === 0) throw new ConflictError('the order is already cancelled');
    const items = await tx.find(OrderItem, { order: orderId }, { orderBy: { pet: 'asc' } });
    for (const item of items) {
      await tx.nativeUpdate(Pet, { id: item.pet.id }, { stock: raw('stock + ?', [item.quantity]), updatedAt: new Date() });
    }
    return presentOrder(order, items);
  });
}

/** One order with its items, or 404. */
export async function findOrder(em: EntityManager, orderId: string): Promise<OrderView> {
  const order = await em.findOne(Order, { id: orderId });
  if (order === null) throw new NotFoundError('no such order');
  return presentOrder(order, await em.find(OrderItem, { order: orderId }, { orderBy: { pet: 'asc' } }));
}

/** A page of orders (optionally one customer's) with their items, fetched in two queries. */
export async function listOrders(em: EntityManager, filter: { readonly customerId?: string }, page: number, size: number): Promise<{ items: OrderView[]; total: number }> {
  const where = filter.customerId === undefined ? {} : { customer: filter.customerId };
  const [orders, total] = await em.findAndCount(Order, where, { orderBy: { id: 'asc' }, limit: size, offset: page * size });
  const items = await em.find(OrderItem, { order: { $in: orders.map((order) => order.id) } }, { orderBy: { pet: 'asc' } });
  return { items: orders.map((order) => presentOrder(order, items.filter((item) => item.order.id === order.id))), total };
}
