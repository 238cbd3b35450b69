// @ts-nocheck
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { NotFoundError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { requestId } from './request-id.ts';
import { problemDetails } from './problem-details.ts';
import { pino } from 'pino';

function app(): Koa<RequestState> {
  const koa = new Koa<RequestState>();
  koa.use(requestId());
  koa.use(problemDetails(pino({ level: 'silent' })));
  koa.use((ctx) => {
    if (ctx.path === '/missing') throw new NotFoundError();
    ctx.body = { seen: ctx.state.requestId };
  });
  return koa;
}

describe('request id', () => {
  it('mints a UUIDv7 when the caller sends none and shares it with downstream', async () => {
    const response = await request(app().callback()).get('/').expect(200);
    const id = response.headers['x-request-id'];
    expect(isUuid(id)).to.equal(true);
    expect(uuidVersion(String(id))).to.equal(7);
    expect(response.body).to.deep.equal({ seen: id });
  });

  it('keeps a safe incoming X-Request-Id', async () => {
    const incoming = 'edge-01:req.42_A-b';
    const response = await request(app().callback()).get('/').set('X-Request-Id', incoming).expect(200);
    expect(response.headers['x-request-id']).to.equal(incoming);
    expect(response.body).to.deep.equal({ seen: incoming });
  });

  for (const [name, unsafe] of [
    ['spaces and quotes', 'a b"c'],
    ['a JSON fragment', '{"level":60}'],
    ['an id longer than 128 characters', 'a'.repeat(129)],
  ] as const) {
    it(`replaces an incoming id with ${name}`, async () => {
      const response = await request(app().callback()).get('/').set('X-Request-Id', unsafe).expect(200);
      expect(response.headers['x-request-id']).not.to.equal(unsafe);
      expect(isUuid(response.headers['x-request-id'])).to.equal(true);
    });
  }

  it('puts the id on error responses too', async () => {
    const response = await request(app().callback()).get('/missing').set('X-Request-Id', 'trace-me').expect(404);
    expect(response.headers['x-request-id']).to.equal('trace-me');
    expect(response.body).to.include({ instance: 'trace-me' });
  });
});
