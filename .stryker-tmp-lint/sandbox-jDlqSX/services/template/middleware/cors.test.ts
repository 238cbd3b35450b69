// @ts-nocheck
import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import request from 'supertest';
import { UnauthorizedError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { cors } from './cors.ts';
import { problemDetails } from './problem-details.ts';
import { requestId } from './request-id.ts';

const CONSOLE = 'https://console.example.test';

function app(): Koa<RequestState> {
  const koa = new Koa<RequestState>();
  koa.use(requestId());
  koa.use(problemDetails(pino({ level: 'silent' })));
  koa.use(cors([CONSOLE]));
  koa.use((ctx) => {
    if (ctx.get('Authorization') === '') throw new UnauthorizedError('missing bearer token');
    ctx.body = { ok: true };
  });
  return koa;
}

describe('CORS (cors.origins, /browser only)', () => {
  it('echoes an allowed origin on /browser/ with credentials and exposed headers', async () => {
    const response = await request(app().callback())
      .get('/browser/api/v1/pets').set('Origin', CONSOLE).set('Authorization', 'Bearer t').expect(200);
    expect(response.headers['access-control-allow-origin']).to.equal(CONSOLE);
    expect(response.headers['access-control-allow-credentials']).to.equal('true');
    expect(String(response.headers['access-control-expose-headers'])).to.include('X-Request-Id');
    expect(String(response.headers.vary)).to.include('Origin');
  });

  it('sends no CORS headers to an origin outside the allowlist', async () => {
    const response = await request(app().callback())
      .get('/browser/api/v1/pets').set('Origin', 'https://evil.example.test').set('Authorization', 'Bearer t').expect(200);
    expect(response.headers).not.to.have.property('access-control-allow-origin');
    expect(response.headers).not.to.have.property('access-control-allow-credentials');
  });

  it('never answers CORS on /service/ routes, even for an allowed origin', async () => {
    const response = await request(app().callback())
      .get('/service/api/v1/pets').set('Origin', CONSOLE).set('Authorization', 'Bearer t').expect(200);
    expect(response.headers).not.to.have.property('access-control-allow-origin');
    const preflight = await request(app().callback())
      .options('/service/api/v1/pets').set('Origin', CONSOLE).set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers).not.to.have.property('access-control-allow-origin');
  });

  it('answers a preflight for an allowed origin before authentication runs', async () => {
    const response = await request(app().callback())
      .options('/browser/api/v1/pets')
      .set('Origin', CONSOLE)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type')
      .expect(204);
    expect(response.headers['access-control-allow-origin']).to.equal(CONSOLE);
    expect(response.headers['access-control-allow-credentials']).to.equal('true');
    expect(String(response.headers['access-control-allow-methods'])).to.include('POST');
    expect(String(response.headers['access-control-allow-headers'])).to.include('Authorization').and.to.include('DPoP');
    expect(response.headers['access-control-max-age']).to.equal('600');
  });

  it('keeps CORS headers on error responses so the browser can read the problem', async () => {
    const response = await request(app().callback()).get('/browser/api/v1/pets').set('Origin', CONSOLE).expect(401);
    expect(response.headers['access-control-allow-origin']).to.equal(CONSOLE);
    expect(response.body).to.include({ code: 'unauthorized' });
  });
});
