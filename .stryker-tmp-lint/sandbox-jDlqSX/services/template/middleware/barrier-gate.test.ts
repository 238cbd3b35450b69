// @ts-nocheck
import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import request from 'supertest';
import type { RequestState } from '../service.ts';
import { barrierGate } from './barrier-gate.ts';
import { problemDetails } from './problem-details.ts';
import { requestId } from './request-id.ts';

function app(sealed: () => boolean): Koa<RequestState> {
  const koa = new Koa<RequestState>();
  koa.use(requestId());
  koa.use(problemDetails(pino({ level: 'silent' })));
  koa.use(barrierGate({ isSealed: sealed }));
  koa.use((ctx) => { ctx.body = { handled: true }; });
  return koa;
}

describe('barrier gate (DESIGN "Barrier": business endpoints 503 while sealed)', () => {
  it('answers 503 problem+json with Retry-After while sealed, and never reaches the handler', async () => {
    const response = await request(app(() => true).callback()).get('/service/api/v1/anything').expect(503);
    expect(response.headers['content-type']).to.include('application/problem+json');
    expect(response.headers['retry-after']).to.equal('5');
    expect(response.body).to.include({ status: 503, code: 'service_unavailable' });
    expect((response.body as { detail: string }).detail).to.include('sealed');
  });

  it('passes requests through once unsealed, asking the barrier on every request', async () => {
    let sealed = false;
    const handler = app(() => sealed).callback();
    await request(handler).get('/x').expect(200, { handled: true });
    sealed = true;
    await request(handler).get('/x').expect(503);
  });
});
