// @ts-nocheck
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listOperations, loadOpenApiDocument, parseOpenApiDocument, type OperationSpec } from './document.ts';

const FIXTURE = new URL('./fixtures/widgets.yaml', import.meta.url);

const TOKEN_SCHEMES = {
  securitySchemes: {
    oauth: { type: 'oauth2', flows: {} },
    bearer: { type: 'http', scheme: 'Bearer' },
    oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://issuer.example/.well-known/openid-configuration' },
    apiKey: { type: 'apiKey', name: 'X-Key', in: 'header' },
    basic: { type: 'http', scheme: 'basic' },
    linked: { $ref: '#/components/securitySchemes/bearer' },
  },
};

/** A one-document world: `paths` plus optional top-level fields, parsed as the loader would. */
function parseDoc(paths: unknown, extra: Record<string, unknown> = {}): ReturnType<typeof parseOpenApiDocument> {
  const document = { openapi: '3.1.0', info: { title: 't', version: '1' }, security: [{ oauth: [] }], components: TOKEN_SCHEMES, paths, ...extra };
  return parseOpenApiDocument(JSON.stringify(document), 'test.yaml');
}

function only(paths: unknown, extra: Record<string, unknown> = {}): OperationSpec {
  const [operation] = listOperations(parseDoc(paths, extra));
  if (operation === undefined) {
    throw new Error('no operation');
  }
  return operation;
}

const get = (operation: Record<string, unknown>): unknown => ({ '/things': { get: { operationId: 'op', ...operation } } });

describe('OpenAPI document loading (OpenAPI 3.1)', () => {
  it('loads the YAML file and lists every operation, path by path', async () => {
    const document = await loadOpenApiDocument(FIXTURE);
    const operations = listOperations(document);
    expect(operations.map((operation) => `${operation.method} ${operation.path} ${operation.operationId}`)).to.deep.equal([
      'GET /widgets listWidgets',
      'POST /widgets createWidget',
      'GET /widgets/featured getFeaturedWidget',
      'GET /widgets/{id} getWidget',
      'DELETE /widgets/{id} deleteWidget',
      'PUT /widgets/{id}/blob putWidgetBlob',
      'POST /widgets/{id}/notes addWidgetNote',
      'GET /status getStatus',
    ]);
  });

  it('gives the Koa path beside the OpenAPI path', async () => {
    const operations = listOperations(await loadOpenApiDocument(FIXTURE));
    expect(operations.find((operation) => operation.operationId === 'putWidgetBlob')?.koaPath).to.equal('/widgets/:id/blob');
  });

  it('takes scopes from the operation, else from the document default; security: [] is public', async () => {
    const operations = new Map(listOperations(await loadOpenApiDocument(FIXTURE)).map((operation) => [operation.operationId, operation]));
    expect(operations.get('listWidgets')).to.include({ public: false }).and.to.have.deep.property('scopes', ['widgets:read']);
    expect(operations.get('deleteWidget')?.scopes).to.deep.equal(['widgets:write', 'widgets:read']);
    expect(operations.get('getStatus')).to.include({ public: true }).and.to.have.deep.property('scopes', []);
  });

  it('resolves $ref parameters declared on the path item', async () => {
    const operations = listOperations(await loadOpenApiDocument(FIXTURE));
    const getWidget = operations.find((operation) => operation.operationId === 'getWidget');
    expect(getWidget?.parameters).to.deep.equal([
      { name: 'id', in: 'path', required: true, explode: false, schema: { type: 'string', format: 'uuid' } },
    ]);
  });

  it('lists request body media types with bundled schemas (recursive components under $defs)', async () => {
    const operations = listOperations(await loadOpenApiDocument(FIXTURE));
    const create = operations.find((operation) => operation.operationId === 'createWidget');
    expect(create?.requestBody?.required).to.equal(true);
    const [json] = create?.requestBody?.content ?? [];
    expect(json?.mediaType).to.equal('application/json');
    expect(json?.schema).to.have.property('$ref', '#/$defs/components~1schemas~1NewWidget');
    expect(json?.schema).to.have.nested.property('$defs.components/schemas/Part.properties.parts.items.$ref', '#/$defs/components~1schemas~1Part');
    const blob = operations.find((operation) => operation.operationId === 'putWidgetBlob');
    expect(blob?.requestBody?.content).to.deep.equal([{ mediaType: 'application/octet-stream' }, { mediaType: 'application/jose' }]);
  });

  it('lets an operation parameter override the path-level one with the same name and location', () => {
    const operation = only({
      '/things': {
        parameters: [{ name: 'size', in: 'query', schema: { type: 'integer' } }, { name: 'X-A', in: 'header', schema: { type: 'string' } }],
        get: {
          operationId: 'op',
          parameters: [{ name: 'size', in: 'query', required: true, schema: { type: 'string' } }, { name: 'x-a', in: 'header', explode: true, schema: { type: 'integer' } }],
        },
      },
    });
    expect(operation.parameters).to.deep.equal([
      { name: 'size', in: 'query', required: true, explode: true, schema: { type: 'string' } },
      { name: 'x-a', in: 'header', required: false, explode: true, schema: { type: 'integer' } },
    ]);
  });

  it('takes a parameter default from the schema, beside or behind a $ref', () => {
    const operation = only(get({
      parameters: [
        { name: 'a', in: 'query', schema: { $ref: '#/components/schemas/Size', default: 7 } },
        { name: 'b', in: 'query', schema: { $ref: '#/components/schemas/Size' } },
        { name: 'c', in: 'query', schema: true },
      ],
    }), { components: { ...TOKEN_SCHEMES, schemas: { Size: { type: 'integer', default: 20 } } } });
    expect(operation.parameters.map((parameter) => parameter.default)).to.deep.equal([7, 20, undefined]);
  });

  it('escapes path-to-regexp syntax and quotes parameter names that are not identifiers', () => {
    const operation = only({
      '/keys/{key-id}:rotate(now)': { post: { operationId: 'rotate', parameters: [{ name: 'key-id', in: 'path', required: true, schema: { type: 'string' } }] } },
    });
    expect(operation.koaPath).to.equal('/keys/:"key-id"\\:rotate\\(now\\)');
  });

  it('accepts http bearer, openIdConnect and $ref security schemes', () => {
    expect(only(get({ security: [{ bearer: ['a'] }] })).scopes).to.deep.equal(['a']);
    expect(only(get({ security: [{ oidc: [] }] })).public).to.equal(false);
    expect(only(get({ security: [{ linked: ['b'] }] })).scopes).to.deep.equal(['b']);
    expect(only(get({ security: [{}] })).public).to.equal(true);
  });

  const rejected: [string, () => unknown, RegExp][] = [
    ['an OpenAPI 3.0 document', () => parseOpenApiDocument('openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}', 'old.yaml'), /old\.yaml is not an OpenAPI 3\.1\.x document/],
    ['a document that is not an object', () => parseOpenApiDocument('- 1', 'list.yaml'), /not an OpenAPI 3\.1\.x document/],
    ['a document without paths', () => parseOpenApiDocument('openapi: 3.1.0\ninfo: {title: t, version: "1"}', 'x.yaml'), /x\.yaml: paths must be an object/],
    ['an operation without operationId', () => parseDoc(get({ operationId: undefined })), /test\.yaml: GET \/things has no operationId/],
    ['a duplicate operationId', () => parseDoc({ '/a': { get: { operationId: 'same' } }, '/b': { post: { operationId: 'same' } } }), /operationId "same" is used more than once/],
    ['a path not starting with /', () => parseDoc({ things: {} }), /path "things" must start with \//],
    ['an operation that is not an object', () => parseDoc({ '/a': { get: 'nope' } }), /GET \/a must be an object/],
    ['a non-local $ref', () => parseDoc(get({ parameters: [{ $ref: 'other.yaml#/p' }] })), /only local references/],
    ['a $ref to nothing', () => parseDoc(get({ parameters: [{ $ref: '#/components/parameters/none' }] })), /points at nothing/],
    ['a $ref cycle', () => parseDoc(get({ parameters: [{ $ref: '#/x' }] }), { x: { $ref: '#/x' } }), /refers to itself/],
    ['parameters that are not a list', () => parseDoc(get({ parameters: {} })), /parameters must be a list/],
    ['a parameter without a name', () => parseDoc(get({ parameters: [{ in: 'query', schema: {} }] })), /a parameter has no name/],
    ['a cookie parameter', () => parseDoc(get({ parameters: [{ name: 's', in: 'cookie', schema: {} }] })), /"in: cookie" is not supported/],
    ['a deepObject query parameter', () => parseDoc(get({ parameters: [{ name: 'f', in: 'query', style: 'deepObject', schema: {} }] })), /only style "form"/],
    ['a parameter without schema', () => parseDoc(get({ parameters: [{ name: 'f', in: 'query', content: {} }] })), /"content" is not supported/],
    ['an optional path parameter', () => parseDoc({ '/a/{id}': { get: { operationId: 'op', parameters: [{ name: 'id', in: 'path', schema: {} }] } } }), /path parameters must be required/],
    ['a template without its parameter', () => parseDoc({ '/a/{id}': { get: { operationId: 'op' } } }), /path parameters \[\] do not match the template/],
    ['a schema that is not a schema', () => parseDoc(get({ parameters: [{ name: 'f', in: 'query', schema: 3 }] })), /a schema must be an object or a boolean/],
    ['a schema $ref to a non-schema', () => parseDoc(get({ parameters: [{ name: 'f', in: 'query', schema: { $ref: '#/openapi' } }] })), /does not point at a schema/],
    ['a request body without content', () => parseDoc(get({ requestBody: {} })), /requestBody\.content must be an object/],
    ['a request body with no media type', () => parseDoc(get({ requestBody: { content: {} } })), /names no media type/],
    ['a media type that is not an object', () => parseDoc(get({ requestBody: { content: { 'text/plain': 1 } } })), /content\["text\/plain"\] must be an object/],
    ['no security anywhere', () => parseDoc(get({}), { security: undefined }), /declares no security; write "security: \[\]"/],
    ['security that is not a list', () => parseDoc(get({ security: {} })), /security must be a list/],
    ['alternative requirements', () => parseDoc(get({ security: [{ oauth: [] }, { bearer: [] }] })), /only one bearer-token security requirement/],
    ['a requirement needing two schemes', () => parseDoc(get({ security: [{ oauth: [], bearer: [] }] })), /only one bearer-token security requirement/],
    ['an api key scheme', () => parseDoc(get({ security: [{ apiKey: [] }] })), /"apiKey" is not an oauth2, openIdConnect or http bearer scheme/],
    ['http basic', () => parseDoc(get({ security: [{ basic: [] }] })), /"basic" is not an oauth2/],
    ['an undeclared scheme', () => parseDoc(get({ security: [{ nobody: [] }] })), /"nobody" is not an oauth2/],
    ['a document without schemes', () => parseDoc(get({}), { components: undefined }), /"oauth" is not an oauth2/],
    ['scopes that are not strings', () => parseDoc(get({ security: [{ oauth: [1] }] })), /scopes of "oauth" must be a list of strings/],
  ];
  for (const [what, load, message] of rejected) {
    it(`refuses ${what} at load`, () => {
      expect(load).to.throw(Error, message);
    });
  }

  it('names the file when loading fails', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'openapi-'));
    const file = join(directory, 'broken.yaml');
    await writeFile(file, 'openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    get: {}\n');
    try {
      const error: unknown = await loadOpenApiDocument(pathToFileURL(file)).catch((failure: unknown) => failure);
      expect(error).to.be.instanceOf(Error).with.property('message', `${file}: GET /a has no operationId`);
    } finally {
      await rm(directory, { recursive: true });
    }
  });
});
