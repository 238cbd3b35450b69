import { expect } from 'chai';
import { ConflictError, NotFoundError, UnprocessableEntityError } from '../template/errors/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import type { Database } from '../template/database/index.ts';
import { Customer, entities, Order, OrderItem, Pet } from './entities.ts';
import { migrations } from './migrations.ts';
import { cancelOrder, findOrder, listOrders, placeOrder } from './orders.ts';

let counter = 0;

async function seed(db: Database, stock: number, priceCents = 100): Promise<{ customerId: string; petId: string }> {
  counter += 1;
  const em = db.fork();
  const customer = em.create(Customer, { name: 'c', email: `c${counter}-${Date.now()}@example.com` });
  const pet = em.create(Pet, { name: 'p', species: 'dog', priceCents, stock });
  await em.flush();
  return { customerId: customer.id, petId: pet.id };
}

async function stockOf(db: Database, petId: string): Promise<number> {
  return (await db.fork().findOneOrFail(Pet, { id: petId })).stock;
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (error: unknown) => error);
}

describeOnDatabases('learn-ps orders are transactions', { entities, migrations }, (db) => {
  it('50 parallel orders against stock 10 place exactly 10 and leave stock 0', async () => {
    const { customerId, petId } = await seed(db(), 10);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => placeOrder(db().fork(), { customerId, items: [{ petId, quantity: 1 }] })));
    const placed = results.filter((result) => result.status === 'fulfilled').length;
    const refused = results.filter((result) => result.status === 'rejected' && result.reason instanceof ConflictError).length;
    expect({ placed, refused }).to.deep.equal({ placed: 10, refused: 40 });
    expect(await stockOf(db(), petId)).to.equal(0);
    const orders = await db().fork().count(Order, { customer: customerId });
    expect(orders).to.equal(10);
  });

  it('a short item refuses the whole order: no stock taken, no order or item rows', async () => {
    const { customerId, petId } = await seed(db(), 5);
    const short = await seed(db(), 1);
    const before = await db().fork().count(OrderItem, {});
    const error = await rejection(placeOrder(db().fork(), { customerId, items: [{ petId, quantity: 3 }, { petId: short.petId, quantity: 2 }] }));
    expect(error).to.be.instanceOf(ConflictError);
    expect(await stockOf(db(), petId)).to.equal(5);
    expect(await stockOf(db(), short.petId)).to.equal(1);
    expect(await db().fork().count(OrderItem, {})).to.equal(before);
    expect(await db().fork().count(Order, { customer: customerId })).to.equal(0);
  });

  it('unknown customer or pet is 422', async () => {
    const { customerId, petId } = await seed(db(), 5);
    const unknown = '01900000-0000-7000-8000-0000000000aa';
    expect(await rejection(placeOrder(db().fork(), { customerId: unknown, items: [{ petId, quantity: 1 }] }))).to.be.instanceOf(UnprocessableEntityError);
    expect(await rejection(placeOrder(db().fork(), { customerId, items: [{ petId: unknown, quantity: 1 }] }))).to.be.instanceOf(UnprocessableEntityError);
    expect(await stockOf(db(), petId)).to.equal(5);
  });

  it('two racing cancels restore the stock exactly once; the loser gets 409', async () => {
    const { customerId, petId } = await seed(db(), 4, 250);
    const order = await placeOrder(db().fork(), { customerId, items: [{ petId, quantity: 3 }] });
    expect(order.totalCents).to.equal(750);
    const results = await Promise.allSettled([cancelOrder(db().fork(), order.id), cancelOrder(db().fork(), order.id)]);
    expect(results.filter((result) => result.status === 'fulfilled')).to.have.length(1);
    const loser = results.find((result) => result.status === 'rejected');
    expect(loser?.reason).to.be.instanceOf(ConflictError);
    expect(await stockOf(db(), petId)).to.equal(4);
    expect((await findOrder(db().fork(), order.id)).status).to.equal('cancelled');
    expect(await rejection(cancelOrder(db().fork(), '01900000-0000-7000-8000-0000000000ab'))).to.be.instanceOf(NotFoundError);
    expect(await rejection(findOrder(db().fork(), '01900000-0000-7000-8000-0000000000ab'))).to.be.instanceOf(NotFoundError);
  });

  it('lists orders with their own items only', async () => {
    const { customerId, petId } = await seed(db(), 10);
    const other = await seed(db(), 10);
    await placeOrder(db().fork(), { customerId, items: [{ petId, quantity: 1 }, { petId: other.petId, quantity: 2 }] });
    await placeOrder(db().fork(), { customerId, items: [{ petId, quantity: 3 }] });
    const { items, total } = await listOrders(db().fork(), { customerId }, 0, 10);
    expect(total).to.equal(2);
    expect(items.map((order) => order.items.length)).to.deep.equal([2, 1]);
    expect(items[1]?.items).to.deep.equal([{ petId, quantity: 3, unitPriceCents: 100 }]);
  });
});
