import { expect } from 'chai';
import { startLearnPs, type LearnPsHarness } from '../testing/harness.ts';

interface Pet { id: string; name: string; species: string; priceCents: number; stock: number; createdAt: string; updatedAt: string }

describe('learn-ps pets API (DESIGN "Service APIs")', () => {
  let ps: LearnPsHarness;
  before(async () => { ps = await startLearnPs(); });
  after(async () => { await ps.close(); });

  it('POST /pets creates a pet with a UUIDv7 id and timestamps (201)', async () => {
    const created = await ps.api('POST', '/pets', { name: 'Rex', species: 'dog', priceCents: 12_500, stock: 3 });
    expect(created.status).to.equal(201);
    const pet = created.json as Pet;
    expect(pet).to.include({ name: 'Rex', species: 'dog', priceCents: 12_500, stock: 3 });
    expect(pet.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(Number.isNaN(Date.parse(pet.createdAt))).to.equal(false);
    expect((await ps.api('GET', `/pets/${pet.id}`)).json).to.deep.equal(pet);
  });

  it('GET /pets filters by species and pages from 0', async () => {
    for (const name of ['a', 'b', 'c']) await ps.api('POST', '/pets', { name, species: 'newt', priceCents: 1, stock: 1 });
    const first = await ps.api('GET', '/pets?species=newt&page=0&size=2');
    expect(first.status).to.equal(200);
    expect(first.json).to.deep.include({ page: 0, size: 2, total: 3 });
    expect((first.json as { items: Pet[] }).items.map((pet) => pet.name)).to.deep.equal(['a', 'b']);
    const second = await ps.api('GET', '/pets?species=newt&page=1&size=2');
    expect((second.json as { items: Pet[] }).items.map((pet) => pet.name)).to.deep.equal(['c']);
    const all = await ps.api('GET', '/pets');
    expect(all.json).to.deep.include({ page: 0, size: 20 });
  });

  it('PUT /pets/{id} replaces the fields and moves updatedAt', async () => {
    const pet = (await ps.api('POST', '/pets', { name: 'Tom', species: 'cat', priceCents: 900, stock: 1 })).json as Pet;
    const updated = await ps.api('PUT', `/pets/${pet.id}`, { name: 'Tom', species: 'cat', priceCents: 1000, stock: 4 });
    expect(updated.status).to.equal(200);
    expect(updated.json).to.include({ id: pet.id, priceCents: 1000, stock: 4 });
    expect(Date.parse((updated.json as Pet).updatedAt)).to.be.at.least(Date.parse(pet.updatedAt));
  });

  it('DELETE /pets/{id} answers 204, then 404', async () => {
    const pet = (await ps.api('POST', '/pets', { name: 'Gone', species: 'fish', priceCents: 1, stock: 1 })).json as Pet;
    expect((await ps.api('DELETE', `/pets/${pet.id}`)).status).to.equal(204);
    expect((await ps.api('GET', `/pets/${pet.id}`)).status).to.equal(404);
    expect((await ps.api('DELETE', `/pets/${pet.id}`)).status).to.equal(404);
    expect((await ps.api('PUT', `/pets/${pet.id}`, { name: 'x', species: 'y', priceCents: 1, stock: 1 })).status).to.equal(404);
  });

  it('rejects bad input with problem+json naming the field (400) and stores nothing', async () => {
    const before = ((await ps.api('GET', '/pets?size=100')).json as { total: number }).total;
    const bad = await ps.api('POST', '/pets', { name: 'Bad', species: 'dog', priceCents: -1, stock: 1 });
    expect(bad.status).to.equal(400);
    expect(bad.headers['content-type']).to.include('application/problem+json');
    expect(bad.text).to.include('priceCents');
    expect((await ps.api('POST', '/pets', { name: 'Bad', species: 'dog', priceCents: 1.5, stock: 1 })).status).to.equal(400);
    expect((await ps.api('POST', '/pets', { name: 'Bad', species: 'dog', priceCents: 1, stock: 1, extra: true })).status).to.equal(400);
    expect((await ps.api('GET', '/pets?size=101')).status).to.equal(400);
    expect((await ps.api('GET', '/pets/not-a-uuid')).status).to.equal(400);
    expect(((await ps.api('GET', '/pets?size=100')).json as { total: number }).total).to.equal(before);
  });

  it('needs pets:write to write and pets:read to read (403)', async () => {
    const reader = await ps.token(['pets:read']);
    const url = `${ps.harness.service.publicUrl}/service/api/v1/pets`;
    expect((await ps.harness.call('POST', url, { token: reader, body: { name: 'n', species: 's', priceCents: 1, stock: 1 } })).status).to.equal(403);
    expect((await ps.harness.call('GET', url, { token: reader })).status).to.equal(200);
    const orders = await ps.token(['orders:read']);
    expect((await ps.harness.call('GET', url, { token: orders })).status).to.equal(403);
  });
});
