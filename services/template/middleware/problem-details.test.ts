import { expect } from 'chai';
import Koa from 'koa';
import Router from '@koa/router';
import { pino } from 'pino';
import type { Logger } from 'pino';
import request from 'supertest';
import {
  InternalError, ServiceUnavailableError, UnauthorizedError, ValidationError, ConflictError,
} from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { DATABASE_LOG_INTERVAL_MS, errorClass, loggableError, problemDetails, toProblem } from './problem-details.ts';
import { requestId } from './request-id.ts';

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
  return { logger, lines };
}

function appThrowing(thrower: (ctx: Koa.ParameterizedContext<RequestState>) => unknown, logger: Logger = pino({ level: 'silent' })): Koa<RequestState> {
  const app = new Koa<RequestState>();
  app.use(requestId());
  app.use(problemDetails(logger));
  app.use((ctx) => { ctx.set('X-Downstream', 'kept'); throw thrower(ctx); });
  return app;
}

class QueryFailedError extends Error {}

describe('problem details (RFC 9457)', () => {
  it('renders a ProblemError as application/problem+json with type, title, status, detail, instance and code', async () => {
    const response = await request(appThrowing(() => new ConflictError('pet name taken')).callback())
      .get('/pets').set('X-Request-Id', 'req-1').expect(409);
    expect(response.headers['content-type']).to.equal('application/problem+json');
    expect(response.body).to.deep.equal({
      type: 'urn:cryptoutil:problem:conflict',
      title: 'Conflict',
      status: 409,
      detail: 'pet name taken',
      instance: 'req-1',
      code: 'conflict',
    });
    expect(response.headers['x-downstream']).to.equal('kept');
  });

  it('sends the error headers, e.g. the RFC 6750 challenge of a 401', async () => {
    const response = await request(appThrowing(() => new UnauthorizedError('token expired', 'Bearer error="invalid_token"')).callback())
      .get('/').expect(401);
    expect(response.headers['www-authenticate']).to.equal('Bearer error="invalid_token"');
  });

  it('adds the errors extension only when there are field errors', async () => {
    const errors = [{ pointer: '/body/priceCents', message: 'must be >= 0' }];
    const response = await request(appThrowing(() => new ValidationError(errors)).callback()).post('/').expect(400);
    expect(response.body).to.deep.include({ code: 'validation_failed', errors });
  });

  it('shows the detail of a 503 and its Retry-After without logging an internal error', async () => {
    const { logger, lines } = capture();
    const response = await request(appThrowing(() => new ServiceUnavailableError('sealed', 5), logger).callback()).get('/').expect(503);
    expect(response.body).to.include({ detail: 'sealed', code: 'service_unavailable' });
    expect(response.headers['retry-after']).to.equal('5');
    expect(lines).to.deep.equal([]);
  });

  it('answers anything unexpected with a bare 500 and logs only class names and the request id', async () => {
    const { logger, lines } = capture();
    const secret = 'SELECT * FROM keys WHERE material = \'c2VjcmV0\'';
    const response = await request(appThrowing(() => new QueryFailedError(secret), logger).callback())
      .get('/').set('X-Request-Id', 'req-500').expect(500);
    expect(response.body).to.deep.equal({
      type: 'urn:cryptoutil:problem:internal_error',
      title: 'Internal Server Error',
      status: 500,
      instance: 'req-500',
      code: 'internal_error',
    });
    expect(response.text).not.to.include('SELECT');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: 50, requestId: 'req-500', error: 'QueryFailedError' });
    expect(JSON.stringify(lines)).not.to.include('SELECT').and.not.to.include('stack');
  });

  it('logs the class of the cause when code throws InternalError deliberately', async () => {
    const { logger, lines } = capture();
    await request(appThrowing(() => new InternalError(new QueryFailedError('password=x')), logger).callback()).get('/').expect(500);
    expect(lines[0]).to.include({ error: 'InternalError', cause: 'QueryFailedError' });
    expect(JSON.stringify(lines)).not.to.include('password=x');
    const bare = capture();
    await request(appThrowing(() => new InternalError(), bare.logger).callback()).get('/').expect(500);
    expect(bare.lines[0]).to.include({ error: 'InternalError' }).and.not.to.have.property('cause');
  });

  it('treats a thrown non-error as internal', async () => {
    const { logger, lines } = capture();
    await request(appThrowing(() => 'oops', logger).callback()).get('/').expect(500);
    expect(lines[0]).to.include({ error: 'string' });
  });

  describe('an unreachable database answers 503, not 500', () => {
    function appOnClock(logger: Logger, clock: { now: number }, thrown: () => unknown): Koa<RequestState> {
      const app = new Koa<RequestState>();
      app.use(requestId());
      app.use(problemDetails(logger, { now: () => clock.now }));
      app.use(() => { throw thrown(); });
      return app;
    }
    const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

    it('renders a refused connection as a service_unavailable problem with Retry-After, hiding the driver message', async () => {
      const response = await request(appThrowing(refused).callback()).post('/pets').set('X-Request-Id', 'req-db').expect(503);
      expect(response.headers['content-type']).to.equal('application/problem+json');
      expect(response.headers['retry-after']).to.equal('5');
      expect(response.body).to.deep.equal({
        type: 'urn:cryptoutil:problem:service_unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: 'a backing service is unavailable; retry later',
        instance: 'req-db',
        code: 'service_unavailable',
      });
      expect(response.text).not.to.include('5432');
    });

    it('maps a terminated session (57P01) and a codeless "Connection terminated" the same way', () => {
      expect(toProblem(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })))
        .to.include({ status: 503, code: 'service_unavailable' });
      expect(toProblem(new Error('Connection terminated unexpectedly'))).to.include({ status: 503, code: 'service_unavailable' });
    });

    it('logs one warning per interval during an outage, then counts what it left out', async () => {
      const { logger, lines } = capture();
      const clock = { now: 1_000_000 };
      const app = appOnClock(logger, clock, refused).callback();
      for (let index = 0; index < 20; index += 1) await request(app).get('/').expect(503);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({ level: 40, component: 'database', error: 'Error', code: 'ECONNREFUSED', suppressed: 0 });
      expect(JSON.stringify(lines)).not.to.include('5432');
      clock.now += DATABASE_LOG_INTERVAL_MS - 1;
      await request(app).get('/').expect(503);
      expect(lines).to.have.length(1);
      clock.now += 1;
      await request(app).get('/').expect(503);
      expect(lines).to.have.length(2);
      expect(lines[1]).to.include({ suppressed: 20 });
    });

    it('keeps an http-errors 4xx that carries a socket code a client error (an aborted upload)', () => {
      const aborted = Object.assign(new Error('request aborted'), { status: 400, expose: true, code: 'ECONNRESET' });
      expect(toProblem(aborted)).to.include({ status: 400, code: 'bad_request' });
    });

    it('logs no code when the driver error has none', async () => {
      const { logger, lines } = capture();
      await request(appOnClock(logger, { now: 0 }, () => new Error('Connection terminated unexpectedly')).callback()).get('/').expect(503);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({ component: 'database', suppressed: 0 }).and.not.to.have.property('code');
    });
  });

  describe('library errors (http-errors shape) map to the nearest problem class', () => {
    const cases: [number, Record<string, string>, number, string, Record<string, string>][] = [
      [400, {}, 400, 'bad_request', {}],
      [401, { 'WWW-Authenticate': 'Basic realm="x"' }, 401, 'unauthorized', { 'www-authenticate': 'Basic realm="x"' }],
      [401, {}, 401, 'unauthorized', { 'www-authenticate': 'Bearer' }],
      [403, {}, 403, 'forbidden', {}],
      [404, {}, 404, 'not_found', {}],
      [405, { allow: 'GET, HEAD' }, 405, 'method_not_allowed', { allow: 'GET, HEAD' }],
      [405, {}, 405, 'method_not_allowed', { allow: '' }],
      [409, {}, 409, 'conflict', {}],
      [413, {}, 413, 'payload_too_large', {}],
      [415, {}, 415, 'unsupported_media_type', {}],
      [422, {}, 422, 'unprocessable_entity', {}],
      [429, { 'Retry-After': '7' }, 429, 'too_many_requests', { 'retry-after': '7' }],
      [429, { 'Retry-After': 'soon' }, 429, 'too_many_requests', { 'retry-after': '1' }],
      [418, {}, 400, 'bad_request', {}],
    ];
    for (const [thrown, headers, status, code, expectedHeaders] of cases) {
      it(`ctx.throw(${thrown}) with ${JSON.stringify(headers)} → ${status} ${code}`, async () => {
        const app = new Koa<RequestState>();
        app.use(requestId());
        app.use(problemDetails(pino({ level: 'silent' })));
        app.use((ctx) => ctx.throw(thrown, 'library says no', { headers }));
        const response = await request(app.callback()).get('/').expect(status);
        expect(response.body).to.include({ status, code, type: `urn:cryptoutil:problem:${code}` });
        expect(response.headers).to.include(expectedHeaders);
        if (![405, 429].includes(thrown)) expect(response.body).to.include({ detail: 'library says no' });
      });
    }

    it('reads statusCode when status is absent', () => {
      const error = Object.assign(new Error('gone'), { statusCode: 404, expose: true });
      expect(toProblem(error)).to.include({ status: 404, code: 'not_found', message: 'gone' });
    });

    it('keeps a header value given as a number', () => {
      const error = Object.assign(new Error('slow down'), { status: 429, expose: true, headers: { 'retry-after': 3 } });
      expect(toProblem(error).headers).to.deep.equal({ 'Retry-After': '3' });
    });

    it('does not trust an unexposed 4xx or any 5xx: both become internal errors', () => {
      const hidden = Object.assign(new Error('hidden'), { status: 400, expose: false });
      const server = Object.assign(new Error('stream encoding should not be set'), { status: 500, expose: false });
      const plain = Object.assign({ message: 'not an Error' }, { status: 400, expose: true });
      for (const error of [hidden, server, plain]) expect(toProblem(error)).to.be.instanceOf(InternalError);
    });
  });

  describe('downstream finished without a body', () => {
    function routed(): Koa<RequestState> {
      const app = new Koa<RequestState>();
      app.use(requestId());
      app.use(problemDetails(pino({ level: 'silent' })));
      const router = new Router<RequestState>();
      router.get('/pets', (ctx) => { ctx.body = []; });
      router.delete('/pets/:id', (ctx) => { ctx.status = 204; });
      app.use(router.routes());
      app.use(router.allowedMethods());
      return app;
    }

    it('no route matched → 404 not_found problem', async () => {
      const response = await request(routed().callback()).get('/nothing-here').expect(404);
      expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(response.body).to.include({ code: 'not_found', status: 404 });
    });

    it('a path matched with another method → 405 problem naming the allowed methods', async () => {
      const response = await request(routed().callback()).put('/pets').expect(405);
      expect(response.body).to.include({ code: 'method_not_allowed' });
      expect(response.headers.allow).to.equal('HEAD, GET');
    });

    it('a deliberate 204 stays a 204', async () => {
      await request(routed().callback()).delete('/pets/1').expect(204);
    });
  });

  it('names classes without reading messages', () => {
    expect(errorClass(new TypeError('x'))).to.equal('TypeError');
    expect(errorClass(Object.create(null))).to.equal('object');
    expect(errorClass(undefined)).to.equal('undefined');
  });

  it('logs of an error outside a request its class, and the message only of our own problems', () => {
    expect(loggableError(new Error('insert into keys values (x\'5ecret\')'))).to.deep.equal({ error: 'Error' });
    expect(loggableError(new ConflictError('the key set changed meanwhile'))).to.deep.equal({ error: 'ConflictError', reason: 'the key set changed meanwhile' });
  });
});
