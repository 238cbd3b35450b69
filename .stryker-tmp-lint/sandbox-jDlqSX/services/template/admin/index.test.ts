// @ts-nocheck
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { Registry } from 'prom-client';
import pino from 'pino';
import type { RequestState, CheckResult } from '../service.ts';
import { adminPipeline } from '../middleware/index.ts';
import { adminGuard, adminRouter, standardAdminRoutes, type AdminState, type Phase } from './index.ts';
import { runChecks } from './probe-state.ts';

interface Harness {
  app: Koa<RequestState>;
  state: AdminState;
  setPhase(phase: Phase): void;
  shutdowns: string[];
}

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';

function harness(checks: { name: string; check(): Promise<CheckResult> }[] = []): Harness {
  let phase: Phase = 'running';
  const shutdowns: string[] = [];
  const metrics = new Registry();
  metrics.setDefaultLabels({ service: 'test' });
  const state: AdminState = {
    service: 'test',
    version: '1.2.3',
    startedAt: Date.now() - 5_000,
    phase: () => phase,
    checks,
    metrics,
    requestShutdown: (reason) => { shutdowns.push(reason); },
    eventLoopDelayMs: () => 1.5,
  };
  const app = new Koa<RequestState>();
  for (const step of adminPipeline({ logger: pino({ level: 'silent' }), serviceName: 'test' })) app.use(step);
  app.use(adminRouter(standardAdminRoutes(state), adminGuard(ADMIN_TOKEN)));
  return { app, state, setPhase: (next) => { phase = next; }, shutdowns };
}

interface AdminBody {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string; latencyMs?: number }>;
  uptimeSeconds: number;
  memory: { rssBytes: number };
  code: string;
}

const body = (response: { body: unknown }): AdminBody => response.body as AdminBody;

const ok = (name: string) => ({ name, check: () => Promise.resolve({ ok: true }) });
const failing = (name: string, detail: string) => ({ name, check: () => Promise.resolve({ ok: false, detail }) });

describe('admin endpoints (DESIGN "Admin")', () => {
  it('livez answers alive, then 503 once shutdown has begun', async () => {
    const h = harness();
    await request(h.app.callback()).get('/admin/v1/livez').expect(200, { status: 'alive' });
    h.setPhase('draining');
    await request(h.app.callback()).get('/admin/v1/livez').expect(503, { status: 'shutting-down' });
  });

  it('readyz is 200 when every check passes', async () => {
    const h = harness([ok('database'), ok('issuer')]);
    const response = await request(h.app.callback()).get('/admin/v1/readyz').expect(200);
    expect(response.body).to.deep.equal({ status: 'ready', checks: { database: { ok: true }, issuer: { ok: true } } });
  });

  it('readyz is 503 not-ready naming the failing check', async () => {
    const h = harness([ok('database'), failing('barrier', 'sealed')]);
    const response = await request(h.app.callback()).get('/admin/v1/readyz').expect(503);
    expect(response.body).to.deep.equal({
      status: 'not-ready',
      checks: { database: { ok: true }, barrier: { ok: false, detail: 'sealed' } },
    });
  });

  it('readyz is 503 while starting or draining even when checks pass', async () => {
    const h = harness([ok('database')]);
    h.setPhase('starting');
    const starting = await request(h.app.callback()).get('/admin/v1/readyz').expect(503);
    expect(body(starting).checks.lifecycle).to.deep.equal({ ok: false, detail: 'starting' });
    h.setPhase('draining');
    const draining = await request(h.app.callback()).get('/admin/v1/readyz').expect(503);
    expect(body(draining).checks.lifecycle).to.deep.equal({ ok: false, detail: 'draining' });
  });

  it('a throwing check fails with its class name only, never its message', async () => {
    const h = harness([{ name: 'database', check: () => Promise.reject(new TypeError('password=hunter2')) }]);
    const response = await request(h.app.callback()).get('/admin/v1/readyz').expect(503);
    expect(body(response).checks.database).to.deep.equal({ ok: false, detail: 'check failed (TypeError)' });
    expect(JSON.stringify(response.body)).not.to.include('hunter2');
    const nonError = harness([{ name: 'x', check: () => Promise.reject(new Error('boom')) }, { name: 'y', check: () => { throw new RangeError('sync'); } }]);
    const both = await request(nonError.app.callback()).get('/admin/v1/readyz').expect(503);
    expect(body(both).checks.x?.detail).to.equal('check failed (Error)');
    expect(body(both).checks.y?.detail).to.equal('check failed (RangeError)');
  });

  it('a check that never answers fails after the timeout', async () => {
    const results = await runChecks([{ name: 'hang', check: () => new Promise<CheckResult>(() => undefined) }, ok('fast')], undefined, 30);
    expect(results.hang).to.include({ ok: false, detail: 'no answer within 30 ms' });
    expect(results.fast).to.include({ ok: true });
    expect(results.fast?.latencyMs).to.be.a('number');
  });

  it('healthz reports checks with latency, version, uptime, memory and event-loop delay', async () => {
    const h = harness([ok('database')]);
    const response = await request(h.app.callback()).get('/admin/v1/healthz').expect(200);
    expect(response.body).to.include({ status: 'healthy', service: 'test', version: '1.2.3', phase: 'running', eventLoopDelayMs: 1.5 });
    expect(body(response).uptimeSeconds).to.be.within(4, 7);
    expect(body(response).checks.database?.ok).to.equal(true);
    expect(body(response).checks.database?.latencyMs).to.be.a('number');
    expect(body(response).memory.rssBytes).to.be.greaterThan(0);
    const degraded = harness([failing('database', 'down')]);
    const second = await request(degraded.app.callback()).get('/admin/v1/healthz').expect(200);
    expect(body(second).status).to.equal('degraded');
    degraded.setPhase('draining');
    const failingPhase = harness([ok('database')]);
    failingPhase.setPhase('draining');
    expect(body(await request(failingPhase.app.callback()).get('/admin/v1/healthz')).status).to.equal('degraded');
  });

  it('shutdown answers 202 first and only then starts the drain', async () => {
    const h = harness();
    const response = await request(h.app.callback()).post('/admin/v1/shutdown').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(202);
    expect(response.body).to.deep.equal({ status: 'shutting-down' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.shutdowns).to.deep.equal(['admin request']);
  });

  it('metrics is Prometheus text from the service registry', async () => {
    const h = harness();
    const response = await request(h.app.callback()).get('/admin/v1/metrics').expect(200);
    expect(response.headers['content-type']).to.include('text/plain');
    expect(response.text).to.be.a('string');
  });

  it('unknown paths are 404 problems; wrong methods are 405 with Allow; HEAD uses GET', async () => {
    const h = harness();
    const missing = await request(h.app.callback()).get('/admin/v1/nope').expect(404);
    expect(missing.headers['content-type']).to.include('application/problem+json');
    const wrong = await request(h.app.callback()).get('/admin/v1/shutdown').expect(405);
    expect(wrong.headers.allow).to.equal('POST');
    expect(body(wrong).code).to.equal('method_not_allowed');
    await request(h.app.callback()).head('/admin/v1/livez').expect(200);
  });
});
