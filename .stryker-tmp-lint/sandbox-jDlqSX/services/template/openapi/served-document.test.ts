// @ts-nocheck
import { expect } from 'chai';
import type { OpenApiDocument } from './document.ts';
import { BEARER_SCHEME, RESOURCE_EXTENSION, servedDocument, type ServedDocumentOptions } from './served-document.ts';

const RESOURCE = 'urn:cryptoutil:learn-ps';
const ENDPOINTS = { tokenEndpoint: 'https://127.0.0.1:8180/token', authorizationEndpoint: 'https://127.0.0.1:8180/auth' };
const SERVERS = [{ url: '/service/api/v1', description: 'client credentials' }];

function document(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: { title: 'Pets', version: '1' },
    security: [{ oauth2: ['pets:read'] }],
    components: {
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          flows: {
            clientCredentials: { tokenUrl: 'https://issuer.invalid/token', scopes: { 'pets:read': 'read pets' } },
            authorizationCode: { authorizationUrl: 'https://issuer.invalid/auth', tokenUrl: 'https://issuer.invalid/token', scopes: { 'pets:write': 'change pets' } },
          },
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Key' },
      },
    },
    paths: {
      '/pets': {
        parameters: [],
        get: { operationId: 'listPets' },
        post: { operationId: 'createPet', security: [{ oauth2: ['pets:write'] }] },
      },
      '/health': { get: { operationId: 'health', security: [] } },
      '/keyed': { get: { operationId: 'keyed', security: [{ apiKey: [] }] } },
    },
  };
}

type Json = Record<string, unknown>;
const at = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((node, key) => (node as Json | undefined)?.[key], value);

function serve(options: Partial<ServedDocumentOptions> = {}, source: OpenApiDocument = document()): Json {
  return servedDocument(source, { servers: SERVERS, resource: RESOURCE, endpoints: ENDPOINTS, ...options });
}

describe('the served OpenAPI document (Swagger UI can authorize)', () => {
  it('names the issuer\'s real token endpoint in one client-credentials flow carrying every scope', () => {
    const scheme = at(serve(), 'components', 'securitySchemes', 'oauth2');
    expect(at(scheme, 'flows')).to.deep.equal({
      clientCredentials: { tokenUrl: ENDPOINTS.tokenEndpoint, scopes: { 'pets:read': 'read pets', 'pets:write': 'change pets' } },
    });
    expect(at(scheme, RESOURCE_EXTENSION)).to.equal(RESOURCE);
    expect(at(scheme, 'description')).to.include(`resource=${RESOURCE}`);
  });

  it('adds a bearer scheme for a pasted JWT that says how to request one and where users sign in', () => {
    const bearer = at(serve(), 'components', 'securitySchemes', BEARER_SCHEME);
    expect(bearer).to.include({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(at(bearer, 'description')).to.include(`resource=${RESOURCE}`).and.to.include(ENDPOINTS.authorizationEndpoint);
    expect(at(serve({ endpoints: undefined }), 'components', 'securitySchemes', BEARER_SCHEME, 'description')).not.to.include('authorization code + PKCE at');
  });

  it('offers the bearer token as an alternative wherever OAuth 2 is required, and nowhere else', () => {
    const served = serve();
    expect(served.security).to.deep.equal([{ oauth2: ['pets:read'] }, { [BEARER_SCHEME]: [] }]);
    expect(at(served, 'paths', '/pets', 'post', 'security')).to.deep.equal([{ oauth2: ['pets:write'] }, { [BEARER_SCHEME]: [] }]);
    expect(at(served, 'paths', '/pets', 'get', 'security')).to.equal(undefined);
    expect(at(served, 'paths', '/health', 'get', 'security')).to.deep.equal([]);
    expect(at(served, 'paths', '/keyed', 'get', 'security')).to.deep.equal([{ apiKey: [] }]);
    expect(at(served, 'components', 'securitySchemes', 'apiKey')).to.deep.equal({ type: 'apiKey', in: 'header', name: 'X-Key' });
  });

  it('lists the given servers and leaves the loaded document untouched', () => {
    const source = document();
    const before = structuredClone(source);
    expect(serve({}, source).servers).to.deep.equal(SERVERS);
    expect(source).to.deep.equal(before);
  });

  it('keeps the document\'s own flows when no issuer is configured', () => {
    const flows = at(serve({ endpoints: undefined }), 'components', 'securitySchemes', 'oauth2', 'flows');
    expect(flows).to.deep.equal(at(document(), 'components', 'securitySchemes', 'oauth2', 'flows'));
  });

  it('serves a document without components, security or flows', () => {
    const bare: OpenApiDocument = {
      openapi: '3.1.0',
      info: { title: 'Bare', version: '1' },
      paths: { '/x': { get: { operationId: 'x', security: 'not a list' } }, '/y': 'not an item' },
      components: { securitySchemes: { odd: { type: 'oauth2' }, weird: { type: 'oauth2', flows: { one: 'not a flow' } } } },
    };
    const served = serve({}, bare);
    expect(at(served, 'components', 'securitySchemes', 'odd', 'flows')).to.deep.equal({ clientCredentials: { tokenUrl: ENDPOINTS.tokenEndpoint, scopes: {} } });
    expect(at(served, 'components', 'securitySchemes', 'weird', 'flows', 'clientCredentials', 'scopes')).to.deep.equal({});
    expect(at(served, 'paths', '/x', 'get', 'security')).to.equal('not a list');
    expect(served.security).to.equal(undefined);
    const noComponents = serve({}, { openapi: '3.1.0', info: {}, paths: {} });
    expect(Object.keys(at(noComponents, 'components', 'securitySchemes') as Json)).to.deep.equal([BEARER_SCHEME]);
  });
});
