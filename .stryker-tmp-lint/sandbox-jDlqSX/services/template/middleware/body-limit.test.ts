// @ts-nocheck
import { Readable } from 'node:stream';
import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import request from 'supertest';
import type { RequestState } from '../service.ts';
import { bodyLimit } from './body-limit.ts';
import { problemDetails } from './problem-details.ts';
import { requestId } from './request-id.ts';

function app(limit: number, spoil?: (ctx: Koa.ParameterizedContext<RequestState>) => void): Koa<RequestState> {
  const koa = new Koa<RequestState>();
  koa.use(requestId());
  koa.use(problemDetails(pino({ level: 'silent' })));
  koa.use(async (ctx, next) => {
    spoil?.(ctx);
    await next();
  });
  koa.use(bodyLimit(limit));
  koa.use((ctx) => {
    const { body } = ctx.state;
    ctx.body = Buffer.isBuffer(body)
      ? { kind: 'bytes', hex: body.toString('hex') }
      : { kind: body === undefined ? 'none' : 'json', value: body };
  });
  return koa;
}

describe('body limit and decoding', () => {
  it('parses application/json into ctx.state.body', async () => {
    const response = await request(app(1024).callback()).post('/').send({ name: 'Rex', priceCents: 1200 }).expect(200);
    expect(response.body).to.deep.equal({ kind: 'json', value: { name: 'Rex', priceCents: 1200 } });
  });

  it('parses +json media types and an explicit UTF-8 charset', async () => {
    const response = await request(app(1024).callback())
      .patch('/').set('Content-Type', 'application/merge-patch+json; charset=UTF-8').send('{"stock":3}').expect(200);
    expect(response.body).to.deep.equal({ kind: 'json', value: { stock: 3 } });
  });

  it('keeps octet-stream and JOSE bodies as bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const octets = await request(app(1024).callback()).post('/').set('Content-Type', 'application/octet-stream').send(bytes).expect(200);
    expect(octets.body).to.deep.equal({ kind: 'bytes', hex: '000102ff' });
    const jose = await request(app(1024).callback()).post('/').set('Content-Type', 'application/jose').send('eyJ.a.b').expect(200);
    expect(jose.body).to.deep.equal({ kind: 'bytes', hex: Buffer.from('eyJ.a.b').toString('hex') });
  });

  it('leaves the body undefined when there is none', async () => {
    expect((await request(app(1024).callback()).get('/').expect(200)).body).to.deep.equal({ kind: 'none' });
    const empty = await request(app(1024).callback()).post('/').set('Content-Type', 'application/json').set('Content-Length', '0').expect(200);
    expect(empty.body).to.deep.equal({ kind: 'none' });
  });

  it('answers malformed JSON with a 400 problem that does not echo the input', async () => {
    const response = await request(app(1024).callback())
      .post('/').set('Content-Type', 'application/json').send('{"password": "hunter2",').expect(400);
    expect(response.body).to.include({ code: 'bad_request' });
    expect(response.text).not.to.include('hunter2');
  });

  it('answers JSON that is not UTF-8 with 400, and a non-UTF-8 charset with 415', async () => {
    // write() sends raw bytes; send() would serialize a Buffer as JSON.
    const invalid = request(app(1024).callback()).post('/').set('Content-Type', 'application/json');
    invalid.write(Buffer.from([0x22, 0xff, 0x22]));
    await invalid.expect(400);
    const latin = await request(app(1024).callback())
      .post('/').set('Content-Type', 'application/json; charset=iso-8859-1').send('{}').expect(415);
    expect(latin.body).to.include({ code: 'unsupported_media_type' });
  });

  it('refuses a declared Content-Length above the limit before reading', async () => {
    const response = await request(app(16).callback())
      .post('/').set('Content-Type', 'application/octet-stream').set('Connection', 'keep-alive').send(Buffer.alloc(17)).expect(413);
    expect(response.body).to.include({ code: 'payload_too_large', detail: 'request body exceeds 16 bytes' });
    expect(response.headers.connection).to.equal('close');
  });

  it('accepts a body of exactly the limit', async () => {
    await request(app(16).callback()).post('/').set('Content-Type', 'application/octet-stream').send(Buffer.alloc(16)).expect(200);
  });

  it('stops a chunked body of undeclared length at the limit', async () => {
    // Bytes written without send() go out chunked, with no Content-Length to refuse early.
    const chunked = request(app(16).callback()).post('/').set('Content-Type', 'application/octet-stream');
    chunked.write(Buffer.alloc(10));
    chunked.write(Buffer.alloc(10));
    const response = await chunked.expect(413);
    expect(response.body).to.include({ code: 'payload_too_large' });
    const fits = request(app(16).callback()).post('/').set('Content-Type', 'application/octet-stream');
    fits.write(Buffer.alloc(10));
    expect((await fits.expect(200)).body).to.deep.equal({ kind: 'bytes', hex: '00'.repeat(10) });
  });

  it('answers a body shorter than its Content-Length with 400', async () => {
    // Stand in for a client that declared more than it sent: swap the request stream under Koa.
    const shortBody = app(1024, (ctx) => {
      const stream = Readable.from([Buffer.from('abc')]);
      Object.assign(stream, { headers: ctx.req.headers });
      Object.defineProperty(ctx, 'req', { value: stream });
    });
    const response = await request(shortBody.callback()).post('/').set('Content-Type', 'application/octet-stream').send('abcdef').expect(400);
    expect(response.body).to.include({ code: 'bad_request' });
  });

  it('lets other read failures through as internal errors', async () => {
    const failing = app(1024, (ctx) => {
      const stream = new Readable({ read() { this.destroy(new Error('disk on fire')); } });
      Object.defineProperty(ctx, 'req', { value: stream });
    });
    const response = await request(failing.callback()).post('/').set('Content-Type', 'application/octet-stream').send('abc').expect(500);
    expect(response.text).not.to.include('disk on fire');
  });
});
