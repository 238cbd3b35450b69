import { OCSPResponse, OCSPResponseStatus } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { certId, ocspRequestDer } from '../testing/requests.ts';
import { createTestHierarchy, testSerial, type TestHierarchy } from '../testing/test-ca.ts';
import type { CertStatus } from './response.ts';
import { OCSP_BODY_LIMIT_BYTES, ocspRoutes, type OcspAuthority } from './index.ts';

const NOW = new Date('2026-07-08T09:10:11Z');

function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => { callback(null, Buffer.concat(chunks)); });
}

function statusOf(body: unknown): OCSPResponseStatus {
  return AsnConvert.parse(body as Buffer, OCSPResponse).responseStatus;
}

describe('OCSP over HTTP (RFC 6960 Appendix A, RFC 5019)', function () {
  let hierarchy: TestHierarchy;
  let serial: string;
  let der: Uint8Array;
  let lookup: (serialHex: string) => Promise<CertStatus>;
  let resolveFails: boolean;
  let app: Koa;

  before(async function () {
    hierarchy = await createTestHierarchy('ES256');
    serial = testSerial();
    der = ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: serial })]);
  });

  beforeEach(function () {
    lookup = () => Promise.resolve({ status: 'good' });
    resolveFails = false;
    const authority = (): OcspAuthority => ({ issuer: hierarchy.issuing.certificate, responder: hierarchy.issuing, lookup: (serialHex) => lookup(serialHex), validitySeconds: 600 });
    app = new Koa();
    app.use(ocspRoutes((caName) => {
      if (resolveFails) return Promise.reject(new Error('store down'));
      return Promise.resolve(caName === 'issuing' ? authority() : undefined);
    }, { now: () => NOW }));
  });

  function post(path: string, body: Uint8Array, type = 'application/ocsp-request'): request.Test {
    return request(app.callback()).post(path).set('Content-Type', type).send(Buffer.from(body)).buffer(true).parse(binary);
  }

  function get(path: string): request.Test {
    return request(app.callback()).get(path).buffer(true).parse(binary);
  }

  it('POST answers 200 application/ocsp-response, successful, not to be cached', async function () {
    const res = await post('/pki/v1/ocsp/issuing', der);
    expect(res.status).to.equal(200);
    expect(res.type).to.equal('application/ocsp-response');
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(statusOf(res.body)).to.equal(OCSPResponseStatus.successful);
  });

  it('GET of the URL-encoded base64 request answers with RFC 5019 caching headers until nextUpdate', async function () {
    const res = await get(`/pki/v1/ocsp/issuing/${encodeURIComponent(Buffer.from(der).toString('base64'))}`);
    expect(res.status).to.equal(200);
    expect(statusOf(res.body)).to.equal(OCSPResponseStatus.successful);
    expect(res.headers['cache-control']).to.equal('max-age=600, public, no-transform, must-revalidate');
    expect(res.headers['last-modified']).to.equal(NOW.toUTCString());
    expect(res.headers.expires).to.equal(new Date(NOW.getTime() + 600_000).toUTCString());
  });

  it('GET accepts base64 whose slashes were left unencoded, and HEAD is answered like GET', async function () {
    let withSlash = der;
    let serialWithSlash = serial;
    // Find a request whose base64 has a '/', so the raw path has more than one segment after the CA.
    while (!Buffer.from(withSlash).toString('base64').includes('/')) {
      serialWithSlash = testSerial();
      withSlash = ocspRequestDer([certId({ issuer: hierarchy.issuing.certificate, serialHex: serialWithSlash })]);
    }
    const asked: string[] = [];
    lookup = (serialHex) => { asked.push(serialHex); return Promise.resolve({ status: 'good' }); };
    const path = `/pki/v1/ocsp/issuing/${Buffer.from(withSlash).toString('base64').replaceAll('+', '%2B').replaceAll('=', '%3D')}`;
    const res = await get(path);
    expect(statusOf(res.body)).to.equal(OCSPResponseStatus.successful);
    expect(asked).to.deep.equal([serialWithSlash]);
    const head = await request(app.callback()).head(path);
    expect(head.status).to.equal(200);
    expect(head.headers['content-type']).to.equal('application/ocsp-response');
  });

  it('a CA it does not serve is answered unauthorized (RFC 6960 §2.3)', async function () {
    const res = await post('/pki/v1/ocsp/elsewhere', der);
    expect(res.status).to.equal(200);
    expect(statusOf(res.body)).to.equal(OCSPResponseStatus.unauthorized);
  });

  it('a body, a path that is not base64 or not URL-encoding, or bytes that are no request are malformedRequest', async function () {
    expect(statusOf((await post('/pki/v1/ocsp/issuing', new Uint8Array([1, 2, 3]))).body)).to.equal(OCSPResponseStatus.malformedRequest);
    expect(statusOf((await get('/pki/v1/ocsp/issuing/not*base64')).body)).to.equal(OCSPResponseStatus.malformedRequest);
    expect(statusOf((await get('/pki/v1/ocsp/issuing/%E0%A4%A')).body)).to.equal(OCSPResponseStatus.malformedRequest);
    expect(statusOf((await get('/pki/v1/ocsp/issuing/')).body)).to.equal(OCSPResponseStatus.malformedRequest);
    const res = await get('/pki/v1/ocsp/issuing/AAAA');
    expect(statusOf(res.body)).to.equal(OCSPResponseStatus.malformedRequest);
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('a failing status store or CA lookup is internalError, with nothing of the cause', async function () {
    lookup = () => Promise.reject(new Error('database is down'));
    const failed = await post('/pki/v1/ocsp/issuing', der);
    expect(statusOf(failed.body)).to.equal(OCSPResponseStatus.internalError);
    expect((failed.body as Buffer).toString('latin1')).to.not.include('database');
    resolveFails = true;
    expect(statusOf((await post('/pki/v1/ocsp/issuing', der)).body)).to.equal(OCSPResponseStatus.internalError);
  });

  it('refuses another media type (415), another method (405) and a body over 64 KiB (413)', async function () {
    expect((await post('/pki/v1/ocsp/issuing', der, 'application/octet-stream')).status).to.equal(415);
    const put = await request(app.callback()).put('/pki/v1/ocsp/issuing');
    expect(put.status).to.equal(405);
    expect(put.headers.allow).to.equal('POST');
    expect((await request(app.callback()).post(`/pki/v1/ocsp/issuing/${Buffer.from(der).toString('base64')}`)).headers.allow).to.equal('GET, HEAD');
    expect((await post('/pki/v1/ocsp/issuing', new Uint8Array(OCSP_BODY_LIMIT_BYTES + 1))).status).to.equal(413);
  });

  it('a body that cannot be read is malformedRequest', async function () {
    const koa = new Koa();
    let answered: unknown;
    koa.use(async (ctx, next) => { await next(); answered = ctx.body; });
    // The connection goes away before the body is read, as when a client aborts.
    koa.use(async (ctx, next) => { ctx.req.destroy(); await next(); });
    koa.use(ocspRoutes(() => Promise.resolve(undefined)));
    await request(koa.callback()).post('/pki/v1/ocsp/issuing').set('Content-Type', 'application/ocsp-request').send(Buffer.from(der)).catch(() => undefined);
    expect(statusOf(answered)).to.equal(OCSPResponseStatus.malformedRequest);
  });

  it('passes on paths it does not serve', async function () {
    expect((await request(app.callback()).get('/pki/v1/ocsp')).status).to.equal(404);
    expect((await request(app.callback()).get('/pki/v1/ocsp/..bad/AAAA')).status).to.equal(404);
    expect((await request(app.callback()).get('/other')).status).to.equal(404);
  });

  it('uses a body the service already read into bytes, and bounds it too', async function () {
    const early = new Koa();
    let body: Uint8Array = der;
    early.use(async (ctx, next) => { (ctx.state as { body?: unknown }).body = Buffer.from(body); await next(); });
    early.use(ocspRoutes(() => Promise.resolve({ issuer: hierarchy.issuing.certificate, responder: hierarchy.issuing, lookup: () => Promise.resolve({ status: 'good' }) })));
    const ok = await request(early.callback()).post('/pki/v1/ocsp/issuing').set('Content-Type', 'application/ocsp-request').buffer(true).parse(binary);
    expect(statusOf(ok.body)).to.equal(OCSPResponseStatus.successful);
    body = new Uint8Array(OCSP_BODY_LIMIT_BYTES + 1);
    expect((await request(early.callback()).post('/pki/v1/ocsp/issuing').set('Content-Type', 'application/ocsp-request')).status).to.equal(413);
  });
});
