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
});
