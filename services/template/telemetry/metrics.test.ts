import { expect } from 'chai';
import Koa from 'koa';
import Router from '@koa/router';
import request from 'supertest';
import { ConflictError } from '../errors/index.ts';
import { createMetrics, metricsMiddleware, registerHashGateMetrics } from './metrics.ts';
import { labelRoute } from './route.ts';
import type { GateState } from '../hash/gate.ts';
import type { Metrics } from './metrics.ts';

function matches(actual: Readonly<Record<string, string | number | undefined>>, expected: Readonly<Record<string, string>>): boolean {
  return Object.entries(expected).every(([name, value]) => actual[name] === value);
}

async function requestCount(metrics: Metrics, labels: Record<string, string>): Promise<number | undefined> {
  const { values } = await metrics.requests.get();
  return values.find((value) => matches(value.labels, labels))?.value;
}

async function durationCount(metrics: Metrics, labels: Record<string, string>): Promise<number | undefined> {
  const { values } = await metrics.duration.get();
  return values.find((value) => value.metricName === 'http_server_request_duration_seconds_count' && matches(value.labels, labels))?.value;
}

function appWith(metrics: Metrics): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(metricsMiddleware(metrics));
  const router = new Router();
  router.get('/service/api/v1/pets/:id', (ctx) => { ctx.body = { id: ctx.params.id }; });
  router.post('/service/api/v1/pets', () => { throw new ConflictError('duplicate name'); });
  app.use(router.routes());
  app.use((ctx) => {
    if (ctx.path !== '/login') return;
    labelRoute(ctx, '/login');
    ctx.body = 'page';
  });
  return app;
}

describe('Prometheus metrics', () => {
  it('reads the hash gate at each scrape: running, waiting, and refusals since start as a counter', async () => {
    const metrics = createMetrics('identity-idp');
    let state: GateState = { running: 0, waiting: 0, places: 0, refused: 0 };
    registerHashGateMetrics(metrics.registry, () => state);
    const scrape = async (): Promise<string> => metrics.registry.metrics();
    expect(await scrape()).to.include('hash_gate_running{service="identity-idp"} 0');
    state = { running: 1, waiting: 4, places: 6, refused: 3 };
    let text = await scrape();
    expect(text).to.include('# TYPE hash_gate_running gauge');
    expect(text).to.include('hash_gate_running{service="identity-idp"} 1');
    expect(text).to.include('hash_gate_waiting{service="identity-idp"} 4');
    expect(text).to.include('# TYPE hash_gate_refused_total counter');
    expect(text).to.include('hash_gate_refused_total{service="identity-idp"} 3');
    // A second scrape reports the total, not the total added again.
    state = { running: 0, waiting: 0, places: 0, refused: 5 };
    text = await scrape();
    expect(text).to.include('hash_gate_refused_total{service="identity-idp"} 5');
    expect(text).to.include('hash_gate_waiting{service="identity-idp"} 0');
  });

  it('keeps a registry of its own with process metrics and a service label', async () => {
    const metrics = createMetrics('learn-ps');
    const text = await metrics.registry.metrics();
    expect(text).to.include('process_cpu_user_seconds_total{service="learn-ps"}');
    expect(text).to.include('# TYPE http_server_requests_total counter');
    expect(text).to.include('# TYPE http_server_request_duration_seconds histogram');
    // docs/operations.md "Event-loop delay": the figure the password-login load is judged by.
    expect(text).to.match(/^nodejs_eventloop_lag_p99_seconds\{service="learn-ps"\} \d/m);
    // Two services in one process must not collide in a shared global registry.
    expect(() => createMetrics('sm-kms')).not.to.throw();
  });

  it('labels requests with the route template, never the raw path', async () => {
    const metrics = createMetrics('learn-ps');
    const app = appWith(metrics);
    await request(app.callback()).get('/service/api/v1/pets/7').expect(200);
    await request(app.callback()).get('/service/api/v1/pets/8').expect(200);
    await request(app.callback()).get('/nowhere/123').expect(404);
    const pet = { method: 'GET', route: '/service/api/v1/pets/:id', status: '200' };
    expect(await requestCount(metrics, pet)).to.equal(2);
    expect(await requestCount(metrics, { method: 'GET', route: 'unmatched', status: '404' })).to.equal(1);
    // A page answered outside the router carries the fixed route its service gave it.
    await request(app.callback()).get('/login').expect(200);
    expect(await requestCount(metrics, { method: 'GET', route: '/login', status: '200' })).to.equal(1);
    expect(await durationCount(metrics, pet)).to.equal(2);
    const text = await metrics.registry.metrics();
    expect(text).to.include('service="learn-ps"');
    expect(text).not.to.include('/pets/7');
    expect(text).not.to.include('/nowhere');
  });

  it('records the status an escaping error will be answered with', async () => {
    const metrics = createMetrics('learn-ps');
    await request(appWith(metrics).callback()).post('/service/api/v1/pets').expect(409);
    expect(await requestCount(metrics, { method: 'POST', route: '/service/api/v1/pets', status: '409' })).to.equal(1);
  });
});
