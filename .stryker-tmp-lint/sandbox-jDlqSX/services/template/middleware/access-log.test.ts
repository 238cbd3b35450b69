// @ts-nocheck
import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import type { Logger } from 'pino';
import request from 'supertest';
import { ForbiddenError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { accessLog } from './access-log.ts';
import { requestId } from './request-id.ts';

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
  return { logger, lines };
}

function app(logger: Logger): Koa<RequestState> {
  const koa = new Koa<RequestState>();
  koa.silent = true;
  koa.use(requestId());
  koa.use(accessLog(logger));
  koa.use((ctx) => {
    if (ctx.path === '/denied') throw new ForbiddenError('no');
    if (ctx.path === '/broken') throw new Error('secret database password in here');
    ctx.body = { hello: 'world' };
  });
  return koa;
}

describe('access log', () => {
  it('writes one line per request with method, path, status, duration, id, peer, agent and length', async () => {
    const { logger, lines } = capture();
    await request(app(logger).callback()).get('/service/api/v1/pets').set('User-Agent', 'pets-cli/1.0').set('X-Request-Id', 'req-7').expect(200);
    expect(lines).to.have.length(1);
    const [line] = lines;
    expect(line).to.include({
      msg: 'request completed',
      requestId: 'req-7',
      method: 'GET',
      path: '/service/api/v1/pets',
      status: 200,
      remoteAddress: '127.0.0.1',
      userAgent: 'pets-cli/1.0',
      responseLength: 17,
    });
    expect(line?.durationMs).to.be.a('number').and.at.least(0);
  });

  it('never writes headers, the query string or the body, where tokens travel', async () => {
    const { logger, lines } = capture();
    const token = 'eyJhbGciOiJFUzI1NiJ9.c2VjcmV0.sig';
    await request(app(logger).callback())
      .post('/service/api/v1/pets?access_token=' + token)
      .set('Authorization', `Bearer ${token}`)
      .set('Cookie', `session=${token}`)
      .send({ password: token })
      .expect(200);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ path: '/service/api/v1/pets' });
    expect(JSON.stringify(lines)).not.to.include(token).and.not.to.include('access_token');
  });

  it('also logs a request whose error escaped, with the status it is answered with', async () => {
    const { logger, lines } = capture();
    await request(app(logger).callback()).get('/denied').expect(403);
    await request(app(logger).callback()).get('/broken').expect(500);
    expect(lines.map((line) => line.status)).to.deep.equal([403, 500]);
    expect(JSON.stringify(lines)).not.to.include('password');
  });

  it('bounds what a client controls: a huge user agent or path is cut', async () => {
    const { logger, lines } = capture();
    await request(app(logger).callback()).get(`/${'p'.repeat(5000)}`).set('User-Agent', 'u'.repeat(5000)).expect(200);
    expect(String(lines[0]?.userAgent)).to.have.length(256);
    expect(String(lines[0]?.path)).to.have.length(2048);
  });

  it('leaves the length out when the response has no body', async () => {
    const { logger, lines } = capture();
    const koa = new Koa<RequestState>();
    koa.use(requestId());
    koa.use(accessLog(logger));
    koa.use((ctx) => { ctx.status = 204; });
    await request(koa.callback()).delete('/pets/1').expect(204);
    expect(lines[0]).to.include({ status: 204 }).and.not.to.have.property('responseLength');
  });

  describe('response length without a second serialization', () => {
    function answering(body: () => unknown, type?: string): { koa: Koa<RequestState>; lines: Record<string, unknown>[] } {
      const { logger, lines } = capture();
      const koa = new Koa<RequestState>();
      koa.use(accessLog(logger));
      koa.use((ctx) => {
        ctx.body = body();
        if (type !== undefined) ctx.type = type;
      });
      return { koa, lines };
    }

    it('serializes a plain object once and sends exactly what Koa would have sent', async () => {
      let reads = 0;
      const { koa, lines } = answering(() => ({ get hello() { reads += 1; return 'wörld'; } }));
      const response = await request(koa.callback()).get('/').expect(200);
      expect(reads).to.equal(1);
      expect(response.text).to.equal('{"hello":"wörld"}');
      expect(response.headers['content-type']).to.equal('application/json; charset=utf-8');
      expect(lines[0]).to.include({ responseLength: Buffer.byteLength('{"hello":"wörld"}') });
      expect(response.headers['content-length']).to.equal(String(lines[0]?.responseLength));
    });

    it('keeps the JSON media type a step chose, such as problem+json', async () => {
      const { koa, lines } = answering(() => ({ status: 404 }), 'application/problem+json');
      const response = await request(koa.callback()).get('/').expect(200);
      expect(response.headers['content-type']).to.equal('application/problem+json');
      expect(lines[0]).to.include({ responseLength: 14 });
    });

    it('treats arrays and null-prototype objects as plain data', async () => {
      const list = answering(() => [1, 2]);
      expect((await request(list.koa.callback()).get('/').expect(200)).text).to.equal('[1,2]');
      expect(list.lines[0]).to.include({ responseLength: 5 });
      const bare = answering(() => Object.assign(Object.create(null) as object, { a: 1 }));
      expect((await request(bare.koa.callback()).get('/').expect(200)).text).to.equal('{"a":1}');
      expect(bare.lines[0]).to.include({ responseLength: 7 });
    });

    it('leaves class instances, strings and buffers to Koa, lengths still logged', async () => {
      const instance = answering(() => new Date(0));
      expect((await request(instance.koa.callback()).get('/').expect(200)).text).to.equal('"1970-01-01T00:00:00.000Z"');
      expect(instance.lines[0]).to.include({ responseLength: 26 });
      const text = answering(() => 'plain');
      expect((await request(text.koa.callback()).get('/').expect(200)).text).to.equal('plain');
      expect(text.lines[0]).to.include({ responseLength: 5 });
      const bytes = answering(() => Buffer.from([1, 2, 3]));
      await request(bytes.koa.callback()).get('/').expect(200);
      expect(bytes.lines[0]).to.include({ responseLength: 3 });
    });
  });
});
