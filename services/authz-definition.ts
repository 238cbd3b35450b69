/**
 * identity-authz as this build runs it. Its catalogue of resources needs only each resource
 * server's name and OpenAPI document, not its code, so a standalone identity-authz loads none of
 * the other services' modules (their libraries would double its start-up time and memory).
 */
import { identityAuthz } from './identity-authz/index.ts';
import type { ResourceSource } from './identity-authz/resources.ts';

/** The services identity-authz issues tokens for (besides itself), each by name and document. */
export const resourceServers: readonly ResourceSource[] = ['sm-kms', 'identity-idp', 'identity-rs', 'jose-ja', 'pki-ca', 'learn-ps']
  .map((name) => ({ name, openapi: new URL(`./${name}/openapi.yaml`, import.meta.url) }));

export const authz = identityAuthz(() => resourceServers);
