import { expect } from 'chai';
import { once } from 'node:events';
import net from 'node:net';
import tls, { TLSSocket } from 'node:tls';
import https from 'node:https';
import type { Middleware } from 'koa';
import pino from 'pino';
import { startTestService, httpsCall, type ServiceHarness } from './testing/service-harness.ts';
import { captureLogs, type CapturedLogs } from './testing/logs.ts';
import { notesHandlers, notesService, slowRequests } from './testing/notes-service/index.ts';
import { startService, resourceOf } from './runtime.ts';
import { loadConfig } from './config/index.ts';
import { testTlsMaterial } from './testing/tls.ts';
import type { RequestState, ServiceDefinition, ServiceRuntime } from './service.ts';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { sealedNotesService } from './testing/notes-service/sealed.ts';
import { newUnsealKey } from './barrier/index.ts';
import { UsageError } from './errors/index.ts';
import { TEST_REDIS_URL } from './testing/redis.ts';

describe('service runtime: a service assembled from its definition', () => {
  let notes: ServiceHarness;
  let logs: CapturedLogs;
  before(async () => {
    logs = captureLogs();
    notes = await startTestService({}, logs.logger);
  });
  after(async () => { await notes.close(); });

  it('audience defaults to the resource indicator urn:cryptoutil:<service>', () => {
    expect(resourceOf('sm-kms')).to.equal('urn:cryptoutil:sm-kms');
  });

  it('serves an operation with a client-credentials token on /service', async () => {
    const token = await notes.serviceToken(['notes:write', 'notes:read']);
    const created = await notes.call('POST', `${notes.service.publicUrl}/service/api/v1/notes`, { token, body: { title: 't', body: 'b' } });
    expect(created.status).to.equal(201);
    const id = (created.json as { id: string }).id;
    const read = await notes.call('GET', `${notes.service.publicUrl}/service/api/v1/notes/${id}`, { token });
    expect(read.status).to.equal(200);
    expect(read.json).to.include({ id, title: 't', body: 'b' });
    expect(read.headers['x-request-id']).to.be.a('string');
    expect(read.headers['strict-transport-security']).to.include('max-age=');
  });

  it('serves the same operation to a user token on /browser and refuses the wrong kind with 403', async () => {
    const user = await notes.userToken(['notes:read']);
    const service = await notes.serviceToken(['notes:read']);
    expect((await notes.call('GET', `${notes.service.publicUrl}/browser/api/v1/notes`, { token: user })).status).to.equal(200);
    const wrongOnService = await notes.call('GET', `${notes.service.publicUrl}/service/api/v1/notes`, { token: user });
    expect(wrongOnService.status).to.equal(403);
    const wrongOnBrowser = await notes.call('GET', `${notes.service.publicUrl}/browser/api/v1/notes`, { token: service });
    expect(wrongOnBrowser.status).to.equal(403);
  });

  it('answers 401 with WWW-Authenticate without a token and 403 without the scope', async () => {
    const missing = await notes.call('GET', `${notes.service.publicUrl}/service/api/v1/notes`);
    expect(missing.status).to.equal(401);
    expect(missing.headers['www-authenticate']).to.match(/^Bearer/);
    const readOnly = await notes.serviceToken(['notes:read']);
    const denied = await notes.call('POST', `${notes.service.publicUrl}/service/api/v1/notes`, { token: readOnly, body: { title: 't', body: 'b' } });
    expect(denied.status).to.equal(403);
    expect(denied.headers['www-authenticate']).to.include('insufficient_scope');
  });

  it('names the failing field in a 400 problem and changes nothing', async () => {
    const token = await notes.serviceToken(['notes:write', 'notes:read']);
    const before = (await notes.call('GET', `${notes.service.publicUrl}/service/api/v1/notes?size=100`, { token })).json as { total: number };
    const bad = await notes.call('POST', `${notes.service.publicUrl}/service/api/v1/notes`, { token, body: { title: '', body: 'b' } });
    expect(bad.status).to.equal(400);
    expect(bad.headers['content-type']).to.include('application/problem+json');
    expect(bad.json).to.include({ status: 400, code: 'validation_failed' });
    expect((bad.json as { detail: string }).detail).to.include('/body/title');
    expect((bad.json as { instance: string }).instance).to.equal(bad.headers['x-request-id']);
    const after = (await notes.call('GET', `${notes.service.publicUrl}/service/api/v1/notes?size=100`, { token })).json as { total: number };
    expect(after.total).to.equal(before.total);
  });

  it('answers 404 and 405 as problems and serves the OpenAPI document and Swagger UI without a token', async () => {
    const notFound = await notes.call('GET', `${notes.service.publicUrl}/nothing/here`);
    expect(notFound.status).to.equal(404);
    expect(notFound.json).to.include({ code: 'not_found' });
    const token = await notes.serviceToken(['notes:read']);
    const wrongMethod = await notes.call('PATCH', `${notes.service.publicUrl}/service/api/v1/notes`, { token });
    expect(wrongMethod.status).to.equal(405);
    expect(wrongMethod.headers.allow).to.include('GET');
    const document = await notes.call('GET', `${notes.service.publicUrl}/openapi.json`);
    expect(document.status).to.equal(200);
    expect(document.json).to.have.property('openapi');
    expect((await notes.call('GET', `${notes.service.publicUrl}/ui/swagger/`)).status).to.equal(200);
  });

  it('logs one access line per request without tokens or query strings', async () => {
    const token = await notes.serviceToken(['notes:read']);
    await notes.call('GET', `${notes.service.publicUrl}/service/api/v1/notes?page=0&size=5`, { token });
    const all = logs.lines.join('');
    expect(all).to.include('"path":"/service/api/v1/notes"');
    expect(all).not.to.include(token);
    expect(all).not.to.include('size=5');
  });

  it('accepts TLS 1.3 only on the public and admin listeners', async () => {
    for (const url of [notes.service.publicUrl, notes.service.adminUrl]) {
      const { port } = new URL(url);
      const refused = await new Promise<string>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: Number(port), maxVersion: 'TLSv1.2', ca: notes.service.ca, servername: 'localhost' });
        socket.on('secureConnect', () => { socket.destroy(); resolve('connected'); });
        socket.on('error', (error: NodeJS.ErrnoException) => { resolve(error.code ?? 'error'); });
      });
      expect(refused).to.not.equal('connected');
      const accepted = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: notes.service.ca, servername: 'localhost' });
        socket.on('secureConnect', () => { const version = socket.getProtocol(); socket.destroy(); resolve(String(version)); });
        socket.on('error', reject);
      });
      expect(accepted).to.equal('TLSv1.3');
    }
  });

  it('never answers plain HTTP on either listener', async () => {
    const { port } = new URL(notes.service.publicUrl);
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => { socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); });
      let data = '';
      socket.on('data', (chunk: Buffer) => { data += chunk.toString('latin1'); });
      socket.on('close', () => { resolve(data); });
      socket.on('error', () => { resolve(data); });
    });
    expect(answer).not.to.match(/^HTTP\/1\.1 200/);
  });

  it('reports ready on the admin listener with database and issuer checks', async () => {
    const ready = await notes.call('GET', `${notes.service.adminUrl}/admin/v1/readyz`);
    expect(ready.status).to.equal(200);
    const body = ready.json as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).to.equal('ready');
    expect(Object.keys(body.checks)).to.deep.equal(['database', 'issuer']);
    expect(Object.values(body.checks).every((check) => check.ok)).to.equal(true);
    const health = await notes.call('GET', `${notes.service.adminUrl}/admin/v1/healthz`);
    expect((health.json as { eventLoopDelayMs: number }).eventLoopDelayMs).to.be.a('number');
    const metrics = await notes.call('GET', `${notes.service.adminUrl}/admin/v1/metrics`);
    expect(metrics.text).to.include('http_server_requests_total');
    expect(metrics.text).to.match(/^nodejs_eventloop_lag_p99_seconds\{service="[^"]+"\} \d/m);
    // No hash service, no hash gate to report.
    expect(metrics.text).to.not.include('hash_gate_');
  });
});

describe('service runtime: drain and failures', () => {
  it('POST /admin/v1/shutdown lets an in-flight request finish, then stops', async () => {
    const notes = await startTestService();
    let stoppedCalled = false;
    void notes.service.stopped.then(() => { stoppedCalled = true; });
    const token = await notes.serviceToken(['notes:read']);
    const arrived = once(slowRequests, 'arrived');
    const slow = notes.call('GET', `${notes.service.publicUrl}/service/api/v1/slow?ms=600`, { token });
    await arrived;
    const accepted = await notes.call('POST', `${notes.service.adminUrl}/admin/v1/shutdown`, { token: notes.service.adminToken });
    expect(accepted.status).to.equal(202);
    const finished = await slow;
    expect(finished.status).to.equal(200);
    expect(finished.json).to.deep.equal({ waitedMs: 600 });
    await notes.service.stopped;
    expect(stoppedCalled).to.equal(true);
    const refused = await httpsCall(notes.service.ca, 'GET', `${notes.service.publicUrl}/openapi.json`).then(() => 'answered', (error: unknown) => error);
    expect(refused).to.have.property('code', 'ECONNREFUSED');
    await notes.close();
  });

  it('uses Redis for rate-limit counters when rateLimit.redisUrl is set', async () => {
    const notes = await startTestService({ rateLimit: { redisUrl: TEST_REDIS_URL, perSecond: 1, burst: 1 } });
    try {
      const statuses: number[] = [];
      for (let index = 0; index < 4; index += 1) {
        statuses.push((await notes.call('GET', `${notes.service.publicUrl}/openapi.json`)).status);
      }
      expect(statuses).to.include(429);
    } finally {
      await notes.close();
    }
  });

  it('fails to start when the public port is taken and closes what it opened', async () => {
    const first = await startTestService();
    try {
      const port = Number(new URL(first.service.publicUrl).port);
      const config = loadConfig({
        serviceName: 'notes', publicPort: 0, files: [], env: {},
        overrides: { public: { port }, admin: { port: 0 }, dataDir: first.dataDir, database: { url: 'sqlite::memory:' }, log: { level: 'silent' } },
      });
      let failure: unknown;
      try { await startService(notesService, config); } catch (error) { failure = error; }
      expect((failure as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
      expect((failure as Error).message).to.equal(`notes: public port ${String(port)} on 127.0.0.1 is already in use (EADDRINUSE); set public.port (or CRYPTOUTIL_PUBLIC_PORT) to move it`);
      const adminTaken = loadConfig({
        serviceName: 'notes', publicPort: 0, files: [], env: {},
        overrides: { public: { port: 0 }, admin: { port: Number(new URL(first.service.adminUrl).port) }, dataDir: first.dataDir, database: { url: 'sqlite::memory:' }, log: { level: 'silent' } },
      });
      let adminFailure: unknown;
      try { await startService(notesService, adminTaken); } catch (error) { adminFailure = error; }
      expect((adminFailure as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
      expect((adminFailure as Error).message).to.match(/^notes: admin port \d+ on 127\.0\.0\.1 is already in use \(EADDRINUSE\); set admin\.port \(or CRYPTOUTIL_ADMIN_PORT\) to move it$/);
    } finally {
      await first.close();
    }
  });

  it('stop() is idempotent and calls onStopped once', async () => {
    const notes = await startTestService();
    const first = notes.service.stop('one');
    expect(notes.service.stop('two')).to.equal(first);
    await first;
    await notes.close();
  });

  it('runs the service\'s own readiness checks and middleware, in files TLS mode without an issuer', async () => {
    const material = await testTlsMaterial();
    const definition: ServiceDefinition = {
      ...notesService,
      setup: () => ({ operations: notesHandlers, checks: [{ name: 'barrier', check: () => Promise.resolve({ ok: false, detail: 'sealed' }) }] }),
      middleware: [async (ctx, next) => { ctx.set('x-service-step', 'ran'); await next(); }],
    };
    const config = loadConfig({
      serviceName: 'notes', publicPort: 0, files: [], env: {},
      overrides: {
        public: { port: 0 }, admin: { port: 0 }, dataDir: material.dataDir, database: { url: 'sqlite::memory:' }, log: { level: 'silent' },
        tls: { mode: 'files', certFile: join(material.dataDir, 'tls', 'test.crt'), keyFile: join(material.dataDir, 'tls', 'test.key') },
      },
    });
    let stoppedHook = 0;
    const service = await startService(definition, config, { onStopped: () => { stoppedHook += 1; } });
    try {
      const ready = await httpsCall(material.ca, 'GET', `${service.adminUrl}/admin/v1/readyz`);
      expect(ready.status).to.equal(503);
      expect(ready.json).to.deep.equal({ status: 'not-ready', checks: { database: { ok: true }, barrier: { ok: false, detail: 'sealed' } } });
      const noIssuer = await httpsCall(material.ca, 'GET', `${service.publicUrl}/service/api/v1/notes`, { token: 'x.y.z' });
      expect(noIssuer.status).to.equal(401);
      expect(noIssuer.headers['x-service-step']).to.equal(undefined);
    } finally {
      await service.stop();
    }
    expect(stoppedHook).to.equal(1);
  });

  it('asks for a client certificate on the public listener only when the definition says so', async () => {
    const material = await testTlsMaterial();
    const peer: Middleware<RequestState> = async (ctx, next) => {
      if (ctx.path !== '/peer') { await next(); return; }
      const { socket } = ctx.req;
      ctx.body = { subject: socket instanceof TLSSocket ? socket.getPeerX509Certificate()?.subject ?? null : 'not TLS' };
    };
    const askedFor = (clientCertificates: boolean): ServiceDefinition => ({
      ...notesService,
      clientCertificates,
      setup: (runtime) => { expect(runtime.authenticate).to.be.a('function'); return { operations: notesHandlers, routes: peer }; },
    });
    const config = loadConfig({
      serviceName: 'notes', publicPort: 0, files: [], env: {},
      overrides: {
        public: { port: 0 }, admin: { port: 0 }, dataDir: material.dataDir, database: { url: 'sqlite::memory:' }, log: { level: 'silent' },
        tls: { mode: 'files', certFile: join(material.dataDir, 'tls', 'test.crt'), keyFile: join(material.dataDir, 'tls', 'test.key') },
      },
    });
    const subjectSeen = (url: string, withCertificate: boolean): Promise<unknown> => new Promise((resolve, reject) => {
      const request = https.request(`${url}/peer`, { ca: material.ca, agent: false, ...(withCertificate ? { cert: material.cert, key: material.key } : {}) }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
        response.on('end', () => { resolve((JSON.parse(text) as { subject: unknown }).subject); });
      });
      request.on('error', reject);
      request.end();
    });
    const asking = await startService(askedFor(true), config);
    try {
      expect(await subjectSeen(asking.publicUrl, true)).to.equal('CN=test');
      expect(await subjectSeen(asking.publicUrl, false)).to.equal(null);
    } finally {
      await asking.stop();
    }
    const notAsking = await startService(askedFor(false), config);
    try {
      expect(await subjectSeen(notAsking.publicUrl, true)).to.equal(null);
    } finally {
      await notAsking.stop();
    }
  });

  it('honours a configured audience and JWKS URL', async () => {
    const notes = await startTestService((issuer) => ({ auth: { audience: 'urn:example:custom', jwksUri: issuer.jwksUri } }));
    try {
      const custom = await notes.issuer.serviceToken({ clientId: 'c', audience: 'urn:example:custom', scopes: ['notes:read'] });
      expect((await notes.call('GET', `${notes.service.publicUrl}/service/api/v1/notes`, { token: custom })).status).to.equal(200);
      const standard = await notes.serviceToken(['notes:read']);
      expect((await notes.call('GET', `${notes.service.publicUrl}/service/api/v1/notes`, { token: standard })).status).to.equal(401);
      expect(notes.issuer.hits('/.well-known/openid-configuration')).to.equal(0);
      const passed = await notes.call('GET', `${notes.service.publicUrl}/service/api/v1/notes`, { token: custom });
      expect(passed.headers['x-request-id']).to.be.a('string');
    } finally {
      await notes.close();
    }
  });
});

describe('service runtime: a service with a barrier (DESIGN "Barrier")', () => {
  interface Status { status: string; checks: Record<string, { ok: boolean; detail?: string }> }
  const threshold = 3;
  let shares: string[];
  let keyCheck: string;
  before(async () => { ({ shares, keyCheck } = await newUnsealKey(5, threshold)); });

  /** Starts sealed-notes on `databaseFile`, applying `configShares` as barrier.shares. */
  function startSealed(databaseFile: string, configShares: readonly string[], logger?: pino.Logger): Promise<ServiceHarness> {
    return startTestService({ database: { url: `sqlite:${databaseFile}` }, barrier: { shares: configShares, threshold, keyCheck } }, logger, sealedNotesService);
  }

  async function scratchFile(): Promise<string> {
    return join(await mkdtemp(join(tmpdir(), 'cryptoutil-barrier-')), 'sealed-notes.sqlite');
  }

  it('starts sealed: readyz and business endpoints 503, the OpenAPI document and Swagger UI still served', async () => {
    const h = await startSealed(await scratchFile(), []);
    try {
      const ready = await h.call('GET', `${h.service.adminUrl}/admin/v1/readyz`);
      expect(ready.status).to.equal(503);
      expect((ready.json as Status).checks.barrier).to.deep.equal({ ok: false, detail: 'sealed (0 of 3 shares)' });
      const token = await h.serviceToken(['notes:read']);
      const business = await h.call('GET', `${h.service.publicUrl}/service/api/v1/notes`, { token });
      expect(business.status).to.equal(503);
      expect(business.headers['content-type']).to.include('application/problem+json');
      expect(business.json).to.include({ code: 'service_unavailable' });
      expect((await h.call('GET', `${h.service.publicUrl}/openapi.json`)).status).to.equal(200);
      expect((await h.call('GET', `${h.service.publicUrl}/ui/swagger/`)).status).to.equal(200);
    } finally {
      await h.close();
    }
  });

  it('unseals one share at a time through the admin endpoint, then serves, rotates and seals again', async () => {
    const h = await startSealed(await scratchFile(), []);
    try {
      const adminToken = h.service.adminToken;
      const admin = (method: string, path: string, body?: unknown) => h.call(method, `${h.service.adminUrl}/admin/v1/${path}`, body === undefined ? { token: adminToken } : { body, token: adminToken });
      expect((await admin('POST', 'unseal', { share: shares[4] })).json).to.deep.equal({ sealed: true, threshold, progress: 1, needed: 2 });
      expect((await h.call('GET', `${h.service.adminUrl}/admin/v1/readyz`)).json).to.have.nested.property('checks.barrier.detail', 'sealed (1 of 3 shares)');
      expect((await admin('POST', 'unseal', { share: shares[2] })).json).to.deep.equal({ sealed: true, threshold, progress: 2, needed: 1 });
      expect((await admin('POST', 'unseal', { share: shares[0] })).json).to.deep.equal({ sealed: false, threshold, progress: 0 });
      expect((await admin('GET', 'seal-status')).json).to.deep.equal({ sealed: false, threshold, progress: 0 });
      expect((await h.call('GET', `${h.service.adminUrl}/admin/v1/readyz`)).status).to.equal(200);

      const token = await h.serviceToken(['notes:write', 'notes:read']);
      const created = await h.call('POST', `${h.service.publicUrl}/service/api/v1/notes`, { token, body: { title: 't', body: 'kept secret' } });
      expect(created.status).to.equal(201);
      const { id } = created.json as { id: string };
      const rotated = await admin('POST', 'barrier/rotate', { key: 'root' });
      expect(rotated.status).to.equal(200);
      expect(Object.keys(rotated.json as object)).to.deep.equal(['rootKeyId', 'intermediateKeyId']);
      expect((await h.call('GET', `${h.service.publicUrl}/service/api/v1/notes/${id}`, { token })).json).to.include({ body: 'kept secret' });

      expect((await admin('POST', 'seal')).json).to.deep.equal({ sealed: true, threshold, progress: 0, needed: 3 });
      expect((await h.call('GET', `${h.service.publicUrl}/service/api/v1/notes/${id}`, { token })).status).to.equal(503);
      expect((await admin('POST', 'barrier/rotate')).status).to.equal(503);
    } finally {
      await h.close();
    }
  });

  it('unseals at start from barrier.shares, and a restart with another subset finds the data intact', async () => {
    const file = await scratchFile();
    const first = await startSealed(file, shares.slice(0, 3));
    let id: string;
    try {
      expect((await first.call('GET', `${first.service.adminUrl}/admin/v1/readyz`)).status).to.equal(200);
      const token = await first.serviceToken(['notes:write']);
      const created = await first.call('POST', `${first.service.publicUrl}/service/api/v1/notes`, { token, body: { title: 't', body: 'across restarts' } });
      id = (created.json as { id: string }).id;
    } finally {
      await first.close();
    }
    const second = await startSealed(file, [shares[4], shares[1], shares[3]].map(String));
    try {
      expect((await second.call('GET', `${second.service.adminUrl}/admin/v1/readyz`)).status).to.equal(200);
      const token = await second.serviceToken(['notes:read']);
      const read = await second.call('GET', `${second.service.publicUrl}/service/api/v1/notes/${id}`, { token });
      expect(read.json).to.include({ id, body: 'across restarts' });
      const listed = await second.call('GET', `${second.service.publicUrl}/service/api/v1/notes`, { token });
      expect((listed.json as { items: { body: string }[] }).items.map((item) => item.body)).to.deep.equal(['across restarts']);
    } finally {
      await second.close();
    }
  });

  it('stays sealed with the progress made when barrier.shares holds fewer than the threshold', async () => {
    const h = await startSealed(await scratchFile(), shares.slice(0, 2));
    try {
      const ready = await h.call('GET', `${h.service.adminUrl}/admin/v1/readyz`);
      expect((ready.json as Status).checks.barrier).to.deep.equal({ ok: false, detail: 'sealed (2 of 3 shares)' });
      const unsealed = await h.call('POST', `${h.service.adminUrl}/admin/v1/unseal`, { body: { share: shares[3] }, token: h.service.adminToken });
      expect(unsealed.json).to.include({ sealed: false });
    } finally {
      await h.close();
    }
  });

  it('refuses to start on a malformed barrier.keyCheck (a configuration mistake, exit 2)', async () => {
    let failure: unknown;
    try {
      const h = await startTestService({ database: { url: `sqlite:${await scratchFile()}` }, barrier: { shares: [], threshold, keyCheck: 'kcv1:short' } }, undefined, sealedNotesService);
      await h.close();
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(UsageError);
    expect((failure as Error).message).to.include('barrier.keyCheck');
  });

  it('wrong shares: one error line without share content, the service runs sealed, admin unseal still works', async () => {
    const file = await scratchFile();
    const initialized = await startSealed(file, shares.slice(0, 3));
    await initialized.close();
    const { shares: others } = await newUnsealKey(3, threshold);
    const logs = captureLogs();
    const h = await startSealed(file, others, logs.logger);
    try {
      const errors = logs.lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level >= 50);
      expect(errors).to.have.length(1);
      expect(errors[0]?.msg).to.include('barrier.shares');
      for (const share of [...others, ...shares]) expect(logs.lines.join('')).not.to.include(share);
      expect((await h.call('GET', `${h.service.adminUrl}/admin/v1/seal-status`)).json).to.deep.equal({ sealed: true, threshold, progress: 0, needed: 3 });
      const answers = [];
      for (const share of others) answers.push(await h.call('POST', `${h.service.adminUrl}/admin/v1/unseal`, { body: { share }, token: h.service.adminToken }));
      expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200, 400]);
      expect(answers[2]?.json).to.include({ status: 400, code: 'bad_request' });
      expect(answers[2]?.headers['content-type']).to.include('application/problem+json');
      expect((await h.call('GET', `${h.service.adminUrl}/admin/v1/seal-status`)).json).to.include({ sealed: true, progress: 0 });
      for (const share of shares.slice(2)) await h.call('POST', `${h.service.adminUrl}/admin/v1/unseal`, { body: { share }, token: h.service.adminToken });
      expect((await h.call('GET', `${h.service.adminUrl}/admin/v1/readyz`)).status).to.equal(200);
    } finally {
      await h.close();
    }
  });

  it('refuses to start on a malformed share with a usage error naming barrier.shares, never its content', async () => {
    for (const malformed of ['not base64url!', 'QUJD', `${String(shares[0])}AA`]) {
      let failure: unknown;
      try {
        const h = await startSealed(await scratchFile(), [String(shares[0]), malformed]);
        await h.close();
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(UsageError);
      expect((failure as UsageError).exitCode).to.equal(2);
      expect((failure as Error).message).to.match(/^barrier\.shares: /).and.include('share 2').and.not.include(malformed);
    }
  });

  it('wipes the keys before the database closes on stop', async () => {
    let runtime: ServiceRuntime | undefined;
    const definition: ServiceDefinition = { ...sealedNotesService, setup: (given) => { runtime = given; return sealedNotesService.setup(given); } };
    const h = await startTestService({ barrier: { shares: shares.slice(0, 3), threshold } }, undefined, definition);
    const sealedEvents: boolean[] = [];
    runtime?.barrier?.onSeal(() => { sealedEvents.push(runtime?.barrier?.isSealed() ?? false); });
    expect(runtime?.barrier?.isSealed()).to.equal(false);
    await h.close();
    expect(runtime?.barrier?.isSealed()).to.equal(true);
    expect(sealedEvents).to.have.length.at.least(1);
  });

  it('refuses to run sealed-notes without its barrier', () => {
    expect(() => sealedNotesService.setup({ ...({} as ServiceRuntime), barrier: undefined })).to.throw(/barrier/);
  });
});
