import { expect } from 'chai';
import { CheckConstraintViolationException } from '@mikro-orm/core';
import { isForeignKeyViolation, isUniqueViolation } from '../template/database/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { Customer, entities, Order, Pet } from './entities.ts';
import { migrations } from './migrations.ts';

describeOnDatabases('learn-ps schema', { entities, migrations }, (db) => {
  it('stores money as integer cents and keeps UUIDv7 ids and timestamps', async () => {
    const em = db().fork();
    const pet = em.create(Pet, { name: 'Rex', species: 'dog', priceCents: 2_147_483_000, stock: 0 });
    await em.flush();
    const stored = await db().fork().findOneOrFail(Pet, { id: pet.id });
    expect(stored.priceCents).to.equal(2_147_483_000);
    expect(stored.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(stored.createdAt).to.be.instanceOf(Date);
  });

  it('refuses a second customer with the same email (a unique violation)', async () => {
    const em = db().fork();
    em.create(Customer, { name: 'a', email: 'same@example.com' });
    await em.flush();
    const again = db().fork();
    again.create(Customer, { name: 'b', email: 'same@example.com' });
    const error = await again.flush().then(() => undefined, (failure: unknown) => failure);
    expect(isUniqueViolation(error)).to.equal(true);
  });

  it('refuses negative stock and orders of unknown customers', async () => {
    const em = db().fork();
    const pet = em.create(Pet, { name: 'n', species: 's', priceCents: 1, stock: 0 });
    await em.flush();
    const negative = await db().fork().nativeUpdate(Pet, { id: pet.id }, { stock: -1 }).then(() => undefined, (failure: unknown) => failure);
    // SQLSTATE 23514 on PostgreSQL, "CHECK constraint failed" on SQLite.
    expect(negative).to.be.instanceOf(CheckConstraintViolationException);
    const orphan = db().fork();
    orphan.create(Order, { customer: orphan.getReference(Customer, '01900000-0000-7000-8000-0000000000cc'), status: 'placed', totalCents: 0 });
    const error = await orphan.flush().then(() => undefined, (failure: unknown) => failure);
    expect(isForeignKeyViolation(error)).to.equal(true);
  });
});
