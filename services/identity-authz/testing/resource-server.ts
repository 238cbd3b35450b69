/**
 * learn-ps as a resource server of a running identity-authz: it takes identity-authz's tokens
 * (`auth.issuer`) and trusts its certificate, so that tests call it with real tokens.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { learnPs } from '../../learn-ps/index.ts';
import { startTestService, type ServiceHarness } from '../../template/testing/service-harness.ts';
import type { AuthzHarness } from './harness.ts';

export function startResourceServer(authz: AuthzHarness): Promise<ServiceHarness> {
  return startTestService((_issuer, dataDir) => {
    const caFile = join(dataDir, 'authz-ca.pem');
    writeFileSync(caFile, authz.service.ca);
    return { auth: { issuer: authz.issuer }, tls: { caFile } };
  }, undefined, learnPs);
}
