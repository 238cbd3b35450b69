import { expect } from 'chai';
import fc from 'fast-check';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { Pet, entities } from './entities.ts';
import { migrations } from './migrations.ts';
import { PET_BY_ID, PETS_COUNT, PETS_COUNT_OF_SPECIES, PETS_PAGE, PETS_PAGE_OF_SPECIES } from './reads.ts';

function plain(pet: Pet): Record<string, unknown> {
  return { id: pet.id, name: pet.name, species: pet.species, priceCents: pet.priceCents, stock: pet.stock, createdAt: pet.createdAt, updatedAt: pet.updatedAt };
}

const SPECIES = ['dog', 'cat', 'newt'] as const;

const petInput = fc.record({
  name: fc.string({ minLength: 1, maxLength: 30 }).filter((name) => !name.includes('\u0000')),
  species: fc.constantFrom(...SPECIES),
  priceCents: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  stock: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describeOnDatabases('learn-ps prepared reads give what the ORM gives', { entities, migrations }, (db) => {
  it('a pet by id, for any pet (property)', async () => {
    await fc.assert(
      fc.asyncProperty(petInput, async (input) => {
        const em = db().fork();
        const pet = em.create(Pet, input);
        await em.flush();
        const fromOrm = await db().fork().findOneOrFail(Pet, pet.id);
        expect(await db().reads.one(PET_BY_ID, [pet.id])).to.deep.equal(plain(fromOrm));
      }),
      { numRuns: 40 },
    );
    expect(await db().reads.one(PET_BY_ID, ['00000000-0000-7000-8000-000000000000'])).to.equal(undefined);
  });

  it('any page of the list, with or without a species, and its total (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.constantFrom(...SPECIES, 'yak'), { nil: undefined }), fc.integer({ min: 1, max: 25 }), fc.integer({ min: 0, max: 6 }), async (species, size, page) => {
        const where = species === undefined ? {} : { species };
        const [items, total] = await db().fork().findAndCount(Pet, where, { orderBy: { id: 'asc' }, limit: size, offset: page * size });
        const [rows, counted] = species === undefined
          ? [await db().reads.all(PETS_PAGE, [size, page * size]), await db().reads.oneOrFail(PETS_COUNT, [])]
          : [await db().reads.all(PETS_PAGE_OF_SPECIES, [species, size, page * size]), await db().reads.oneOrFail(PETS_COUNT_OF_SPECIES, [species])];
        expect(rows).to.deep.equal(items.map(plain));
        expect(counted.total).to.equal(total);
      }),
      { numRuns: 40 },
    );
  });
});
