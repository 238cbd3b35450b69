import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import type { Logger } from 'pino';
import request from 'supertest';
import type { TemplateConfig } from '../config/schema.ts';
import type { RequestState } from '../service.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { ADMIN_BODY_LIMIT_BYTES, adminPipeline, publicPipeline } from './index.ts';
import { createRateLimitStore } from './rate-limit.ts';
import { UnauthorizedError } from '../errors/index.ts';
import { TEST_REDIS_URL } from '../testing/redis.ts';

const CONSOLE = 'https://console.example.test';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl';

interface Overrides {
  readonly ipAllowlist?: string[];
  readonly trustedProxies?: string[];
  readonly redisUrl?: string;
  readonly otlpEndpoint?: string;
  readonly perSecond?: number;
}

function config(overrides: Overrides = {}): TemplateConfig {
  return {
    public: { address: '127.0.0.1', port: 8480 },
    admin: { address: '127.0.0.1', port: 9098 },
    tls: { mode: 'auto', certFile: '', keyFile: '', caFile: '', names: ['localhost'] },
    database: { url: 'sqlite::memory:', poolMin: 0, poolMax: 1 },
    auth: { issuer: '', jwksUri: '', audience: '', clockSkewSeconds: 30, publicUrl: '' },
    cors: { origins: [CONSOLE] },
    rateLimit: { perSecond: overrides.perSecond ?? 2, burst: 3, redisUrl: overrides.redisUrl ?? '', onStoreFailure: 'open' },
    ipAllowlist: overrides.ipAllowlist ?? [],
    http: { trustedProxies: overrides.trustedProxies ?? [] },
    body: { limitBytes: 1024 },
    barrier: { shares: [], threshold: 3 },
    hash: { pepper: '' },
    telemetry: { otlpEndpoint: overrides.otlpEndpoint ?? '' },
    log: { level: 'info' },
    shutdown: { timeoutMs: 1000 },
    dataDir: '.cryptoutil',
  };
}

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
  return { logger, lines };
}

function routes(): Router<RequestState> {
  const router = new Router<RequestState>();
  for (const prefix of ['/service/api/v1', '/browser/api/v1']) {
    router.get(`${prefix}/pets`, (ctx) => { ctx.body = []; });
    router.post(`${prefix}/pets`, (ctx) => { ctx.status = 201; ctx.body = ctx.state.body; });
    router.get(`${prefix}/boom`, () => { throw new Error(`connection string has password ${TOKEN}`); });
    // A problem whose header the renderer cannot set: the renderer itself fails.
    router.get(`${prefix}/unrenderable`, () => { throw new UnauthorizedError('no token', 'Bearer\nrealm="x"'); });
  }
  return router;
}

function publicApp(logger: Logger, metrics: Metrics, overrides: Overrides = {}): Koa<RequestState> {
  const app = new Koa<RequestState>();
  const steps = publicPipeline({ logger, serviceName: 'learn-ps', config: config(overrides), metrics });
  for (const step of steps) app.use(step);
  app.use(routes().routes());
  return app;
}

describe('public pipeline', () => {
  it('lists the steps outermost first, tracing between the request frame and admission when configured', () => {
    const steps = publicPipeline({ logger: pino({ level: 'silent' }), serviceName: 'learn-ps', config: config({ ipAllowlist: ['10.0.0.0/8'], otlpEndpoint: 'http://collector:4318' }), metrics: createMetrics('learn-ps') });
    expect(steps.map((step) => step.name)).to.deep.equal(['requestFrameStep', 'tracingStep', 'admissionStep']);
  });

  it('leaves out tracing without an OTLP endpoint', () => {
    const steps = publicPipeline({ logger: pino({ level: 'silent' }), serviceName: 'learn-ps', config: config(), metrics: createMetrics('learn-ps') });
    expect(steps.map((step) => step.name)).to.deep.equal(['requestFrameStep', 'admissionStep']);
  });

  it('answers a thrown error as problem+json with X-Request-Id and CSP, logged with its final status', async () => {
    const { logger, lines } = capture();
    const response = await request(publicApp(logger, createMetrics('learn-ps')).callback())
      .get('/service/api/v1/boom').set('X-Request-Id', 'req-boom').expect(500);
    expect(response.headers['content-type']).to.equal('application/problem+json');
    expect(response.headers['x-request-id']).to.equal('req-boom');
    expect(response.headers['content-security-policy']).to.include("default-src 'none'");
    expect(response.body).to.include({ instance: 'req-boom', code: 'internal_error' });
    const access = lines.find((line) => line.msg === 'request completed');
    expect(access).to.include({ requestId: 'req-boom', status: 500, path: '/service/api/v1/boom' });
    expect(lines.find((line) => line.level === 50)).to.include({ requestId: 'req-boom', error: 'Error' });
  });

  it('records the final status in the metrics', async () => {
    const metrics = createMetrics('learn-ps');
    await request(publicApp(pino({ level: 'silent' }), metrics).callback()).get('/service/api/v1/boom').expect(500);
    const { values } = await metrics.requests.get();
    expect(values.map((value) => value.labels)).to.deep.equal([{ method: 'GET', route: '/service/api/v1/boom', status: '500' }]);
  });

  it('parses a JSON body within the limit and refuses a larger one with 413', async () => {
    const app = publicApp(pino({ level: 'silent' }), createMetrics('learn-ps'));
    const created = await request(app.callback()).post('/service/api/v1/pets').send({ name: 'Rex' }).expect(201);
    expect(created.body).to.deep.equal({ name: 'Rex' });
    const tooLarge = await request(app.callback()).post('/service/api/v1/pets').send({ name: 'x'.repeat(2000) }).expect(413);
    expect(tooLarge.body).to.include({ code: 'payload_too_large' });
    expect(tooLarge.headers).to.have.property('x-request-id');
  });

  it('refuses with 429 and Retry-After once perSecond + burst is spent', async () => {
    const app = publicApp(pino({ level: 'silent' }), createMetrics('learn-ps'));
    for (let index = 0; index < 5; index += 1) await request(app.callback()).get('/service/api/v1/pets').expect(200);
    const refused = await request(app.callback()).get('/service/api/v1/pets').expect(429);
    expect(refused.headers['content-type']).to.equal('application/problem+json');
    expect(Number(refused.headers['retry-after'])).to.be.at.least(1);
    expect(refused.headers).to.have.property('x-request-id');
  });

  it('answers CORS only on /browser and only for an allowed origin', async () => {
    const app = publicApp(pino({ level: 'silent' }), createMetrics('learn-ps'));
    const browser = await request(app.callback()).get('/browser/api/v1/pets').set('Origin', CONSOLE).expect(200);
    expect(browser.headers['access-control-allow-origin']).to.equal(CONSOLE);
    const service = await request(app.callback()).get('/service/api/v1/pets').set('Origin', CONSOLE).expect(200);
    expect(service.headers).not.to.have.property('access-control-allow-origin');
    const stranger = await request(app.callback()).get('/browser/api/v1/pets').set('Origin', 'https://other.example.test').expect(200);
    expect(stranger.headers).not.to.have.property('access-control-allow-origin');
  });

  it('refuses a peer outside ipAllowlist with a 403 problem, logged', async () => {
    const { logger, lines } = capture();
    const response = await request(publicApp(logger, createMetrics('learn-ps'), { ipAllowlist: ['10.0.0.0/8'] }).callback())
      .get('/service/api/v1/pets').expect(403);
    expect(response.body).to.include({ code: 'forbidden', status: 403 });
    expect(lines.find((line) => line.msg === 'request completed')).to.include({ status: 403 });
  });

  it('believes X-Forwarded-For only from a trusted proxy, for the allowlist, the rate limit and the access log', async () => {
    const { logger, lines } = capture();
    // supertest's peer is loopback: trusted here, so the forwarded client is judged and logged.
    const trusting = publicApp(logger, createMetrics('learn-ps'), { ipAllowlist: ['10.0.0.0/8'], trustedProxies: ['127.0.0.0/8'] });
    await request(trusting.callback()).get('/service/api/v1/pets').set('X-Forwarded-For', '10.1.2.3').expect(200);
    await request(trusting.callback()).get('/service/api/v1/pets').set('X-Forwarded-For', '192.0.2.9').expect(403);
    expect(lines.filter((line) => line.msg === 'request completed').map((line) => line.remoteAddress)).to.deep.equal(['10.1.2.3', '192.0.2.9']);
    // Each forwarded client has its own budget of perSecond + burst (5).
    for (let index = 0; index < 5; index += 1) {
      await request(trusting.callback()).get('/service/api/v1/pets').set('X-Forwarded-For', '10.0.0.1').expect(200);
    }
    await request(trusting.callback()).get('/service/api/v1/pets').set('X-Forwarded-For', '10.0.0.1').expect(429);
    await request(trusting.callback()).get('/service/api/v1/pets').set('X-Forwarded-For', '10.0.0.2').expect(200);
    // Without trusted proxies the header is the client's own word: ignored.
    const plain = publicApp(pino({ level: 'silent' }), createMetrics('learn-ps'), { ipAllowlist: ['10.0.0.0/8'] });
    await request(plain.callback()).get('/service/api/v1/pets').set('X-Forwarded-For', '10.1.2.3').expect(403);
  });

  it('never writes a token from the Authorization header, the query or the body to any log line', async () => {
    const { logger, lines } = capture();
    const app = publicApp(logger, createMetrics('learn-ps'));
    await request(app.callback()).get(`/service/api/v1/pets?access_token=${TOKEN}`).set('Authorization', `Bearer ${TOKEN}`).expect(200);
    await request(app.callback()).post(`/service/api/v1/pets?token=${TOKEN}`).set('Authorization', `Bearer ${TOKEN}`).send({ token: TOKEN }).expect(201);
    await request(app.callback()).get(`/service/api/v1/boom?token=${TOKEN}`).set('Authorization', `Bearer ${TOKEN}`).expect(500);
    expect(lines.length).to.be.at.least(4);
    const text = JSON.stringify(lines);
    expect(text).not.to.include(TOKEN);
    expect(text).not.to.include('password');
  });

  it('answers a path no route serves with a 404 problem, logged and counted with that status', async () => {
    const { logger, lines } = capture();
    const metrics = createMetrics('learn-ps');
    const response = await request(publicApp(logger, metrics).callback()).get('/service/api/v1/nowhere').expect(404);
    expect(response.headers['content-type']).to.equal('application/problem+json');
    expect(response.body).to.include({ code: 'not_found', instance: response.headers['x-request-id'] });
    expect(lines.find((line) => line.msg === 'request completed')).to.include({ status: 404, path: '/service/api/v1/nowhere' });
    const { values } = await metrics.requests.get();
    expect(values.map((value) => value.labels)).to.deep.equal([{ method: 'GET', route: 'unmatched', status: '404' }]);
  });

  it('reads the body of a /browser request after its CORS answer', async () => {
    const app = publicApp(pino({ level: 'silent' }), createMetrics('learn-ps'));
    const created = await request(app.callback()).post('/browser/api/v1/pets').set('Origin', CONSOLE).send({ name: 'Rex' }).expect(201);
    expect(created.body).to.deep.equal({ name: 'Rex' });
    expect(created.headers['access-control-allow-origin']).to.equal(CONSOLE);
    const preflight = await request(app.callback()).options('/browser/api/v1/pets').set('Origin', CONSOLE)
      .set('Access-Control-Request-Method', 'POST').expect(204);
    expect(preflight.headers['access-control-allow-methods']).to.include('POST');
  });

  it('logs and counts the status of an error the problem renderer could not answer, and lets it escape', async () => {
    const { logger, lines } = capture();
    const metrics = createMetrics('learn-ps');
    const app = publicApp(logger, metrics);
    const escaped: unknown[] = [];
    app.silent = true;
    app.on('error', (error: unknown) => { escaped.push(error); });
    await request(app.callback()).get('/service/api/v1/unrenderable').expect(500);
    expect(escaped).to.have.length(1);
    expect(lines.find((line) => line.msg === 'request completed')).to.include({ status: 500 });
    const { values } = await metrics.requests.get();
    expect(values.map((value) => value.labels.status)).to.deep.equal(['500']);
  });

  it('lets every request through with perSecond 0, without limit headers', async () => {
    const app = publicApp(pino({ level: 'silent' }), createMetrics('learn-ps'), { perSecond: 0 });
    for (let index = 0; index < 8; index += 1) {
      const response = await request(app.callback()).get('/service/api/v1/pets').expect(200);
      expect(response.headers).not.to.have.property('x-ratelimit-remaining');
    }
  });

  it('admits exactly perSecond + burst of concurrent requests from one client', async () => {
    const app = publicApp(pino({ level: 'silent' }), createMetrics('learn-ps'));
    const server = app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const agent = request(server);
      const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await agent.get('/service/api/v1/pets')).status));
      expect(statuses.filter((status) => status === 200)).to.have.length(5);
      expect(statuses.filter((status) => status === 429)).to.have.length(15);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('demands an injected Redis client when rateLimit.redisUrl is set', () => {
    expect(() => publicApp(pino({ level: 'silent' }), createMetrics('learn-ps'), { redisUrl: 'redis://127.0.0.1:6379' }))
      .to.throw('createRateLimitStore');
  });

  it('counts against Redis, under the service namespace, when a client is injected', async () => {
    const redis = createRateLimitStore(TEST_REDIS_URL);
    const serviceName = `learn-ps-test-${randomUUID()}`;
    try {
      const app = new Koa<RequestState>();
      const metrics = createMetrics(serviceName);
      const steps = publicPipeline({ logger: pino({ level: 'silent' }), serviceName, config: config({ redisUrl: TEST_REDIS_URL }), metrics, redis });
      for (const step of steps) app.use(step);
      app.use(routes().routes());
      await request(app.callback()).get('/service/api/v1/pets').expect(200);
      expect(await redis.keys(`cryptoutil:ratelimit:${serviceName}:*`)).to.deep.equal([`cryptoutil:ratelimit:${serviceName}:127.0.0.1`]);
    } finally {
      await redis.del(`cryptoutil:ratelimit:${serviceName}:127.0.0.1`);
      await redis.quit();
    }
  });
});

describe('admin pipeline', () => {
  function adminApp(logger: Logger): Koa<RequestState> {
    const app = new Koa<RequestState>();
    for (const step of adminPipeline({ logger, serviceName: 'learn-ps' })) app.use(step);
    app.use((ctx) => {
      if (ctx.path === '/admin/v1/unseal') { ctx.status = 202; return; }
      ctx.body = { status: 'alive' };
    });
    return app;
  }

  it('has request id, access log, problems, security headers and a 64 KiB body limit', async () => {
    const { logger, lines } = capture();
    const app = adminApp(logger);
    const live = await request(app.callback()).get('/admin/v1/livez').expect(200);
    expect(live.headers).to.have.property('x-request-id');
    expect(live.headers['content-security-policy']).to.include("default-src 'none'");
    expect(lines.find((line) => line.msg === 'request completed')).to.include({ path: '/admin/v1/livez', status: 200 });
    const share = await request(app.callback()).post('/admin/v1/unseal').set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(ADMIN_BODY_LIMIT_BYTES + 1)).expect(413);
    expect(share.headers['content-type']).to.equal('application/problem+json');
    expect(ADMIN_BODY_LIMIT_BYTES).to.equal(65_536);
  });

  it('is never rate limited: probes keep answering', async () => {
    const app = adminApp(pino({ level: 'silent' }));
    for (let index = 0; index < 20; index += 1) await request(app.callback()).get('/admin/v1/livez').expect(200);
  });
});
