/**
 * The Pet Store's tables as MikroORM entities. Relations are many-to-one references so the unit of
 * work knows to insert an order before its items; handlers only ever read a reference's id.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps, uuidPrimaryKey } from '../template/database/index.ts';

export const Pet = defineEntity({
  name: 'Pet',
  tableName: 'pets',
  properties: {
    id: uuidPrimaryKey(),
    name: p.string(),
    species: p.string(),
    priceCents: p.integer(),
    stock: p.integer(),
    ...timestamps(),
  },
});
export type Pet = InferEntity<typeof Pet>;

export const Customer = defineEntity({
  name: 'Customer',
  tableName: 'customers',
  properties: {
    id: uuidPrimaryKey(),
    name: p.string(),
    email: p.string(),
    ...timestamps(),
  },
});
export type Customer = InferEntity<typeof Customer>;

/** Order status: `placed` holds stock, `cancelled` has given it back. */
export type OrderStatus = 'placed' | 'cancelled';

export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: uuidPrimaryKey(),
    customer: () => p.manyToOne(Customer),
    status: p.string().$type<OrderStatus>(),
    totalCents: p.integer(),
    ...timestamps(),
  },
});
export type Order = InferEntity<typeof Order>;

export const OrderItem = defineEntity({
  name: 'OrderItem',
  tableName: 'order_items',
  properties: {
    id: uuidPrimaryKey(),
    order: () => p.manyToOne(Order),
    pet: () => p.manyToOne(Pet),
    quantity: p.integer(),
    unitPriceCents: p.integer(),
    ...timestamps(),
  },
});
export type OrderItem = InferEntity<typeof OrderItem>;

/** Every entity of the service, as the definition hands them to the template. */
export const entities = [Pet, Customer, Order, OrderItem];
