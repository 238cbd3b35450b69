/**
 * The resource servers identity-authz issues tokens for (RFC 8707): one per service, named
 * `urn:cryptoutil:<service>`, whose scopes are exactly the scopes its OpenAPI operations declare.
 * Reading them from the documents keeps the authorization server and the services in step.
 */
import { loadOpenApiDocument, listOperations } from '../template/openapi/document.ts';
import { resourceOf } from '../template/runtime.ts';

/** What the catalogue needs of a service definition. */
export interface ResourceSource {
  readonly name: string;
  readonly openapi: URL;
}

/**
 * RFC 7662 §4: a client holding this scope for identity-authz (a resource server) may introspect
 * tokens issued to other clients; any other client only its own.
 */
export const INTROSPECTION_SCOPE = { resource: resourceOf('identity-authz'), scope: 'authz:introspect' } as const;

/** Scopes a resource understands that no OpenAPI operation declares: identity-authz checks them at its protocol endpoints. */
const PROTOCOL_SCOPES: ReadonlyMap<string, readonly string[]> = new Map([[INTROSPECTION_SCOPE.resource, [INTROSPECTION_SCOPE.scope]]]);

/** resource indicator → every scope the resource understands, sorted. */
export type ResourceCatalog = ReadonlyMap<string, readonly string[]>;

/** Builds the catalogue from the services' documents. */
export async function loadCatalog(sources: readonly ResourceSource[]): Promise<ResourceCatalog> {
  const entries = await Promise.all(sources.map(async (source): Promise<[string, string[]]> => {
    const operations = listOperations(await loadOpenApiDocument(source.openapi));
    const resource = resourceOf(source.name);
    const scopes = new Set([...operations.flatMap((operation) => operation.scopes), ...PROTOCOL_SCOPES.get(resource) ?? []]);
    return [resource, [...scopes].sort()];
  }));
  return new Map(entries);
}

/** Every scope of every resource: what `cryptoutil up`'s demo client is allowed. */
export function everyScope(catalog: ResourceCatalog): Record<string, string[]> {
  return Object.fromEntries([...catalog].map(([resource, scopes]) => [resource, [...scopes]]));
}
