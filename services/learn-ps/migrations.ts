/**
 * The Pet Store schema, one released step per class. Money is integer cents; `check` constraints
 * keep stock and prices non-negative even if a handler had a bug.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { PortableMigration } from '../template/database/index.ts';

class CreatePetsAndCustomers extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table pets (
      id ${t.uuid} not null primary key,
      name ${t.text} not null,
      species ${t.text} not null,
      price_cents ${t.integer} not null check (price_cents >= 0),
      stock ${t.integer} not null check (stock >= 0),
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql('create index pets_species_index on pets (species)');
    this.addSql(`create table customers (
      id ${t.uuid} not null primary key,
      name ${t.text} not null,
      email ${t.text} not null,
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null,
      constraint customers_email_unique unique (email)
    )`);
  }
}

class CreateOrders extends PortableMigration {
  override up(): void {
    const t = this.types;
    this.addSql(`create table orders (
      id ${t.uuid} not null primary key,
      customer_id ${t.uuid} not null references customers (id),
      status ${t.text} not null check (status in ('placed', 'cancelled')),
      total_cents ${t.integer} not null check (total_cents >= 0),
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql('create index orders_customer_id_index on orders (customer_id)');
    this.addSql(`create table order_items (
      id ${t.uuid} not null primary key,
      order_id ${t.uuid} not null references orders (id),
      pet_id ${t.uuid} not null references pets (id),
      quantity ${t.integer} not null check (quantity > 0),
      unit_price_cents ${t.integer} not null check (unit_price_cents >= 0),
      created_at ${t.timestamp} not null,
      updated_at ${t.timestamp} not null
    )`);
    this.addSql('create index order_items_order_id_index on order_items (order_id)');
    this.addSql('create index order_items_pet_id_index on order_items (pet_id)');
  }
}

/** Migrations in the order they run; a released step never changes. */
export const migrations: readonly MigrationObject[] = [
  { name: '0001-create-pets-and-customers', class: CreatePetsAndCustomers },
  { name: '0002-create-orders', class: CreateOrders },
];
