// @ts-nocheck
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startTestService, httpsCall } from './testing/service-harness.ts';
import { notesService } from './testing/notes-service/index.ts';
import type { ServiceDefinition, ServiceRuntime } from './service.ts';
import { UsageError } from './errors/index.ts';

describe('service runtime: hooks a definition may use', () => {
  it('mounts routes inside the pipeline, adds admin rows, builds the hash service and runs stop hooks', async () => {
    let seen: ServiceRuntime | undefined;
    let stopped = 0;
    const definition: ServiceDefinition = {
      ...notesService,
      hash: true,
      routes(runtime) {
        seen = runtime;
        runtime.onStop(() => { stopped += 1; });
        return async (ctx, next) => {
          if (ctx.path === '/hello') {
            ctx.body = { url: runtime.publicUrl() };
            return;
          }
          if (ctx.path === '/raw') {
            // Answered on the Node response itself: the access log and metrics record its status.
            ctx.respond = false;
            ctx.res.statusCode = 418;
            ctx.res.end('teapot');
            return;
          }
          await next();
        };
      },
      adminRoutes: () => ({ '/admin/v1/hello': { POST: (ctx) => { ctx.body = { admin: true }; } } }),
    };
    const harness = await startTestService({ hash: { pepper: randomBytes(32).toString('base64url') } }, undefined, definition);
    try {
      const { publicUrl, adminUrl, ca, adminToken } = harness.service;
      const hello = await httpsCall(ca, 'GET', `${publicUrl}/hello`);
      expect(hello.json).to.deep.equal({ url: publicUrl });
      // The template's pipeline ran around it: request id and security headers are there.
      expect(hello.headers['x-request-id']).to.be.a('string');
      expect(hello.headers['content-security-policy']).to.include("default-src 'none'");
      expect((await httpsCall(ca, 'GET', `${publicUrl}/raw`)).status).to.equal(418);
      const metrics = await httpsCall(ca, 'GET', `${adminUrl}/admin/v1/metrics`);
      expect(metrics.text).to.match(/status="418"/);
      // Paths the routes do not serve reach the API as before.
      expect((await httpsCall(ca, 'GET', `${publicUrl}/service/api/v1/notes`)).status).to.equal(401);
      // An admin row a definition adds is guarded like the template's own: no token, no answer.
      expect((await httpsCall(ca, 'POST', `${adminUrl}/admin/v1/hello`)).status).to.equal(401);
      expect((await httpsCall(ca, 'POST', `${adminUrl}/admin/v1/hello`, { token: adminToken })).json).to.deep.equal({ admin: true });
      expect((await httpsCall(ca, 'GET', `${adminUrl}/admin/v1/livez`)).status).to.equal(200);
      const hashed = await seen?.hash?.lowEntropyRandom.hashWithVersion('correct horse', 1);
      expect(await seen?.hash?.lowEntropyRandom.verify('correct horse', String(hashed))).to.equal(true);
    } finally {
      await harness.close();
    }
    expect(stopped).to.equal(1);
  });

  it('says the public URL is unknown until the listener is bound', async () => {
    let early: unknown;
    const definition: ServiceDefinition = {
      ...notesService,
      operations(runtime) {
        try { runtime.publicUrl(); } catch (error) { early = error; }
        return notesService.operations(runtime);
      },
    };
    const harness = await startTestService({}, undefined, definition);
    await harness.close();
    expect(String(early)).to.include('not bound yet');
  });

  it('refuses a hash service without a usable pepper (exit 2, naming hash.pepper)', async () => {
    const definition: ServiceDefinition = { ...notesService, hash: true };
    for (const pepper of ['', 'short']) {
      let failure: unknown;
      try {
        const harness = await startTestService({ hash: { pepper } }, undefined, definition);
        await harness.close();
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(UsageError);
      expect(String(failure)).to.include('hash.pepper');
    }
  });

  it('refuses admin rows that would shadow the template\'s', async () => {
    const definition: ServiceDefinition = { ...notesService, adminRoutes: () => ({ '/admin/v1/livez': { GET: (ctx) => { ctx.body = {}; } } }) };
    let failure: unknown;
    try {
      const harness = await startTestService({}, undefined, definition);
      await harness.close();
    } catch (error) {
      failure = error;
    }
    expect(String(failure)).to.include('/admin/v1/livez is served by the template');
  });
});
