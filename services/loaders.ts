/**
 * Loads only the service a command names: a pod runs one service, and the others' libraries would
 * double its memory (each service's module graph is about half of all of them together).
 * identity-authz reads the other services' OpenAPI documents, not their code
 * (`authz-definition.ts`); `up` and anything else get the whole registry.
 */
import type { ServiceDefinition } from './template/service.ts';

const SINGLE: Readonly<Record<string, () => Promise<ServiceDefinition>>> = {
  'sm-kms': async () => (await import('./sm-kms/index.ts')).smKms,
  'identity-authz': async () => (await import('./authz-definition.ts')).authz,
  'identity-idp': async () => (await import('./identity-idp/index.ts')).identityIdp,
  'identity-rs': async () => (await import('./identity-rs/index.ts')).identityRs,
  'identity-rp': async () => (await import('./identity-rp/index.ts')).identityRp,
  'identity-spa': async () => (await import('./identity-spa/index.ts')).identitySpa,
  'jose-ja': async () => (await import('./jose-ja/index.ts')).joseJa,
  'pki-ca': async () => (await import('./pki-ca/index.ts')).pkiCa,
  'learn-ps': async () => (await import('./learn-ps/index.ts')).learnPs,
};

/** The services a command line needs: its own service alone when it names one that stands alone, or all. */
export async function servicesFor(command: string | undefined): Promise<readonly ServiceDefinition[]> {
  if (command === 'operator') {
    return [];
  }
  const load = command === undefined || !Object.hasOwn(SINGLE, command) ? undefined : SINGLE[command];
  return load === undefined ? (await import('./registry.ts')).services : [await load()];
}
