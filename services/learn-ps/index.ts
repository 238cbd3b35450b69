/**
 * learn-ps, the Pet Store: the teaching service and the starting point a platform team copies. It is
 * only a definition (document, entities, migrations, handlers); the template runs everything else.
 */
import type { ServiceDefinition } from '../template/service.ts';
import { entities } from './entities.ts';
import { migrations } from './migrations.ts';
import { customerHandlers } from './routes/customers.ts';
import { orderHandlers } from './routes/orders.ts';
import { petHandlers } from './routes/pets.ts';

/** The service definition `cryptoutil learn-ps` runs (DESIGN "Service APIs": learn-ps, port 8480). */
export const learnPs: ServiceDefinition = {
  name: 'learn-ps',
  summary: 'Pet Store: the teaching service built only from the service template',
  publicPort: 8480,
  upAdminPort: 9098,
  openapi: new URL('./openapi.yaml', import.meta.url),
  entities,
  migrations,
  setup: () => ({ operations: { ...petHandlers, ...customerHandlers, ...orderHandlers } }),
};
