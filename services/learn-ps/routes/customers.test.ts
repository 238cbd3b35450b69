import { expect } from 'chai';
import { startLearnPs, type LearnPsHarness } from '../testing/harness.ts';

interface Customer { id: string; name: string; email: string }

describe('learn-ps customers API (DESIGN "Service APIs")', () => {
  let ps: LearnPsHarness;
  before(async () => { ps = await startLearnPs(); });
  after(async () => { await ps.close(); });

  it('creates, reads, lists, updates and deletes a customer', async () => {
    const created = await ps.api('POST', '/customers', { name: 'Ada', email: 'ada@example.com' });
    expect(created.status).to.equal(201);
    const ada = created.json as Customer;
    expect(ada).to.include({ name: 'Ada', email: 'ada@example.com' });
    expect((await ps.api('GET', `/customers/${ada.id}`)).json).to.deep.equal(ada);
    const list = await ps.api('GET', '/customers?size=1');
    expect(list.json).to.deep.include({ page: 0, size: 1, total: 1 });
    const updated = await ps.api('PUT', `/customers/${ada.id}`, { name: 'Ada L.', email: 'ada@example.org' });
    expect(updated.json).to.include({ name: 'Ada L.', email: 'ada@example.org' });
    expect((await ps.api('DELETE', `/customers/${ada.id}`)).status).to.equal(204);
    expect((await ps.api('GET', `/customers/${ada.id}`)).status).to.equal(404);
    expect((await ps.api('PUT', `/customers/${ada.id}`, { name: 'x', email: 'x@example.com' })).status).to.equal(404);
    expect((await ps.api('DELETE', `/customers/${ada.id}`)).status).to.equal(404);
  });

  it('answers 409 for a duplicate email without quoting the driver, on create and on update', async () => {
    const first = (await ps.api('POST', '/customers', { name: 'A', email: 'dup@example.com' })).json as Customer;
    const duplicate = await ps.api('POST', '/customers', { name: 'B', email: 'dup@example.com' });
    expect(duplicate.status).to.equal(409);
    expect(duplicate.headers['content-type']).to.include('application/problem+json');
    expect(duplicate.text).not.to.match(/UNIQUE|constraint|duplicate key/i);
    const other = (await ps.api('POST', '/customers', { name: 'C', email: 'other@example.com' })).json as Customer;
    expect((await ps.api('PUT', `/customers/${other.id}`, { name: 'C', email: 'dup@example.com' })).status).to.equal(409);
    expect((await ps.api('GET', `/customers/${other.id}`)).json).to.include({ email: 'other@example.com' });
    expect((await ps.api('GET', `/customers/${first.id}`)).status).to.equal(200);
  });

  it('rejects a bad email (400 naming the field) and uses the orders scopes (403 with pets scopes)', async () => {
    const bad = await ps.api('POST', '/customers', { name: 'N', email: 'not-an-email' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.include('email');
    const petsOnly = await ps.token(['pets:read', 'pets:write']);
    const answer = await ps.harness.call('GET', `${ps.harness.service.publicUrl}/service/api/v1/customers`, { token: petsOnly });
    expect(answer.status).to.equal(403);
  });

  it('refuses to delete a customer who has orders (409)', async () => {
    const customer = (await ps.api('POST', '/customers', { name: 'Buyer', email: 'buyer@example.com' })).json as Customer;
    const pet = (await ps.api('POST', '/pets', { name: 'P', species: 'dog', priceCents: 1, stock: 1 })).json as { id: string };
    expect((await ps.api('POST', '/orders', { customerId: customer.id, items: [{ petId: pet.id, quantity: 1 }] })).status).to.equal(201);
    expect((await ps.api('DELETE', `/customers/${customer.id}`)).status).to.equal(409);
    expect((await ps.api('DELETE', `/pets/${pet.id}`)).status).to.equal(409);
  });
});
