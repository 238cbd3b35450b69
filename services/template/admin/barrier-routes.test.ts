import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { Registry } from 'prom-client';
import pino from 'pino';
import type { RequestState } from '../service.ts';
import { adminPipeline } from '../middleware/index.ts';
import { BarrierSealedError, UnsealError, type Barrier, type BarrierKeyKind, type SealStatus } from '../barrier/contract.ts';
import { adminRouter, barrierAdminRoutes, standardAdminRoutes, type AdminState } from './index.ts';

/** A barrier whose unseal key is rebuilt by any three of the shares 'a'..'e'; 'z' is a wrong share. */
class FakeBarrier implements Barrier {
  sealed = true;
  received = new Set<string>();
  rotations: BarrierKeyKind[] = [];
  readonly threshold = 3;

  status(): SealStatus {
    return { sealed: this.sealed, threshold: this.threshold, progress: this.sealed ? this.received.size : 0 };
  }
  isSealed(): boolean { return this.sealed; }
  submitShare(share: string): Promise<SealStatus> {
    this.received.add(share);
    if (this.received.size >= this.threshold) {
      const wrong = this.received.has('z');
      this.received.clear();
      if (wrong) return Promise.reject(new UnsealError('the shares do not rebuild this barrier\'s unseal key'));
      this.sealed = false;
    }
    return Promise.resolve(this.status());
  }
  async unseal(shares: readonly string[]): Promise<void> {
    for (const share of shares) await this.submitShare(share);
  }
  seal(): void { this.sealed = true; this.received.clear(); }
  encrypt(plaintext: Uint8Array): Promise<Uint8Array> { return Promise.resolve(plaintext); }
  decrypt(ciphertext: Uint8Array): Promise<Uint8Array> { return Promise.resolve(ciphertext); }
  rotate(kind: BarrierKeyKind): Promise<{ rootKeyId: string; intermediateKeyId: string }> {
    if (this.sealed) return Promise.reject(new BarrierSealedError());
    this.rotations.push(kind);
    return Promise.resolve({ rootKeyId: `root-${this.rotations.length}`, intermediateKeyId: `intermediate-${this.rotations.length}` });
  }
  onSeal(): () => void { return () => undefined; }
}

function adminApp(barrier?: Barrier): Koa<RequestState> {
  const state: AdminState = {
    service: 'test', version: '0', startedAt: Date.now(), phase: () => 'running', checks: [], metrics: new Registry(),
    requestShutdown: () => undefined, eventLoopDelayMs: () => 0,
  };
  const app = new Koa<RequestState>();
  for (const step of adminPipeline({ logger: pino({ level: 'silent' }), serviceName: 'test' })) app.use(step);
  app.use(adminRouter({ ...standardAdminRoutes(state), ...(barrier === undefined ? {} : barrierAdminRoutes(barrier)) }));
  return app;
}

interface Problem { status: number; code: string; detail: string }

describe('barrier admin endpoints (DESIGN "Admin": unseal, seal, seal-status, rotate)', () => {
  it('unseal takes one share at a time and says how many more are needed', async () => {
    const barrier = new FakeBarrier();
    const app = adminApp(barrier).callback();
    await request(app).get('/admin/v1/seal-status').expect(200, { sealed: true, threshold: 3, progress: 0, needed: 3 });
    await request(app).post('/admin/v1/unseal').send({ share: 'a' }).expect(200, { sealed: true, threshold: 3, progress: 1, needed: 2 });
    await request(app).post('/admin/v1/unseal').send({ share: 'b' }).expect(200, { sealed: true, threshold: 3, progress: 2, needed: 1 });
    await request(app).post('/admin/v1/unseal').send({ share: 'c' }).expect(200, { sealed: false, threshold: 3, progress: 0 });
    await request(app).get('/admin/v1/seal-status').expect(200, { sealed: false, threshold: 3, progress: 0 });
  });

  it('a share sent to an unsealed barrier changes nothing and answers sealed false', async () => {
    const barrier = new FakeBarrier();
    barrier.sealed = false;
    const app = adminApp(barrier).callback();
    await request(app).post('/admin/v1/unseal').send({ share: 'z' }).expect(200, { sealed: false, threshold: 3, progress: 0 });
    expect(barrier.received.size).to.equal(0);
  });

  it('wrong shares answer a 400 problem and reset the progress', async () => {
    const app = adminApp(new FakeBarrier()).callback();
    await request(app).post('/admin/v1/unseal').send({ share: 'a' }).expect(200);
    await request(app).post('/admin/v1/unseal').send({ share: 'z' }).expect(200);
    const wrong = await request(app).post('/admin/v1/unseal').send({ share: 'b' }).expect(400);
    expect(wrong.headers['content-type']).to.include('application/problem+json');
    expect(wrong.body).to.include({ status: 400, code: 'bad_request' });
    await request(app).get('/admin/v1/seal-status').expect(200, { sealed: true, threshold: 3, progress: 0, needed: 3 });
  });

  it('a missing or invalid body is a 400 naming the field', async () => {
    const app = adminApp(new FakeBarrier()).callback();
    const cases: [string | object | undefined, string, string][] = [
      [undefined, '', '/body'],
      [[], 'application/json', '/body'],
      ['share=a', 'text/plain', '/body'],
      [{}, 'application/json', '/body/share'],
      [{ share: 42 }, 'application/json', '/body/share'],
      [{ share: '' }, 'application/json', '/body/share'],
    ];
    for (const [body, type, pointer] of cases) {
      const call = request(app).post('/admin/v1/unseal');
      if (type !== '') call.set('Content-Type', type);
      const answer = await (body === undefined ? call : call.send(typeof body === 'string' ? body : JSON.stringify(body))).expect(400);
      expect(answer.body).to.include({ code: 'validation_failed' });
      expect((answer.body as Problem).detail).to.match(new RegExp(`^${pointer} `));
    }
    const broken = await request(app).post('/admin/v1/unseal').set('Content-Type', 'application/json').send('{"share":').expect(400);
    expect((broken.body as Problem).code).to.equal('bad_request');
  });

  it('seal wipes the keys at once and answers the sealed status', async () => {
    const barrier = new FakeBarrier();
    barrier.sealed = false;
    const app = adminApp(barrier).callback();
    await request(app).post('/admin/v1/seal').expect(200, { sealed: true, threshold: 3, progress: 0, needed: 3 });
    expect(barrier.isSealed()).to.equal(true);
    const wrongMethod = await request(app).get('/admin/v1/seal').expect(405);
    expect(wrongMethod.headers.allow).to.equal('POST');
  });

  it('rotate replaces the intermediate key by default, or the root key when asked', async () => {
    const barrier = new FakeBarrier();
    barrier.sealed = false;
    const app = adminApp(barrier).callback();
    await request(app).post('/admin/v1/barrier/rotate').expect(200, { rootKeyId: 'root-1', intermediateKeyId: 'intermediate-1' });
    await request(app).post('/admin/v1/barrier/rotate').send({}).expect(200);
    await request(app).post('/admin/v1/barrier/rotate').send({ key: 'root' }).expect(200, { rootKeyId: 'root-3', intermediateKeyId: 'intermediate-3' });
    expect(barrier.rotations).to.deep.equal(['intermediate', 'intermediate', 'root']);
  });

  it('rotate refuses an unknown key with 400 and a sealed barrier with 503', async () => {
    const barrier = new FakeBarrier();
    const app = adminApp(barrier).callback();
    for (const key of ['content', 7, null]) {
      const bad = await request(app).post('/admin/v1/barrier/rotate').send({ key }).expect(400);
      expect((bad.body as Problem).detail).to.match(/^\/body\/key /);
    }
    const sealed = await request(app).post('/admin/v1/barrier/rotate').send({ key: 'root' }).expect(503);
    expect(sealed.body).to.include({ code: 'service_unavailable' });
    expect(barrier.rotations).to.deep.equal([]);
  });

  it('services without a barrier answer 404 on every barrier path', async () => {
    const app = adminApp().callback();
    for (const [method, path] of [['post', '/admin/v1/unseal'], ['get', '/admin/v1/seal-status'], ['post', '/admin/v1/seal'], ['post', '/admin/v1/barrier/rotate']] as const) {
      const answer = await request(app)[method](path).expect(404);
      expect(answer.body).to.include({ code: 'not_found' });
    }
  });
});
