import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { ProblemError, UnauthorizedError } from '../errors/index.ts';
import type { OperationContext, OperationHandler, OperationHandlers, Principal, RequestState, TokenKind } from '../service.ts';
import { listOperations, loadOpenApiDocument, type OpenApiDocument } from './document.ts';
import { operationRouter, type Authenticate, type OperationRouterOptions } from './router.ts';
import { compileRequestValidator } from './validate.ts';

const FIXTURE = new URL('./fixtures/widgets.yaml', import.meta.url);
const WIDGET = '0190a6f0-7c1e-7d4a-9a51-2f7f6f0d9b11';

interface AuthCall {
  readonly authorization: string | undefined;
  readonly kind: TokenKind;
  readonly scopes: readonly string[];
}

/** Stands in for the real problem-details middleware: ProblemError → status, headers, JSON. */
const problems: Koa.Middleware<RequestState> = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (!(error instanceof ProblemError)) {
      throw error;
    }
    ctx.status = error.status;
    ctx.set(error.headers);
    ctx.body = { code: error.code, detail: error.message, errors: error.errors };
  }
};

/** Stands in for the body-limit middleware: JSON parsed, other types as bytes, no body undefined. */
const bodies: Koa.Middleware<RequestState> = async (ctx, next) => {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) {
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  ctx.state.body = raw.length === 0 ? undefined : ctx.get('content-type').includes('json') ? JSON.parse(raw.toString('utf8')) as unknown : raw;
  await next();
};

function echo(ctx: OperationContext): void {
  const { body } = ctx.state;
  ctx.body = {
    operation: ctx.state.requestId,
    params: ctx.state.params,
    query: ctx.state.query,
    body: Buffer.isBuffer(body) ? { bytes: body.length } : body,
    principal: ctx.state.principal === undefined ? null : ctx.state.principal.kind,
  };
}

function handlersFor(document: OpenApiDocument): OperationHandlers {
  return Object.fromEntries(listOperations(document).map(({ operationId }) => [operationId, (ctx: OperationContext) => {
    ctx.state.requestId = operationId;
    echo(ctx);
  }]));
}

interface TestApp {
  readonly app: Koa<RequestState>;
  readonly calls: AuthCall[];
}

let document: OpenApiDocument;

function build(overrides: Partial<OperationRouterOptions> = {}): TestApp {
  const calls: AuthCall[] = [];
  const authenticate: Authenticate = (authorization, kind, scopes) => {
    calls.push({ authorization, kind, scopes });
    if (authorization === undefined) {
      return Promise.reject(new UnauthorizedError('a bearer access token is required'));
    }
    const principal: Principal = { subject: 'caller', clientId: 'caller', kind, scopes: new Set(scopes), expiresAt: 0 };
    return Promise.resolve(principal);
  };
  const app = new Koa<RequestState>();
  app.use(problems);
  app.use(bodies);
  app.use(operationRouter({ document, handlers: handlersFor(document), authenticate, ...overrides }));
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { fellThrough: true };
  });
  return { app, calls };
}

const TOKEN = 'Bearer test-token';

describe('OpenAPI operation router', () => {
  before(async () => {
    document = await loadOpenApiDocument(FIXTURE);
  });

  describe('routes and tokens', () => {
    it('serves an operation under /service/api/v1 with a service-kind token check and its scopes', async () => {
      const { app, calls } = build();
      const response = await request(app.callback()).get('/service/api/v1/widgets').set('Authorization', TOKEN).expect(200);
      expect(response.body).to.include({ operation: 'listWidgets', principal: 'service' });
      expect(calls).to.deep.equal([{ authorization: TOKEN, kind: 'service', scopes: ['widgets:read'] }]);
    });

    it('serves the same operation under /browser/api/v1 with a browser-kind token check', async () => {
      const { app, calls } = build();
      await request(app.callback()).delete(`/browser/api/v1/widgets/${WIDGET}`).set('Authorization', TOKEN).expect(200);
      expect(calls).to.deep.equal([{ authorization: TOKEN, kind: 'browser', scopes: ['widgets:write', 'widgets:read'] }]);
    });

    it('authenticates before it validates: no token answers 401 even for an invalid request', async () => {
      const { app, calls } = build();
      const response = await request(app.callback()).get('/service/api/v1/widgets?size=0').expect(401);
      expect(response.body).to.include({ code: 'unauthorized' });
      expect(calls).to.deep.equal([{ authorization: undefined, kind: 'service', scopes: ['widgets:read'] }]);
    });

    it('asks no token for a public operation', async () => {
      const { app, calls } = build();
      const response = await request(app.callback()).get('/browser/api/v1/status').expect(200);
      expect(response.body).to.include({ operation: 'getStatus', principal: null });
      expect(calls).to.deep.equal([]);
    });

    it('prefers a concrete path over a templated one (OpenAPI 3.1 path matching)', async () => {
      const { app } = build();
      const response = await request(app.callback()).get('/service/api/v1/widgets/featured').set('Authorization', TOKEN).expect(200);
      expect(response.body).to.include({ operation: 'getFeaturedWidget' });
    });

    it('answers 405 with Allow for a known path and another method', async () => {
      const { app } = build();
      const response = await request(app.callback()).patch('/service/api/v1/widgets').set('Authorization', TOKEN).expect(405);
      expect(response.headers).to.have.property('allow', 'HEAD, GET, POST');
      expect(response.body).to.include({ code: 'method_not_allowed' });
    });

    it('lets an unknown path fall through to the next middleware', async () => {
      const { app } = build();
      const response = await request(app.callback()).get('/service/api/v1/gadgets').expect(404);
      expect(response.body).to.deep.equal({ fellThrough: true });
      await request(app.callback()).get('/widgets').expect(404);
    });

    it('mounts under custom prefixes and runs extra middleware between validation and handler', async () => {
      const seen: unknown[] = [];
      const { app } = build({
        prefixes: { service: '/s', browser: '/b' },
        middleware: [async (ctx, next) => {
          seen.push(ctx.state.query);
          await next();
        }],
      });
      await request(app.callback()).get('/s/widgets?size=3').set('Authorization', TOKEN).expect(200);
      await request(app.callback()).get('/service/api/v1/widgets').set('Authorization', TOKEN).expect(404);
      expect(seen).to.deep.equal([{ page: 0, size: 3, sort: 'asc' }]);
    });
  });

  describe('parameters', () => {
    it('coerces and defaults query parameters into ctx.state.query', async () => {
      const { app } = build();
      const response = await request(app.callback())
        .get('/service/api/v1/widgets?size=5&tag=a&color=red,blue&ignored=1')
        .set('Authorization', TOKEN)
        .set('X-Trace-Level', '2')
        .expect(200);
      expect(response.body).to.have.deep.property('query', { page: 0, size: 5, tag: ['a'], color: ['red', 'blue'], sort: 'asc' });
    });

    it('keeps repeated exploded query parameters as an array', async () => {
      const { app } = build();
      const response = await request(app.callback()).get('/service/api/v1/widgets?tag=a&tag=b').set('Authorization', TOKEN).expect(200);
      expect((response.body as { query: { tag: string[] } }).query.tag).to.deep.equal(['a', 'b']);
    });

    const failures: [string, string, Record<string, string>, string][] = [
      ['a query value above its maximum', '/widgets?size=500', {}, '/query/size must be <= 100'],
      ['a query value of the wrong type', '/widgets?size=abc', {}, '/query/size must be integer'],
      ['an item outside the enum of a comma-separated array', '/widgets?color=red,purple', {}, '/query/color/1 must be equal to one of the allowed values'],
      ['a referenced query schema', '/widgets?sort=up', {}, '/query/sort must be equal to one of the allowed values'],
      ['a header parameter above its maximum', '/widgets', { 'X-Trace-Level': '9' }, '/header/X-Trace-Level must be <= 3'],
      ['a path parameter in the wrong format', '/widgets/not-a-uuid', {}, '/path/id must match format "uuid"'],
    ];
    for (const [what, path, headers, detail] of failures) {
      it(`answers 400 naming the field for ${what}`, async () => {
        const { app } = build();
        const response = await request(app.callback()).get(`/service/api/v1${path}`).set('Authorization', TOKEN).set(headers).expect(400);
        expect(response.body).to.include({ code: 'validation_failed', detail });
      });
    }

    it('puts coerced path parameters into ctx.state.params', async () => {
      const { app } = build();
      const response = await request(app.callback()).get(`/service/api/v1/widgets/${WIDGET}`).set('Authorization', TOKEN).expect(200);
      expect(response.body).to.have.deep.property('params', { id: WIDGET });
    });
  });

  describe('JSON bodies', () => {
    const valid = { name: 'sprocket', priceCents: 1250, contactEmail: 'ops@example.com' };

    it('passes a valid body, with schema defaults filled in', async () => {
      const { app } = build();
      const response = await request(app.callback()).post('/service/api/v1/widgets').set('Authorization', TOKEN).send(valid).expect(200);
      expect(response.body).to.have.deep.property('body', { ...valid, color: 'red' });
    });

    const failures: [string, unknown, string, string][] = [
      ['a missing required field', { priceCents: 1, contactEmail: 'a@example.com' }, '/body/name', 'is required'],
      ['a number sent as a string (no coercion)', { ...valid, priceCents: '1250' }, '/body/priceCents', 'must be integer'],
      ['a malformed email', { ...valid, contactEmail: 'nobody' }, '/body/contactEmail', 'must match format "email"'],
      ['an unknown field', { ...valid, 'odd/name': true }, '/body/odd~1name', 'is not allowed'],
      ['a deep field of a recursive schema', { ...valid, parts: [{ name: 'a', parts: [{}] }] }, '/body/parts/0/parts/0/name', 'is required'],
    ];
    for (const [what, body, pointer, message] of failures) {
      it(`answers 400 naming the field for ${what}`, async () => {
        const { app } = build();
        const response = await request(app.callback()).post('/service/api/v1/widgets').set('Authorization', TOKEN).send(body as object).expect(400);
        expect(response.body).to.deep.include({ detail: `${pointer} ${message}`, errors: [{ pointer, message }] });
      });
    }

    it('answers 400 when a required body is missing', async () => {
      const { app } = build();
      const response = await request(app.callback()).post('/service/api/v1/widgets').set('Authorization', TOKEN).expect(400);
      expect(response.body).to.include({ detail: '/body is required' });
    });

    it('answers 415 for a content type the operation does not accept', async () => {
      const { app } = build();
      const response = await request(app.callback())
        .post('/service/api/v1/widgets').set('Authorization', TOKEN).set('Content-Type', 'text/plain').send('name=x').expect(415);
      expect(response.body).to.include({ code: 'unsupported_media_type', detail: 'this operation accepts application/json' });
    });

    it('reports parameter and body failures together, parameters first', async () => {
      const { app } = build();
      const response = await request(app.callback())
        .post('/service/api/v1/widgets/nope/notes').set('Authorization', TOKEN).set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ text: 'x'.repeat(21) })).expect(400);
      expect(response.body).to.have.deep.property('errors', [
        { pointer: '/path/id', message: 'must match format "uuid"' },
        { pointer: '/body/text', message: 'must NOT have more than 20 characters' },
      ]);
    });

    it('validates +json media types and accepts an absent optional body', async () => {
      const { app } = build();
      await request(app.callback()).post(`/service/api/v1/widgets/${WIDGET}/notes`).set('Authorization', TOKEN)
        .set('Content-Type', 'application/merge-patch+json; charset=utf-8').send(JSON.stringify({ text: 'ok' })).expect(200);
      await request(app.callback()).post(`/service/api/v1/widgets/${WIDGET}/notes`).set('Authorization', TOKEN).expect(200);
    });
  });

  describe('binary bodies', () => {
    for (const type of ['application/octet-stream', 'application/jose']) {
      it(`hands ${type} bytes to the handler unchanged`, async () => {
        const { app } = build();
        const response = await request(app.callback())
          .put(`/service/api/v1/widgets/${WIDGET}/blob`).set('Authorization', TOKEN).set('Content-Type', type).send(Buffer.alloc(7, 1)).expect(200);
        expect(response.body).to.have.deep.property('body', { bytes: 7 });
      });
    }

    it('answers 415 for another type and 400 when the bytes are missing', async () => {
      const { app } = build();
      await request(app.callback()).put(`/service/api/v1/widgets/${WIDGET}/blob`).set('Authorization', TOKEN)
        .set('Content-Type', 'text/plain').send('hello').expect(415);
      const response = await request(app.callback()).put(`/service/api/v1/widgets/${WIDGET}/blob`).set('Authorization', TOKEN).expect(400);
      expect(response.body).to.include({ detail: '/body is required' });
    });
  });

  describe('construction', () => {
    it('refuses a document operation without a handler', () => {
      const handlers: Record<string, OperationHandler> = { ...handlersFor(document) };
      delete handlers.getStatus;
      expect(() => operationRouter({ document, handlers, authenticate: () => Promise.reject(new Error('unused')) }))
        .to.throw(Error, 'no handler for operationId getStatus');
    });

    it('compiles an operation\'s validator at its first request only, once for both prefixes', async () => {
      const compiled: string[] = [];
      const { app } = build({ compile: (operation) => { compiled.push(operation.operationId); return compileRequestValidator(operation); } });
      expect(compiled).to.deep.equal([]);
      await request(app.callback()).get('/service/api/v1/status').expect(200);
      await request(app.callback()).get('/browser/api/v1/status').expect(200);
      await request(app.callback()).get('/service/api/v1/status').expect(200);
      expect(compiled).to.deep.equal(['getStatus']);
    });

    it('refuses a handler for an operationId the document does not declare', () => {
      const handlers = { ...handlersFor(document), getGadget: echo };
      expect(() => operationRouter({ document, handlers, authenticate: () => Promise.reject(new Error('unused')) }))
        .to.throw(Error, 'handler for operationId getGadget, which the OpenAPI document does not declare');
    });
  });
});
