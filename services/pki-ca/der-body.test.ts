import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { ProblemError } from '../template/errors/index.ts';
import { readDerBody, type DerBodyRules } from './der-body.ts';

class Unreadable extends Error {}

const rules: DerBodyRules = { mediaType: 'application/ocsp-request', what: 'an OCSP request', limitBytes: 16, unreadable: (cause) => new Unreadable('unreadable', { cause }) };

/** An app answering the body's hex, or the status and detail of what reading it threw. */
function app(early?: Uint8Array, abort = false): Koa {
  const koa = new Koa();
  koa.use(async (ctx) => {
    if (early !== undefined) (ctx.state as { body?: unknown }).body = early;
    // The connection goes away before the body is read, as when a client aborts.
    if (abort) ctx.req.destroy();
    try {
      ctx.body = { hex: Buffer.from(await readDerBody(ctx, rules)).toString('hex') };
    } catch (error: unknown) {
      ctx.body = error instanceof ProblemError ? { status: error.status, detail: error.message } : { unreadable: error instanceof Unreadable };
    }
  });
  return koa;
}

async function post(koa: Koa, body: Uint8Array, type = rules.mediaType): Promise<unknown> {
  return (await request(koa.callback()).post('/').set('Content-Type', type).send(Buffer.from(body))).body;
}

describe('pki-ca DER request bodies', function () {
  it('reads the bytes of a body of the route\'s media type', async function () {
    expect(await post(app(), Uint8Array.of(0x30, 0x00))).to.deep.equal({ hex: '3000' });
  });

  it('refuses another media type with a 415 naming the one expected', async function () {
    expect(await post(app(), Uint8Array.of(0x30, 0x00), 'application/octet-stream')).to.deep.equal({ status: 415, detail: 'an OCSP request is sent as application/ocsp-request' });
  });

  it('refuses a body over the limit with a 413, read here or already read by the service', async function () {
    expect(await post(app(), new Uint8Array(17))).to.deep.equal({ status: 413, detail: 'request body exceeds 16 bytes' });
    expect(await post(app(new Uint8Array(17)), new Uint8Array(0))).to.deep.equal({ status: 413, detail: 'request body exceeds 16 bytes' });
  });

  it('takes the bytes the service already read, at the limit', async function () {
    expect(await post(app(new Uint8Array(16).fill(1)), new Uint8Array(0))).to.deep.equal({ hex: '01'.repeat(16) });
  });

  it('answers a body that cannot be read with the route\'s own error', async function () {
    let seen: unknown;
    const koa = app(undefined, true);
    koa.middleware.unshift(async (ctx, next) => { await next(); seen = ctx.body; });
    await request(koa.callback()).post('/').set('Content-Type', rules.mediaType).send(Buffer.from('abc')).catch(() => undefined);
    expect(seen).to.deep.equal({ unreadable: true });
  });
});
