// @ts-nocheck
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { ProblemError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { loadOpenApiDocument } from './document.ts';
import { openApiRoutes, type DocsOptions } from './docs-routes.ts';

const RESOURCE = 'urn:cryptoutil:widgets';

async function docsApp(options: Omit<DocsOptions, 'resource'> = {}): Promise<Koa<RequestState>> {
  const document = await loadOpenApiDocument(new URL('./fixtures/widgets.yaml', import.meta.url));
  const app = new Koa<RequestState>();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof ProblemError)) {
        throw error;
      }
      ctx.status = error.status;
      ctx.set(error.headers);
    }
  });
  app.use(openApiRoutes(document, { resource: RESOURCE, ...options }));
  app.use((ctx) => {
    ctx.body = 'next';
  });
  return app;
}

describe('OpenAPI document and Swagger UI routes', () => {
  it('serves the document as JSON with both API prefixes as servers', async () => {
    const response = await request((await docsApp()).callback()).get('/openapi.json').expect(200);
    expect(response.headers['content-type']).to.equal('application/json; charset=utf-8');
    const body = response.body as { openapi: string; servers: { url: string }[]; paths: Record<string, unknown> };
    expect(body.openapi).to.equal('3.1.0');
    expect(body.servers.map((server) => server.url)).to.deep.equal(['/service/api/v1', '/browser/api/v1']);
    expect(body.paths).to.have.property('/widgets/{id}');
  });

  it('lists custom prefixes as servers', async () => {
    const response = await request((await docsApp({ prefixes: { service: '/s', browser: '/b' } })).callback()).get('/openapi.json').expect(200);
    expect((response.body as { servers: { url: string }[] }).servers.map((server) => server.url)).to.deep.equal(['/s', '/b']);
  });

  describe('the issuer named for Swagger UI', () => {
    interface Served {
      components: { securitySchemes: Record<string, { flows?: Record<string, { tokenUrl: string }>; 'x-cryptoutil-resource'?: string; scheme?: string }> };
      security: unknown[];
    }
    const endpoints = (base: string) => ({ tokenEndpoint: `${base}/token`, authorizationEndpoint: `${base}/auth` });

    it('names the issuer\'s token endpoint, asked again at each request, and renders again when it changes', async () => {
      const answers = [endpoints('https://authz.example'), endpoints('https://authz.example'), endpoints('https://moved.example')];
      let asked = 0;
      const app = await docsApp({ endpoints: () => Promise.resolve(answers[asked++]) });
      const documents: Served[] = [];
      for (let index = 0; index < 3; index += 1) {
        documents.push((await request(app.callback()).get('/openapi.json').expect(200)).body as Served);
      }
      expect(asked).to.equal(3);
      expect(documents.map((document) => document.components.securitySchemes.oauth?.flows?.clientCredentials?.tokenUrl)).to.deep.equal([
        'https://authz.example/token', 'https://authz.example/token', 'https://moved.example/token',
      ]);
      expect(documents[0]?.components.securitySchemes.oauth?.['x-cryptoutil-resource']).to.equal(RESOURCE);
      expect(documents[0]?.components.securitySchemes.bearerToken?.scheme).to.equal('bearer');
      expect(documents[0]?.security).to.deep.equal([{ oauth: ['widgets:read'] }, { bearerToken: [] }]);
    });

    it('keeps the document\'s own flows when there is no issuer', async () => {
      const app = await docsApp({ endpoints: () => Promise.resolve(undefined) });
      const served = (await request(app.callback()).get('/openapi.json').expect(200)).body as Served;
      expect(served.components.securitySchemes.oauth?.flows?.clientCredentials?.tokenUrl).to.equal('https://issuer.example/token');
    });
  });

  it('redirects /ui/swagger to /ui/swagger/', async () => {
    const response = await request((await docsApp()).callback()).get('/ui/swagger').expect(301);
    expect(response.headers.location).to.equal('/ui/swagger/');
  });

  const files: [string, string][] = [
    ['/ui/swagger/', 'text/html; charset=utf-8'],
    ['/ui/swagger/index.css', 'text/css; charset=utf-8'],
    ['/ui/swagger/swagger-ui.css', 'text/css; charset=utf-8'],
    ['/ui/swagger/swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
    ['/ui/swagger/swagger-ui-standalone-preset.js', 'text/javascript; charset=utf-8'],
    ['/ui/swagger/swagger-initializer.js', 'text/javascript; charset=utf-8'],
    ['/ui/swagger/favicon-32x32.png', 'image/png'],
    ['/ui/swagger/favicon-16x16.png', 'image/png'],
  ];
  for (const [path, type] of files) {
    it(`serves ${path} as ${type}`, async () => {
      const app = await docsApp();
      const response = await request(app.callback()).get(path).buffer(true).expect(200);
      expect(response.headers['content-type']).to.equal(type);
      expect(Number(response.headers['content-length'])).to.be.greaterThan(0);
      await request(app.callback()).get(path).expect(200); // second read comes from memory
    });
  }

  it('loads every script from a file and points the initializer at /openapi.json', async () => {
    const app = await docsApp();
    const html = (await request(app.callback()).get('/ui/swagger/').expect(200)).text;
    const scripts = [...html.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
    expect(scripts.map((script) => /src="\.\/([^"]+)"/.exec(script[1] ?? '')?.[1])).to.deep.equal([
      'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'swagger-initializer.js',
    ]);
    expect(scripts.every((script) => (script[2] ?? '').trim() === '')).to.equal(true);
    const initializer = await request(app.callback()).get('/ui/swagger/swagger-initializer.js').buffer(true).parse((response, done) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
      response.on('end', () => { done(null, text); });
    });
    expect(initializer.body).to.include("url: '/openapi.json'");
    // The token request names the resource (the issuer issues a JWT only for a named one).
    expect(initializer.body).to.include("'x-cryptoutil-resource'").and.to.include('requestInterceptor: withResource');
  });

  it('answers HEAD, refuses other methods with 405 and lets other paths through', async () => {
    const app = await docsApp();
    await request(app.callback()).head('/openapi.json').expect(200);
    const refused = await request(app.callback()).post('/openapi.json').expect(405);
    expect(refused.headers.allow).to.equal('GET, HEAD');
    expect((await request(app.callback()).get('/ui/swagger/other.js').expect(200)).text).to.equal('next');
  });
});
