import { AsnConvert } from '@peculiar/asn1-schema';
import { PKIStatus, TSTInfo, TimeStampResp } from '@peculiar/asn1-tsp';
import { SignedData } from '@peculiar/asn1-cms';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { BadRequestError } from '../../template/errors/index.ts';
import type { CaSigner } from '../contract.ts';
import { timeStampReqDer } from '../testing/requests.ts';
import { timeStampSigner } from '../testing/responders.ts';
import { createTestHierarchy } from '../testing/test-ca.ts';
import { TSA_BODY_LIMIT_BYTES, tsaRoute, type TsaAuthority } from './index.ts';

const NOW = new Date('2026-11-12T13:14:15Z');

function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => { callback(null, Buffer.concat(chunks)); });
}

function replyOf(body: unknown): TimeStampResp {
  return AsnConvert.parse(body as Buffer, TimeStampResp);
}

function tstInfoOf(reply: TimeStampResp): TSTInfo {
  const signedData = AsnConvert.parse(reply.timeStampToken?.content ?? new ArrayBuffer(0), SignedData);
  return AsnConvert.parse(signedData.encapContentInfo.eContent?.single?.buffer ?? new ArrayBuffer(0), TSTInfo);
}

describe('time-stamps over HTTP (RFC 3161 §3.4)', function () {
  let signer: CaSigner;
  let authority: () => Promise<TsaAuthority>;

  before(async function () {
    const { issuing } = await createTestHierarchy('ES256');
    signer = await timeStampSigner(issuing, 'ES256');
  });

  beforeEach(function () {
    authority = () => Promise.resolve({ signer });
  });

  function app(): Koa {
    const koa = new Koa();
    koa.use(tsaRoute(() => authority(), { now: () => NOW }));
    return koa;
  }

  function post(body: Uint8Array, type = 'application/timestamp-query'): request.Test {
    return request(app().callback()).post('/tsa').set('Content-Type', type).send(Buffer.from(body)).buffer(true).parse(binary);
  }

  it('answers a query 200 application/timestamp-reply with a granted token and a random serial', async function () {
    const res = await post(timeStampReqDer('hello'));
    expect(res.status).to.equal(200);
    expect(res.type).to.equal('application/timestamp-reply');
    const reply = replyOf(res.body);
    expect(reply.status.status).to.equal(PKIStatus.granted);
    const tstInfo = tstInfoOf(reply);
    expect(tstInfo.genTime.toISOString()).to.equal(NOW.toISOString());
    expect(Buffer.from(tstInfo.serialNumber).toString('hex')).to.match(/^[4-7][0-9a-f]{31}$/);
    const again = tstInfoOf(replyOf((await post(timeStampReqDer('hello'))).body));
    expect(Buffer.from(again.serialNumber).equals(Buffer.from(tstInfo.serialNumber))).to.equal(false);
  });

  it('uses the serial, policy and accuracy of the authority', async function () {
    authority = () => Promise.resolve({ signer, serial: () => Promise.resolve(77n), policy: '1.2.3.4', acceptedPolicies: ['1.2.3.4', '1.2.3.5'], accuracySeconds: 3 });
    const tstInfo = tstInfoOf(replyOf((await post(timeStampReqDer('hello', { reqPolicy: '1.2.3.5' }))).body));
    expect(Buffer.from(tstInfo.serialNumber).toString('hex')).to.equal('4d');
    expect(tstInfo.policy).to.equal('1.2.3.5');
    expect(tstInfo.accuracy?.seconds).to.equal(3);
  });

  it('bytes that are no TimeStampReq are a rejection with badDataFormat', async function () {
    const reply = replyOf((await post(Uint8Array.of(1, 2, 3))).body);
    expect(reply.status.status).to.equal(PKIStatus.rejection);
    expect(Array.from(new Uint8Array(reply.status.failInfo?.value ?? new ArrayBuffer(0)))).to.deep.equal([0x04]);
  });

  it('a failing signer or serial store is a rejection with systemFailure, and nothing of the cause', async function () {
    authority = () => Promise.reject(new Error('barrier sealed'));
    const res = await post(timeStampReqDer('hello'));
    const reply = replyOf(res.body);
    expect(reply.status.status).to.equal(PKIStatus.rejection);
    expect(reply.status.failInfo?.toNumber()).to.equal(2 ** 25);
    expect((res.body as Buffer).toString('latin1')).to.not.include('barrier');
  });

  it('refuses another media type (415), another method (405) and a body over 64 KiB (413)', async function () {
    expect((await post(timeStampReqDer('x'), 'application/octet-stream')).status).to.equal(415);
    const get = await request(app().callback()).get('/tsa');
    expect(get.status).to.equal(405);
    expect(get.headers.allow).to.equal('POST');
    expect((await post(new Uint8Array(TSA_BODY_LIMIT_BYTES + 1))).status).to.equal(413);
  });

  it('a body that cannot be read is a 400 BadRequestError', async function () {
    const koa = new Koa();
    let thrown: unknown;
    koa.use(async (_ctx, next) => { try { await next(); } catch (error: unknown) { thrown = error; throw error; } });
    // The connection goes away before the body is read, as when a client aborts.
    koa.use(async (ctx, next) => { ctx.req.destroy(); await next(); });
    koa.use(tsaRoute(() => Promise.resolve({ signer })));
    await request(koa.callback()).post('/tsa').set('Content-Type', 'application/timestamp-query').send(Buffer.from('abc')).catch(() => undefined);
    expect(thrown).to.be.instanceOf(BadRequestError);
  });

  it('passes on other paths', async function () {
    expect((await request(app().callback()).post('/tsa/other')).status).to.equal(404);
  });

  it('uses a body the service already read into bytes, and bounds it too', async function () {
    let body = timeStampReqDer('early');
    const early = new Koa();
    early.use(async (ctx, next) => { (ctx.state as { body?: unknown }).body = Buffer.from(body); await next(); });
    early.use(tsaRoute(() => Promise.resolve({ signer })));
    const ok = await request(early.callback()).post('/tsa').set('Content-Type', 'application/timestamp-query').buffer(true).parse(binary);
    expect(replyOf(ok.body).status.status).to.equal(PKIStatus.granted);
    body = new Uint8Array(TSA_BODY_LIMIT_BYTES + 1);
    expect((await request(early.callback()).post('/tsa').set('Content-Type', 'application/timestamp-query')).status).to.equal(413);
  });
});
