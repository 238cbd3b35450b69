/**
 * identity-spa, the browser console: a single-page application served as static files, which
 * talks only to identity-rp (the backend-for-frontend) with the user's session cookie. It keeps no
 * data and no secret; its one key is where identity-rp is (docs/identity-spa/README.md).
 */
import type { ServiceDefinition } from '../template/service.ts';
import { checkSpaConfig, spaConfigSchema, type SpaConfig } from './config.ts';
import { CONSOLE_DIR, consoleFiles, spaRoutes } from './routes.ts';
import { spaUpConfig, spaUpCredentials } from './up.ts';

/** The service definition `cryptoutil identity-spa` runs (DESIGN table: port 8184, `up` admin port 9095). */
export const identitySpa: ServiceDefinition<SpaConfig> = {
  name: 'identity-spa',
  summary: 'Browser console: a single-page application that talks to identity-rp',
  publicPort: 8184,
  upAdminPort: 9095,
  openapi: new URL('./openapi.yaml', import.meta.url),
  configSchema: spaConfigSchema,
  entities: [],
  migrations: [],
  upConfig: spaUpConfig,
  upCredentials: spaUpCredentials,
  async setup(runtime) {
    checkSpaConfig(runtime.config);
    const { spa } = runtime.config;
    return { operations: {}, routes: spaRoutes(await consoleFiles(CONSOLE_DIR, spa), new URL(spa.rpUrl).origin) };
  },
};
