/**
 * identity-rs, the reference resource server: a small API protected by identity-authz's tokens,
 * each operation needing a scope (`rs:read`, `rs:write`), Bearer and DPoP tokens alike. It is only
 * a definition; the template checks the tokens, so the handlers read a proven caller.
 */
import type { ServiceDefinition } from '../template/service.ts';
import { entities } from './entities.ts';
import { migrations } from './migrations.ts';
import { documentHandlers } from './routes/documents.ts';
import { principalHandlers } from './routes/principal.ts';

/** The service definition `cryptoutil identity-rs` runs (DESIGN table: port 8182, `up` admin port 9093). */
export const identityRs: ServiceDefinition = {
  name: 'identity-rs',
  summary: 'Reference resource server: a protected API checked by scope (rs:read, rs:write), Bearer and DPoP tokens',
  publicPort: 8182,
  upAdminPort: 9093,
  openapi: new URL('./openapi.yaml', import.meta.url),
  entities,
  migrations,
  setup: () => ({ operations: { ...principalHandlers, ...documentHandlers } }),
};
