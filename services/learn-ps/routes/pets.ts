/**
 * Pets: one handler per operationId of `openapi.yaml`. Reads go through the prepared reads of
 * `../reads.ts`, writes through the request's entity manager; a pet that appears in an order cannot
 * be deleted (the foreign key says so, 409).
 */
import type { OperationContext, OperationHandlers } from '../../template/service.ts';
import { NotFoundError } from '../../template/errors/index.ts';
import { isForeignKeyViolation } from '../../template/database/index.ts';
import { Pet } from '../entities.ts';
import { PET_BY_ID, PETS_COUNT, PETS_COUNT_OF_SPECIES, PETS_PAGE, PETS_PAGE_OF_SPECIES } from '../reads.ts';
import { conflictsAs } from './conflicts.ts';
import { pageOf } from './page.ts';

interface PetInput {
  readonly name: string;
  readonly species: string;
  readonly priceCents: number;
  readonly stock: number;
}

/** A pet as the ORM and the prepared reads both give it. */
type PetRow = Pick<Pet, 'id' | 'name' | 'species' | 'priceCents' | 'stock' | 'createdAt' | 'updatedAt'>;

/** The API shape of a pet. */
export function presentPet(pet: PetRow): Record<string, unknown> {
  return {
    id: pet.id,
    name: pet.name,
    species: pet.species,
    priceCents: pet.priceCents,
    stock: pet.stock,
    createdAt: pet.createdAt.toISOString(),
    updatedAt: pet.updatedAt.toISOString(),
  };
}

async function findPet(ctx: OperationContext): Promise<Pet> {
  const pet = await ctx.state.em.findOne(Pet, { id: ctx.state.params.id as string });
  if (pet === null) throw new NotFoundError('no such pet');
  return pet;
}

/** Handlers for `/pets` and `/pets/{id}`. */
export const petHandlers: OperationHandlers = {
  async createPet(ctx) {
    const pet = ctx.state.em.create(Pet, ctx.state.body as PetInput);
    await ctx.state.em.flush();
    ctx.status = 201;
    ctx.body = presentPet(pet);
  },
  async listPets(ctx) {
    const { page, size, limit, offset } = pageOf(ctx);
    const species = ctx.state.query.species as string | undefined;
    const { reads } = ctx.state;
    const [items, counted] = species === undefined
      ? await Promise.all([reads.all(PETS_PAGE, [limit, offset]), reads.oneOrFail(PETS_COUNT, [])])
      : await Promise.all([reads.all(PETS_PAGE_OF_SPECIES, [species, limit, offset]), reads.oneOrFail(PETS_COUNT_OF_SPECIES, [species])]);
    ctx.body = { items: items.map(presentPet), page, size, total: counted.total };
  },
  async getPet(ctx) {
    const pet = await ctx.state.reads.one(PET_BY_ID, [ctx.state.params.id as string]);
    if (pet === undefined) throw new NotFoundError('no such pet');
    ctx.body = presentPet(pet);
  },
  async updatePet(ctx) {
    const pet = await findPet(ctx);
    ctx.state.em.assign(pet, ctx.state.body as PetInput);
    await ctx.state.em.flush();
    ctx.body = presentPet(pet);
  },
  async deletePet(ctx) {
    const removed = await conflictsAs(ctx.state.em.nativeDelete(Pet, { id: ctx.state.params.id as string }), [
      [isForeignKeyViolation, 'the pet appears in an order'],
    ]);
    if (removed === 0) throw new NotFoundError('no such pet');
    ctx.status = 204;
  },
};
