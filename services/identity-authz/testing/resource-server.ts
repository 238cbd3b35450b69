/**
 * learn-ps as a resource server of a running identity-authz: it takes identity-authz's tokens
 * (`auth.issuer`) and trusts its certificate, so that tests call it with real tokens.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { learnPs } from '../../learn-ps/index.ts';
import { mergeDeep, startTestService, type ServiceHarness } from '../../template/testing/service-harness.ts';
import type { AuthzHarness } from './harness.ts';

/** `extra` is merged into the configuration (e.g. `auth.publicUrl`). */
export function startResourceServer(authz: AuthzHarness, extra: Readonly<Record<string, unknown>> = {}): Promise<ServiceHarness> {
  return startTestService((_issuer, dataDir) => {
    const caFile = join(dataDir, 'authz-ca.pem');
    writeFileSync(caFile, authz.service.ca);
    return mergeDeep({ auth: { issuer: authz.issuer }, tls: { caFile } }, extra);
  }, undefined, learnPs);
}
