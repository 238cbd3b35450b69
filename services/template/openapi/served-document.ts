/**
 * The document as `/openapi.json` serves it. A service's YAML cannot know where its issuer runs, so
 * the served copy names the configured issuer's real token endpoint, the API prefixes as servers,
 * and a plain bearer scheme beside OAuth 2 so that a person can paste a token they already hold.
 */
import type { OpenApiDocument } from './document.ts';
import { isRecord } from './refs.ts';

/** Where the configured issuer hands out tokens (from its discovery document). */
export interface IssuerEndpoints {
  readonly tokenEndpoint: string;
  readonly authorizationEndpoint: string;
}

export interface ServedDocumentOptions {
  readonly servers: readonly { readonly url: string; readonly description: string }[];
  /** The resource indicator (RFC 8707) a token for this service is requested with. */
  readonly resource: string;
  /** Undefined when no issuer is configured: the document's own flows are kept. */
  readonly endpoints?: IssuerEndpoints;
}

/** The scheme added for a pasted token; its name is what Swagger UI shows in the Authorize dialog. */
export const BEARER_SCHEME = 'bearerToken';

/**
 * Names the resource on each OAuth 2 scheme, so that Swagger UI (swagger-initializer.js) can add
 * `resource=` to its token request: the issuer only issues a JWT for a named resource.
 */
export const RESOURCE_EXTENSION = 'x-cryptoutil-resource';

type Json = Record<string, unknown>;

function oauthScopes(scheme: Readonly<Json>): Json {
  const flows = isRecord(scheme.flows) ? Object.values(scheme.flows) : [];
  return Object.assign({}, ...flows.map((flow) => (isRecord(flow) && isRecord(flow.scopes) ? flow.scopes : {}))) as Json;
}

function servedOauthScheme(scheme: Readonly<Json>, options: ServedDocumentOptions): Json {
  const { endpoints, resource } = options;
  const description = `Client credentials for the /service server: a client id and secret from the issuer; the token is requested with resource=${resource}.`;
  // Only client credentials: Swagger UI's authorization code popup needs its redirect page
  // registered with a client and an opener that survives the sign-in (docs/architecture.md).
  const flows = endpoints === undefined ? scheme.flows : { clientCredentials: { tokenUrl: endpoints.tokenEndpoint, scopes: oauthScopes(scheme) } };
  return { ...scheme, description, flows, [RESOURCE_EXTENSION]: resource };
}

function bearerScheme(options: ServedDocumentOptions): Json {
  const user = options.endpoints === undefined ? '' : ` User tokens come from authorization code + PKCE at ${options.endpoints.authorizationEndpoint}.`;
  return {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: `A JWT access token (RFC 9068) for ${options.resource}, requested with resource=${options.resource}: client-credentials tokens for the /service server, user tokens for /browser.${user}`,
  };
}

/** Every requirement naming an OAuth 2 scheme gets a pasted bearer token as its alternative. */
function withBearer(security: unknown, oauth: ReadonlySet<string>): unknown {
  if (!Array.isArray(security)) return security;
  const requirements: readonly unknown[] = security;
  const usesOauth = requirements.some((requirement) => isRecord(requirement) && Object.keys(requirement).some((name) => oauth.has(name)));
  return usesOauth ? [...requirements, { [BEARER_SCHEME]: [] }] : security;
}

/** The response every template answer of an error refers to in the served document. */
export const TEMPLATE_PROBLEM = 'TemplateProblem';

/**
 * What the template itself may answer on any operation, before or around the service's handler:
 * a bad token or missing scope, a body too large or of the wrong type, a malformed parameter or
 * body, the rate limit, and a service that is sealed, draining or without its database. The
 * served document declares them on every operation they can happen on, so that a client (and the
 * contract fuzzer, test/reliability/fuzz.test.ts) finds every status it can get in the document.
 */
function templateStatuses(operation: Readonly<Json>, documentSecurity: unknown): string[] {
  const security = operation.security ?? documentSecurity;
  const secured = Array.isArray(security) && security.length > 0;
  const hasBody = operation.requestBody !== undefined;
  const hasInput = hasBody || (Array.isArray(operation.parameters) && operation.parameters.length > 0);
  return [
    ...(hasInput ? ['400'] : []),
    ...(secured ? ['401', '403'] : []),
    ...(hasBody ? ['413', '415'] : []),
    '429',
    '503',
  ];
}

function templateProblem(): Json {
  return {
    description: 'RFC 9457 problem details from the service template: a bad request, a missing or refused token, a body too large or of another type, the rate limit, or a service that is sealed, draining or cannot reach its database',
    content: {
      'application/problem+json': {
        schema: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' }, code: { type: 'string' } },
        },
      },
    },
  };
}

const HTTP_METHODS: ReadonlySet<string> = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** A copy of `document` as served; the loaded document itself is left as it is. */
export function servedDocument(document: OpenApiDocument, options: ServedDocumentOptions): Json {
  const served = structuredClone(document) as Json;
  const components = isRecord(served.components) ? served.components : {};
  const schemes: Json = isRecord(components.securitySchemes) ? { ...components.securitySchemes } : {};
  const oauth = new Set<string>();
  for (const [name, scheme] of Object.entries(schemes)) {
    if (isRecord(scheme) && scheme.type === 'oauth2') {
      oauth.add(name);
      schemes[name] = servedOauthScheme(scheme, options);
    }
  }
  schemes[BEARER_SCHEME] = bearerScheme(options);
  const responses = isRecord(components.responses) ? components.responses : {};
  served.components = { ...components, securitySchemes: schemes, responses: { ...responses, [TEMPLATE_PROBLEM]: templateProblem() } };
  served.servers = options.servers.map((server) => ({ ...server }));
  if (served.security !== undefined) served.security = withBearer(served.security, oauth);
  const documentSecurity = document.security;
  for (const pathItem of Object.values(served.paths as Json)) {
    if (!isRecord(pathItem)) continue;
    const pathParameters: readonly unknown[] = Array.isArray(pathItem.parameters) ? pathItem.parameters : [];
    for (const [method, entry] of Object.entries(pathItem)) {
      if (!HTTP_METHODS.has(method) || !isRecord(entry)) continue;
      const operation = entry as Json;
      const declared = isRecord(operation.responses) ? operation.responses : {};
      const ownParameters: readonly unknown[] = Array.isArray(operation.parameters) ? operation.parameters : [];
      const effective = { ...operation, parameters: [...pathParameters, ...ownParameters] };
      const added = Object.fromEntries(templateStatuses(effective, documentSecurity).filter((status) => declared[status] === undefined).map((status) => [status, { $ref: `#/components/responses/${TEMPLATE_PROBLEM}` }]));
      operation.responses = { ...declared, ...added };
      if (operation.security !== undefined) {
        operation.security = withBearer(operation.security, oauth);
      }
    }
  }
  return served;
}
