// @ts-nocheck
import { context, logs, propagation, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import request from 'supertest';
import { ConflictError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { problemDetails } from './problem-details.ts';
import { requestId } from './request-id.ts';
import { tracing } from './tracing.ts';

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];
type EndedSpan = Parameters<SpanProcessor['onEnd']>[0];

function app(): Koa<RequestState> {
  const koa = new Koa<RequestState>();
  koa.use(requestId());
  koa.use(problemDetails(pino({ level: 'silent' })));
  koa.use(tracing('learn-ps'));
  const router = new Router<RequestState>();
  router.get('/service/api/v1/pets/:id', (ctx) => {
    const active = trace.getActiveSpan()?.spanContext();
    ctx.body = { traceId: active?.traceId, spanId: active?.spanId };
  });
  router.post('/service/api/v1/pets', () => { throw new ConflictError('taken'); });
  router.get('/service/api/v1/boom', () => { throw new TypeError('secret in message'); });
  router.get('/service/api/v1/unavailable', (ctx) => { ctx.status = 503; ctx.body = 'later'; });
  koa.use(router.routes());
  return koa;
}

describe('tracing middleware', () => {
  it('works without an SDK: spans are no-ops and requests pass', async () => {
    const response = await request(app().callback()).get('/service/api/v1/pets/1').expect(200);
    // No context manager is registered either, so no span is active inside the handler.
    expect(response.body).to.deep.equal({});
  });

  describe('with an SDK started', () => {
    const ended: EndedSpan[] = [];
    let sdk: NodeSDK;

    beforeEach(() => {
      ended.length = 0;
      const collect: SpanProcessor = {
        onStart: () => undefined,
        onEnd: (span) => { ended.push(span); },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      sdk = new NodeSDK({ spanProcessors: [collect], metricReaders: [], logRecordProcessors: [], autoDetectResources: false });
      sdk.start();
    });

    afterEach(async () => {
      await sdk.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      logs.disable();
    });

    it('opens one SERVER span named after the route template, active while the handler runs', async () => {
      const response = await request(app().callback()).get('/service/api/v1/pets/42?species=cat').expect(200);
      expect(ended).to.have.length(1);
      const [span] = ended;
      expect(span?.name).to.equal('GET /service/api/v1/pets/:id');
      expect(span?.kind).to.equal(1); // SpanKind.SERVER
      expect(span?.attributes).to.include({
        'http.request.method': 'GET',
        'url.path': '/service/api/v1/pets/42',
        'http.route': '/service/api/v1/pets/:id',
        'http.response.status_code': 200,
      });
      expect(span?.status.code).to.equal(0); // UNSET
      expect(response.body).to.deep.equal({ traceId: span?.spanContext().traceId, spanId: span?.spanContext().spanId });
    });

    it('continues the caller\'s W3C trace context', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await request(app().callback()).get('/service/api/v1/pets/1').set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`).expect(200);
      expect(ended[0]?.spanContext().traceId).to.equal(traceId);
      expect(ended[0]?.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
    });

    it('records a thrown 4xx with its status but not as a span error', async () => {
      await request(app().callback()).post('/service/api/v1/pets').expect(409);
      expect(ended[0]?.attributes).to.include({ 'http.response.status_code': 409 });
      expect(ended[0]?.attributes).not.to.have.property('error.type');
      expect(ended[0]?.status.code).to.equal(0);
    });

    it('marks a thrown failure as an error by class, without its message', async () => {
      await request(app().callback()).get('/service/api/v1/boom').expect(500);
      const [span] = ended;
      expect(span?.status.code).to.equal(2); // ERROR
      expect(span?.attributes).to.include({ 'error.type': 'TypeError', 'http.response.status_code': 500 });
      expect(JSON.stringify(span?.events)).not.to.include('secret');
      expect(span?.status.message).to.equal(undefined);
    });

    it('marks an answered 5xx as an error named by its status', async () => {
      await request(app().callback()).get('/service/api/v1/unavailable').expect(503);
      expect(ended[0]?.status.code).to.equal(2);
      expect(ended[0]?.attributes).to.include({ 'error.type': '503' });
    });

    it('keeps a caller\'s unsampled trace active downstream, without recording a span', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      // Flags 00: the caller sampled the trace out; the SDK's parent-based sampler follows it.
      const response = await request(app().callback()).get('/service/api/v1/pets/1').set('traceparent', `00-${traceId}-00f067aa0ba902b7-00`).expect(200);
      expect(ended).to.have.length(0);
      // Active is the request's own (unrecorded) span, child of the caller's: not the caller's span.
      expect(response.body).to.have.property('traceId', traceId);
      expect(response.body).to.have.property('spanId').that.matches(/^[0-9a-f]{16}$/).and.not.equals('00f067aa0ba902b7');
    });

    it('names an unrouted request by its method only', async () => {
      await request(app().callback()).get('/nowhere').expect(404);
      expect(ended[0]?.name).to.equal('GET');
      expect(ended[0]?.attributes).not.to.have.property('http.route');
    });
  });
});
