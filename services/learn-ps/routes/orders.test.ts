import { expect } from 'chai';
import { startLearnPs, type LearnPsHarness } from '../testing/harness.ts';

interface Order { id: string; customerId: string; status: string; items: { petId: string; quantity: number; unitPriceCents: number }[]; totalCents: number }

describe('learn-ps orders API (DESIGN "Service APIs")', () => {
  let ps: LearnPsHarness;
  let customerId: string;
  const pet = async (stock: number, priceCents = 500): Promise<string> =>
    ((await ps.api('POST', '/pets', { name: 'p', species: 'dog', priceCents, stock })).json as { id: string }).id;
  const stockOf = async (id: string): Promise<number> => ((await ps.api('GET', `/pets/${id}`)).json as { stock: number }).stock;

  before(async () => {
    ps = await startLearnPs();
    customerId = ((await ps.api('POST', '/customers', { name: 'C', email: 'c@example.com' })).json as { id: string }).id;
  });
  after(async () => { await ps.close(); });

  it('POST /orders places an order (201), takes the stock and totals in cents', async () => {
    const a = await pet(5, 250);
    const b = await pet(2, 1000);
    const placed = await ps.api('POST', '/orders', { customerId, items: [{ petId: a, quantity: 2 }, { petId: b, quantity: 1 }, { petId: a, quantity: 1 }] });
    expect(placed.status).to.equal(201);
    const order = placed.json as Order;
    expect(order).to.include({ customerId, status: 'placed', totalCents: 3 * 250 + 1000 });
    expect(order.items).to.have.deep.members([{ petId: a, quantity: 3, unitPriceCents: 250 }, { petId: b, quantity: 1, unitPriceCents: 1000 }]);
    expect(await stockOf(a)).to.equal(2);
    expect(await stockOf(b)).to.equal(1);
    expect((await ps.api('GET', `/orders/${order.id}`)).json).to.deep.equal(order);
  });

  it('answers 409 when any item lacks stock, and changes nothing', async () => {
    const a = await pet(5);
    const b = await pet(1);
    const refused = await ps.api('POST', '/orders', { customerId, items: [{ petId: a, quantity: 2 }, { petId: b, quantity: 2 }] });
    expect(refused.status).to.equal(409);
    expect(refused.headers['content-type']).to.include('application/problem+json');
    expect(await stockOf(a)).to.equal(5);
    expect(await stockOf(b)).to.equal(1);
  });

  it('answers 422 for an unknown customer or pet, and changes nothing', async () => {
    const a = await pet(5);
    const unknown = '01900000-0000-7000-8000-000000000000';
    expect((await ps.api('POST', '/orders', { customerId: unknown, items: [{ petId: a, quantity: 1 }] })).status).to.equal(422);
    expect((await ps.api('POST', '/orders', { customerId, items: [{ petId: a, quantity: 1 }, { petId: unknown, quantity: 1 }] })).status).to.equal(422);
    expect(await stockOf(a)).to.equal(5);
  });

  it('rejects malformed orders with 400 naming the field', async () => {
    const a = await pet(5);
    const zero = await ps.api('POST', '/orders', { customerId, items: [{ petId: a, quantity: 0 }] });
    expect(zero.status).to.equal(400);
    expect(zero.text).to.include('quantity');
    expect((await ps.api('POST', '/orders', { customerId, items: [] })).status).to.equal(400);
    expect((await ps.api('POST', '/orders', { items: [{ petId: a, quantity: 1 }] })).status).to.equal(400);
    expect(await stockOf(a)).to.equal(5);
  });

  it('POST /orders/{id}/cancel restores stock exactly once (second cancel 409), unknown order 404', async () => {
    const a = await pet(3);
    const order = (await ps.api('POST', '/orders', { customerId, items: [{ petId: a, quantity: 2 }] })).json as Order;
    expect(await stockOf(a)).to.equal(1);
    const cancelled = await ps.api('POST', `/orders/${order.id}/cancel`);
    expect(cancelled.status).to.equal(200);
    expect(cancelled.json).to.include({ id: order.id, status: 'cancelled' });
    expect(await stockOf(a)).to.equal(3);
    expect((await ps.api('POST', `/orders/${order.id}/cancel`)).status).to.equal(409);
    expect(await stockOf(a)).to.equal(3);
    const unknown = '01900000-0000-7000-8000-000000000001';
    expect((await ps.api('POST', `/orders/${unknown}/cancel`)).status).to.equal(404);
    expect((await ps.api('GET', `/orders/${unknown}`)).status).to.equal(404);
  });

  it('GET /orders lists one customer\'s orders with their items, paged', async () => {
    const other = ((await ps.api('POST', '/customers', { name: 'O', email: 'o@example.com' })).json as { id: string }).id;
    const a = await pet(10);
    await ps.api('POST', '/orders', { customerId: other, items: [{ petId: a, quantity: 1 }] });
    await ps.api('POST', '/orders', { customerId: other, items: [{ petId: a, quantity: 2 }] });
    const page = await ps.api('GET', `/orders?customerId=${other}&size=1&page=1`);
    expect(page.status).to.equal(200);
    expect(page.json).to.deep.include({ page: 1, size: 1, total: 2 });
    expect((page.json as { items: Order[] }).items[0]?.items).to.deep.equal([{ petId: a, quantity: 2, unitPriceCents: 500 }]);
    const all = await ps.api('GET', '/orders');
    expect((all.json as { total: number }).total).to.be.at.least(3);
  });
});
