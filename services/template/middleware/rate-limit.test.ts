import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import Koa from 'koa';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import type { RequestState } from '../service.ts';
import { problemDetails } from './problem-details.ts';
import { createRateLimitStore, rateLimit, rateLimitWindow } from './rate-limit.ts';
import type { RateLimitOptions } from './rate-limit.ts';
import { requestId } from './request-id.ts';
import { TEST_REDIS_URL } from '../testing/redis.ts';

/** `proxy` lets a test speak for many clients through X-Forwarded-For (ctx.ip honours it). */
function app(options: RateLimitOptions, proxy = false): Koa<RequestState> {
  const koa = new Koa<RequestState>({ proxy });
  koa.use(requestId());
  koa.use(problemDetails(pino({ level: 'silent' })));
  koa.use(rateLimit(options));
  koa.use((ctx) => { ctx.body = { ok: true }; });
  return koa;
}

async function statuses(koa: Koa<RequestState>, count: number, client?: string): Promise<number[]> {
  const seen: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const call = request(koa.callback()).get('/');
    const response = await (client === undefined ? call : call.set('X-Forwarded-For', client));
    seen.push(response.status);
  }
  return seen;
}

describe('rate limit (rateLimit.perSecond, rateLimit.burst)', () => {
  it('maps rate and burst onto a window whose average is the sustained rate', () => {
    expect(rateLimitWindow(1000, 2000)).to.deep.equal({ max: 3000, durationMs: 3000 });
    expect(rateLimitWindow(10, 0)).to.deep.equal({ max: 10, durationMs: 1000 });
    expect(rateLimitWindow(3, 1)).to.deep.equal({ max: 4, durationMs: 1334 });
  });

  it('admits perSecond + burst at once, then answers a 429 problem with Retry-After', async () => {
    const koa = app({ perSecond: 1, burst: 2 });
    expect(await statuses(koa, 3)).to.deep.equal([200, 200, 200]);
    const refused = await request(koa.callback()).get('/').expect(429);
    expect(refused.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(refused.body).to.include({ code: 'too_many_requests', status: 429 });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).to.be.within(1, 3);
    expect(refused.headers['x-ratelimit-limit']).to.equal('3');
    expect(refused.headers['x-ratelimit-remaining']).to.equal('0');
  });

  it('keeps a separate budget per client address', async () => {
    const koa = app({ perSecond: 1, burst: 0 }, true);
    expect(await statuses(koa, 2, '192.0.2.1')).to.deep.equal([200, 429]);
    expect(await statuses(koa, 2, '192.0.2.2')).to.deep.equal([200, 429]);
    // One IPv6 host owns its /64: another address in it shares the budget.
    expect(await statuses(koa, 1, '2001:db8::1')).to.deep.equal([200]);
    expect(await statuses(koa, 1, '2001:db8::2')).to.deep.equal([429]);
  });

  it('tells IPv4 and IPv6 peers apart over real sockets', async () => {
    const handle = app({ perSecond: 1, burst: 0 }).callback();
    const server = createServer((req, res) => { void handle(req, res); }).listen(0, '::');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      await request(`http://127.0.0.1:${port}`).get('/').expect(200);
      await request(`http://127.0.0.1:${port}`).get('/').expect(429);
      await request(`http://[::1]:${port}`).get('/').expect(200);
    } finally {
      server.close();
    }
  });

  it('is off when perSecond is 0', async () => {
    expect(await statuses(app({ perSecond: 0, burst: 0 }), 5)).to.deep.equal([200, 200, 200, 200, 200]);
  });

  describe('in-memory store bounds', () => {
    it('forgets the oldest client first when full', async () => {
      // A 10 s window (1/s with a burst of 9), so a slow machine cannot see it refill mid-test.
      const koa = app({ perSecond: 1, burst: 9, maxClients: 2 }, true);
      const spent = [...Array<number>(10).fill(200), 429];
      expect(await statuses(koa, 11, '192.0.2.1')).to.deep.equal(spent);
      expect(await statuses(koa, 11, '192.0.2.2')).to.deep.equal(spent);
      expect(await statuses(koa, 1, '192.0.2.3')).to.deep.equal([200]);
      expect(await statuses(koa, 1, '192.0.2.2')).to.deep.equal([429]);
      expect(await statuses(koa, 1, '192.0.2.1')).to.deep.equal([200]);
    });

    it('drops finished windows before live ones', async () => {
      let offsetMs = 0;
      const koa = app({ perSecond: 1, burst: 0, maxClients: 2, now: () => Date.now() + offsetMs }, true);
      expect(await statuses(koa, 2, '192.0.2.1')).to.deep.equal([200, 429]);
      expect(await statuses(koa, 2, '192.0.2.2')).to.deep.equal([200, 429]);
      offsetMs = 10_000;
      expect(await statuses(koa, 1, '192.0.2.3')).to.deep.equal([200]);
      // Both finished windows went, so the newer of them is forgotten too (oldest-first would keep it).
      expect(await statuses(koa, 1, '192.0.2.2')).to.deep.equal([200]);
    });
  });

  describe('Redis store (shared by replicas)', () => {
    let redis: Redis;
    let namespace: string;

    beforeEach(() => {
      redis = createRateLimitStore(TEST_REDIS_URL);
      namespace = `cryptoutil:test:ratelimit:${randomUUID()}`;
    });

    afterEach(async () => {
      const keys = await redis.keys(`${namespace}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    it('shares one budget between two replicas', async () => {
      const replicaA = app({ perSecond: 1, burst: 1, redis, namespace });
      const replicaB = app({ perSecond: 1, burst: 1, redis, namespace });
      expect(await statuses(replicaA, 1)).to.deep.equal([200]);
      expect(await statuses(replicaB, 1)).to.deep.equal([200]);
      const refused = await request(replicaA.callback()).get('/').expect(429);
      expect(Number(refused.headers['retry-after'])).to.be.within(1, 2);
      expect(await redis.keys(`${namespace}:*`)).to.deep.equal([`${namespace}:127.0.0.1`]);
    });
  });

  describe('a failing Redis store (rateLimit.onStoreFailure)', () => {
    function recording(): { logger: Logger; lines: Record<string, unknown>[] } {
      const lines: Record<string, unknown>[] = [];
      return { lines, logger: pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } }) };
    }

    function counter(): Counter<'outcome'> {
      return new Counter({ name: 'rate_limit_store_failures_total', help: 'test', labelNames: ['outcome'] as const, registers: [new Registry()] });
    }

    async function counted(failures: Counter<'outcome'>): Promise<Record<string, number>> {
      return Object.fromEntries((await failures.get()).values.map((value) => [String(value.labels.outcome), value.value]));
    }

    it('fails open by default: requests pass unlimited, logged once (error class only) and counted', async () => {
      const { logger, lines } = recording();
      const storeFailures = counter();
      const redis = createRateLimitStore('redis://:hunter2@127.0.0.1:1', logger);
      try {
        const koa = app({ perSecond: 1, burst: 0, redis, logger, storeFailures });
        expect(await statuses(koa, 3)).to.deep.equal([200, 200, 200]);
        expect(lines.filter((line) => line.msg === 'rate-limit store failing; requests are let through unlimited')).to.have.length(1);
        expect(lines.find((line) => String(line.msg).startsWith('rate-limit store failing'))).to.include({ level: 40, onStoreFailure: 'open' });
        expect(lines.filter((line) => line.msg === 'rate-limit store unavailable'), 'the client says so too, once').to.have.length(1);
        expect(JSON.stringify(lines)).not.to.include('hunter2');
        expect(await counted(storeFailures)).to.deep.equal({ allowed: 3 });
      } finally {
        redis.disconnect();
      }
    });

    it('fails closed when told to: a 503 problem with Retry-After, counted as refused', async () => {
      const storeFailures = counter();
      const redis = createRateLimitStore('redis://127.0.0.1:1');
      try {
        const refused = await request(app({ perSecond: 5, burst: 5, redis, onStoreFailure: 'closed', storeFailures }).callback()).get('/').expect(503);
        expect(refused.headers['content-type']).to.match(/^application\/problem\+json/);
        expect(refused.body).to.include({ code: 'service_unavailable', detail: 'the rate limiter cannot reach its store' });
        expect(refused.headers['retry-after']).to.equal('1');
        expect(await counted(storeFailures)).to.deep.equal({ refused: 1 });
      } finally {
        redis.disconnect();
      }
    });

    it('applies limits again once the store answers, and says so once', async () => {
      const { logger, lines } = recording();
      const storeFailures = counter();
      const redis = createRateLimitStore(TEST_REDIS_URL, logger);
      const namespace = `cryptoutil:ratelimit:recovery-${randomUUID()}`;
      try {
        await redis.ping();
        const koa = app({ perSecond: 5, burst: 5, redis, namespace, logger, storeFailures });
        redis.disconnect();
        const unlimited = await request(koa.callback()).get('/').expect(200);
        expect(unlimited.headers).not.to.have.property('x-ratelimit-remaining');
        await redis.connect();
        const limited = await request(koa.callback()).get('/').expect(200);
        expect(limited.headers['x-ratelimit-remaining']).to.equal('9');
        expect(lines.filter((line) => line.msg === 'rate-limit store answering again; limits apply')).to.have.length(1);
        expect(await counted(storeFailures)).to.deep.equal({ allowed: 1 });
      } finally {
        await redis.del(`${namespace}:127.0.0.1`);
        redis.disconnect();
      }
    });

    it('does not take an error of the route for one of the store', async () => {
      const storeFailures = counter();
      const koa = new Koa<RequestState>();
      koa.use(requestId());
      koa.use(problemDetails(pino({ level: 'silent' })));
      koa.use(rateLimit({ perSecond: 5, burst: 5, storeFailures }));
      koa.use(() => { throw new Error('the route broke'); });
      await request(koa.callback()).get('/').expect(500);
      expect(await counted(storeFailures)).to.deep.equal({});
    });

    it('logs the store client\'s connection errors once per outage, and again for the next one', async () => {
      const { logger, lines } = recording();
      const redis = createRateLimitStore('redis://127.0.0.1:1', logger);
      const told = (): number => lines.filter((line) => line.msg === 'rate-limit store unavailable').length;
      // The client's own listener runs first: once an error is seen here, it has been logged or not.
      const errors = async (count: number): Promise<void> => {
        for (let seen = 0; seen < count; seen += 1) await once(redis, 'error');
      };
      try {
        await errors(3);
        expect(told(), 'three failed attempts, one line').to.equal(1);
        // A connection that became ready ends the outage.
        redis.emit('ready');
        await errors(1);
        expect(told()).to.equal(2);
      } finally {
        redis.disconnect();
      }
    });
  });
});
