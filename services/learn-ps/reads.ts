/**
 * The Pet Store's hot reads as prepared statements (docs/decisions/0004-prepared-reads.md): a pet
 * by id and the pages of the pet list. Writes, orders and everything else go through the ORM.
 */
import { defineRead } from '../template/database/index.ts';

const PET_COLUMNS = {
  id: 'string',
  name: 'string',
  species: 'string',
  priceCents: 'integer',
  stock: 'integer',
  createdAt: 'date',
  updatedAt: 'date',
} as const;

const SELECT_PET = 'select id, name, species, price_cents as "priceCents", stock, created_at as "createdAt", updated_at as "updatedAt" from pets';

export const PET_BY_ID = defineRead(`${SELECT_PET} where id = ?`, PET_COLUMNS);

/** Pages of the list, ordered by id as the ORM's `findAndCount` orders them; limit then offset. */
export const PETS_PAGE = defineRead(`${SELECT_PET} order by id limit ? offset ?`, PET_COLUMNS);
export const PETS_PAGE_OF_SPECIES = defineRead(`${SELECT_PET} where species = ? order by id limit ? offset ?`, PET_COLUMNS);

export const PETS_COUNT = defineRead('select count(*) as total from pets', { total: 'integer' });
export const PETS_COUNT_OF_SPECIES = defineRead('select count(*) as total from pets where species = ?', { total: 'integer' });
