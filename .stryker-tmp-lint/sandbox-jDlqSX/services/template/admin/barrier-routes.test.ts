// @ts-nocheck
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { Registry } from 'prom-client';
import pino from 'pino';
import type { RequestState } from '../service.ts';
import { adminPipeline } from '../middleware/index.ts';
import { BarrierSealedError, UnsealError, type Barrier, type BarrierKeyKind, type SealStatus } from '../barrier/contract.ts';
import { adminGuard, adminRouter, barrierAdminRoutes, standardAdminRoutes, type AdminRoutes, type AdminState } from './index.ts';

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

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';

function adminApp(barrier?: Barrier, own: AdminRoutes = {}, shutdowns: string[] = []): Koa<RequestState> {
  const state: AdminState = {
    service: 'test', version: '0', startedAt: Date.now(), phase: () => 'running', checks: [], metrics: new Registry(),
    requestShutdown: (reason) => { shutdowns.push(reason); }, eventLoopDelayMs: () => 0,
  };
  const app = new Koa<RequestState>();
  for (const step of adminPipeline({ logger: pino({ level: 'silent' }), serviceName: 'test' })) app.use(step);
  app.use(adminRouter({ ...standardAdminRoutes(state), ...(barrier === undefined ? {} : barrierAdminRoutes(barrier)), ...own }, adminGuard(ADMIN_TOKEN)));
  return app;
}

/** A POST carrying the admin token, as the CLI sends it. */
function post(app: ReturnType<Koa['callback']>, path: string): request.Test {
  return request(app).post(path).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
}

interface Problem { status: number; code: string; detail: string }

describe('barrier admin endpoints (DESIGN "Admin": unseal, seal, seal-status, rotate)', () => {
  it('unseal takes one share at a time and says how many more are needed', async () => {
    const barrier = new FakeBarrier();
    const app = adminApp(barrier).callback();
    await request(app).get('/admin/v1/seal-status').expect(200, { sealed: true, threshold: 3, progress: 0, needed: 3 });
    await post(app, '/admin/v1/unseal').send({ share: 'a' }).expect(200, { sealed: true, threshold: 3, progress: 1, needed: 2 });
    await post(app, '/admin/v1/unseal').send({ share: 'b' }).expect(200, { sealed: true, threshold: 3, progress: 2, needed: 1 });
    await post(app, '/admin/v1/unseal').send({ share: 'c' }).expect(200, { sealed: false, threshold: 3, progress: 0 });
    await request(app).get('/admin/v1/seal-status').expect(200, { sealed: false, threshold: 3, progress: 0 });
  });

  it('a share sent to an unsealed barrier changes nothing and answers sealed false', async () => {
    const barrier = new FakeBarrier();
    barrier.sealed = false;
    const app = adminApp(barrier).callback();
    await post(app, '/admin/v1/unseal').send({ share: 'z' }).expect(200, { sealed: false, threshold: 3, progress: 0 });
    expect(barrier.received.size).to.equal(0);
  });

  it('wrong shares answer a 400 problem and reset the progress', async () => {
    const app = adminApp(new FakeBarrier()).callback();
    await post(app, '/admin/v1/unseal').send({ share: 'a' }).expect(200);
    await post(app, '/admin/v1/unseal').send({ share: 'z' }).expect(200);
    const wrong = await post(app, '/admin/v1/unseal').send({ share: 'b' }).expect(400);
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
      const call = post(app, '/admin/v1/unseal');
      if (type !== '') call.set('Content-Type', type);
      const answer = await (body === undefined ? call : call.send(typeof body === 'string' ? body : JSON.stringify(body))).expect(400);
      expect(answer.body).to.include({ code: 'validation_failed' });
      expect((answer.body as Problem).detail).to.match(new RegExp(`^${pointer} `));
    }
    const broken = await post(app, '/admin/v1/unseal').set('Content-Type', 'application/json').send('{"share":').expect(400);
    expect((broken.body as Problem).code).to.equal('bad_request');
  });

  it('seal wipes the keys at once and answers the sealed status', async () => {
    const barrier = new FakeBarrier();
    barrier.sealed = false;
    const app = adminApp(barrier).callback();
    await post(app, '/admin/v1/seal').expect(200, { sealed: true, threshold: 3, progress: 0, needed: 3 });
    expect(barrier.isSealed()).to.equal(true);
    const wrongMethod = await request(app).get('/admin/v1/seal').expect(405);
    expect(wrongMethod.headers.allow).to.equal('POST');
  });

  it('rotate replaces the intermediate key by default, or the root key when asked', async () => {
    const barrier = new FakeBarrier();
    barrier.sealed = false;
    const app = adminApp(barrier).callback();
    await post(app, '/admin/v1/barrier/rotate').expect(200, { rootKeyId: 'root-1', intermediateKeyId: 'intermediate-1' });
    await post(app, '/admin/v1/barrier/rotate').send({}).expect(200);
    await post(app, '/admin/v1/barrier/rotate').send({ key: 'root' }).expect(200, { rootKeyId: 'root-3', intermediateKeyId: 'intermediate-3' });
    expect(barrier.rotations).to.deep.equal(['intermediate', 'intermediate', 'root']);
  });

  it('rotate refuses an unknown key with 400 and a sealed barrier with 503', async () => {
    const barrier = new FakeBarrier();
    const app = adminApp(barrier).callback();
    for (const key of ['content', 7, null]) {
      const bad = await post(app, '/admin/v1/barrier/rotate').send({ key }).expect(400);
      expect((bad.body as Problem).detail).to.match(/^\/body\/key /);
    }
    const sealed = await post(app, '/admin/v1/barrier/rotate').send({ key: 'root' }).expect(503);
    expect(sealed.body).to.include({ code: 'service_unavailable' });
    expect(barrier.rotations).to.deep.equal([]);
  });

  it('services without a barrier answer 404 on every barrier path', async () => {
    const app = adminApp().callback();
    for (const [method, path] of [['post', '/admin/v1/unseal'], ['get', '/admin/v1/seal-status'], ['post', '/admin/v1/seal'], ['post', '/admin/v1/barrier/rotate']] as const) {
      const answer = await (method === 'post' ? post(app, path) : request(app).get(path)).expect(404);
      expect(answer.body).to.include({ code: 'not_found' });
    }
  });
});

/** Everything a state-changing admin request changes, so a refused one can be shown to change nothing. */
interface Effects {
  readonly barrier: FakeBarrier;
  readonly shutdowns: string[];
  readonly ownRotations: number[];
  readonly app: ReturnType<Koa['callback']>;
}

function guarded(sealed = false): Effects {
  const barrier = new FakeBarrier();
  barrier.sealed = sealed;
  const shutdowns: string[] = [];
  const ownRotations: number[] = [];
  // A service's own admin row (identity-authz's signing key rotation) is guarded like the template's.
  const own: AdminRoutes = { '/admin/v1/keys/rotate': { POST: (ctx) => { ownRotations.push(1); ctx.body = { rotated: true }; } } };
  return { barrier, shutdowns, ownRotations, app: adminApp(barrier, own, shutdowns).callback() };
}

/** Each state-changing endpoint, the body it takes, the status it answers when allowed, and whether it acted. */
const STATE_CHANGING: readonly { path: string; body?: object; status: number; sealed?: boolean; acted(effects: Effects): boolean }[] = [
  { path: '/admin/v1/unseal', body: { share: 'a' }, status: 200, sealed: true, acted: ({ barrier }) => barrier.received.size > 0 },
  { path: '/admin/v1/seal', status: 200, acted: ({ barrier }) => barrier.sealed },
  { path: '/admin/v1/barrier/rotate', body: { key: 'root' }, status: 200, acted: ({ barrier }) => barrier.rotations.length > 0 },
  { path: '/admin/v1/shutdown', status: 202, acted: ({ shutdowns }) => shutdowns.length > 0 },
  { path: '/admin/v1/keys/rotate', status: 200, acted: ({ ownRotations }) => ownRotations.length > 0 },
];

interface GuardProblem { status: number; code: string; detail: string }

describe('admin token and CSRF guard on every state-changing admin endpoint', () => {
  /** After the response has finished, so that shutdown's deferred drain would have been requested. */
  const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  for (const endpoint of STATE_CHANGING) {
    describe(`POST ${endpoint.path}`, () => {
      const send = (call: request.Test): request.Test => (endpoint.body === undefined ? call : call.send(endpoint.body));

      it('without a token: 401 problem with a Bearer challenge, nothing done', async () => {
        const effects = guarded(endpoint.sealed);
        const answer = await send(request(effects.app).post(endpoint.path)).expect(401);
        expect(answer.headers['content-type']).to.include('application/problem+json');
        expect(answer.headers['www-authenticate']).to.equal('Bearer');
        expect((answer.body as GuardProblem).code).to.equal('unauthorized');
        await settled();
        expect(endpoint.acted(effects)).to.equal(false);
      });

      it('with a wrong token (or another scheme): 401, nothing done', async () => {
        const effects = guarded(endpoint.sealed);
        for (const authorization of [`Bearer ${ADMIN_TOKEN}x`, `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${ADMIN_TOKEN}`, ADMIN_TOKEN]) {
          const answer = await send(request(effects.app).post(endpoint.path).set('Authorization', authorization)).expect(401);
          expect((answer.body as GuardProblem).code).to.equal('unauthorized');
        }
        await settled();
        expect(endpoint.acted(effects)).to.equal(false);
      });

      it('with an Origin header, even with the right token: 403 naming the Origin', async () => {
        const effects = guarded(endpoint.sealed);
        for (const origin of ['https://evil.example', 'null', 'https://127.0.0.1:9090']) {
          const answer = await send(post(effects.app, endpoint.path).set('Origin', origin)).expect(403);
          expect(answer.headers['content-type']).to.include('application/problem+json');
          expect(answer.body).to.include({ status: 403, code: 'forbidden' });
          expect((answer.body as GuardProblem).detail).to.include('Origin');
        }
        await settled();
        expect(endpoint.acted(effects)).to.equal(false);
      });

      it('with a non-loopback Host (DNS rebinding), even with the right token: 403 naming the Host', async () => {
        const effects = guarded(endpoint.sealed);
        for (const host of ['evil.example', 'evil.example:9090', '10.0.0.7:9090', '[2001:db8::1]:9090', 'localhost.evil.example', '128.0.0.1', '']) {
          const answer = await send(post(effects.app, endpoint.path).set('Host', host)).expect(403);
          expect((answer.body as GuardProblem).code).to.equal('forbidden');
          expect((answer.body as GuardProblem).detail).to.include('Host');
        }
        await settled();
        expect(endpoint.acted(effects)).to.equal(false);
      });

      it('with the right token and a loopback Host: works', async () => {
        for (const host of ['127.0.0.1:9090', 'localhost:9090', 'LOCALHOST', '[::1]:9090', '127.3.4.5']) {
          const effects = guarded(endpoint.sealed);
          await send(post(effects.app, endpoint.path).set('Host', host)).expect(endpoint.status);
          await settled();
          expect(endpoint.acted(effects), host).to.equal(true);
        }
      });
    });
  }

  it('probes, health, metrics and seal-status stay open: no token, any Origin', async () => {
    const { app } = guarded();
    for (const path of ['/admin/v1/livez', '/admin/v1/readyz', '/admin/v1/healthz', '/admin/v1/metrics', '/admin/v1/seal-status']) {
      await request(app).get(path).set('Origin', 'https://evil.example').expect(200);
      await request(app).head(path).expect(200);
    }
  });
});
