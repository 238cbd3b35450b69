// @ts-nocheck
import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import request from 'supertest';
import { NotFoundError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { problemDetails } from './problem-details.ts';
import { requestId } from './request-id.ts';
import { NO_STORE, PERMISSIONS_POLICY, securityHeaders } from './security-headers.ts';

function app(issuer?: string): Koa<RequestState> {
  const koa = new Koa<RequestState>();
  koa.use(requestId());
  koa.use(problemDetails(pino({ level: 'silent' })));
  koa.use(issuer === undefined ? securityHeaders() : securityHeaders(issuer));
  koa.use((ctx) => {
    if (ctx.path === '/missing') throw new NotFoundError();
    if (ctx.path === '/public') ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = { ok: true };
  });
  return koa;
}

function directives(header: unknown): Record<string, string> {
  return Object.fromEntries(String(header).split(';').map((part) => {
    const [name = '', ...values] = part.trim().split(/\s+/);
    return [name, values.join(' ')];
  }));
}

describe('security headers', () => {
  it('gives API responses a CSP that allows nothing', async () => {
    const response = await request(app().callback()).get('/service/api/v1/pets').expect(200);
    expect(directives(response.headers['content-security-policy'])).to.deep.equal({
      'default-src': "'none'",
      'frame-ancestors': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
    });
  });

  it('sets HSTS for at least a year with subdomains, nosniff, no-referrer and framing denial', async () => {
    const response = await request(app().callback()).get('/').expect(200);
    const hsts = String(response.headers['strict-transport-security']);
    expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).to.be.at.least(31_536_000);
    expect(hsts).to.include('includeSubDomains');
    expect(response.headers).to.include({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-resource-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'x-permitted-cross-domain-policies': 'none',
    });
    expect(response.headers).not.to.have.property('x-powered-by');
  });

  it('keeps the headers on error responses', async () => {
    const response = await request(app().callback()).get('/missing').expect(404);
    expect(response.headers['content-security-policy']).to.include("default-src 'none'");
    expect(response.headers['x-content-type-options']).to.equal('nosniff');
    expect(response.headers).to.include({ 'cache-control': NO_STORE, 'permissions-policy': PERMISSIONS_POLICY });
  });

  it('RFC 9111 §5.2.2.5: every response is no-store unless its route serves a public document', async () => {
    for (const path of ['/service/api/v1/keys', '/browser/api/v1/keys', '/ui/swagger/']) {
      const response = await request(app().callback()).get(path).expect(200);
      expect(response.headers['cache-control'], path).to.equal('no-store');
    }
    const open = await request(app().callback()).get('/public').expect(200);
    expect(open.headers['cache-control']).to.equal('public, max-age=300');
  });

  it('Permissions-Policy denies every listed feature to the page and its frames', async () => {
    const response = await request(app().callback()).get('/ui/swagger/').expect(200);
    const policy = String(response.headers['permissions-policy']).split(', ');
    expect(policy).to.include.members(['camera=()', 'microphone=()', 'geolocation=()', 'payment=()', 'usb=()']);
    expect(policy.every((entry) => /^[a-z-]+=\(\)$/.test(entry))).to.equal(true);
  });

  it('relaxes the policy only as far as Swagger UI needs, and only under /ui/swagger/', async () => {
    const response = await request(app().callback()).get('/ui/swagger/index.html').expect(200);
    expect(directives(response.headers['content-security-policy'])).to.deep.equal({
      'default-src': "'none'",
      'frame-ancestors': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
    });
    const elsewhere = await request(app().callback()).get('/ui/swaggerish').expect(200);
    expect(elsewhere.headers['content-security-policy']).not.to.include('script-src');
  });

  it('lets Swagger UI call the issuer\'s origin, and no other, for a token', async () => {
    const page = await request(app('https://127.0.0.1:8180/realm/').callback()).get('/ui/swagger/').expect(200);
    expect(directives(page.headers['content-security-policy'])['connect-src']).to.equal("'self' https://127.0.0.1:8180");
    const api = await request(app('https://127.0.0.1:8180').callback()).get('/service/api/v1/pets').expect(200);
    expect(directives(api.headers['content-security-policy'])).not.to.have.property('connect-src');
    const none = await request(app('').callback()).get('/ui/swagger/').expect(200);
    expect(directives(none.headers['content-security-policy'])['connect-src']).to.equal("'self'");
  });

  it('sets every header koa-helmet sets, with its values, and removes X-Powered-By', async () => {
    const koa = new Koa<RequestState>();
    koa.use(async (ctx, next) => {
      ctx.set('X-Powered-By', 'an upstream framework');
      await next();
    });
    koa.use(securityHeaders());
    koa.use((ctx) => { ctx.body = 'ok'; });
    const response = await request(koa.callback()).get('/service/api/v1/pets').expect(200);
    const notHelmets = new Set(['date', 'connection', 'content-type', 'content-length']);
    const hardening = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !notHelmets.has(name)));
    expect(hardening).to.deep.equal({
      'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=63072000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'DENY',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
      'permissions-policy': PERMISSIONS_POLICY,
      'cache-control': 'no-store',
    });
  });
});
