import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startTestService, httpsCall } from './testing/service-harness.ts';
import { notesHandlers, notesService } from './testing/notes-service/index.ts';
import type { ServiceDefinition, ServiceRuntime } from './service.ts';
import { UsageError } from './errors/index.ts';

describe('service runtime: the setup hook of a definition', () => {
  it('calls setup once per runtime and serves each part of what it returns', async () => {
    const runtimes: ServiceRuntime[] = [];
    const stops: string[] = [];
    const definition: ServiceDefinition = {
      ...notesService,
      hash: true,
      // Async on purpose: the template awaits setup before it binds the listeners.
      async setup(runtime) {
        runtimes.push(runtime);
        await Promise.resolve();
        // The runtime's own hook still runs on stop, beside the one setup returns.
        runtime.onStop(() => { stops.push('runtime.onStop'); });
        return {
          operations: {
            ...notesHandlers,
            getNote(ctx) { ctx.body = { id: ctx.state.params.id, from: 'setup' }; },
          },
          routes: async (ctx, next) => {
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
          },
          adminRoutes: { '/admin/v1/hello': { POST: (ctx) => { ctx.body = { admin: true }; } } },
          checks: [{ name: 'own', check: () => Promise.resolve({ ok: false, detail: 'not yet' }) }],
          onStop: async () => { await Promise.resolve(); stops.push('setup.onStop'); },
        };
      },
    };
    const harness = await startTestService({ hash: { pepper: randomBytes(32).toString('base64url') } }, undefined, definition);
    try {
      expect(runtimes).to.have.length(1);
      const { publicUrl, adminUrl, ca, adminToken } = harness.service;
      const hello = await httpsCall(ca, 'GET', `${publicUrl}/hello`);
      expect(hello.json).to.deep.equal({ url: publicUrl });
      // The template's pipeline ran around the routes: request id and security headers are there.
      expect(hello.headers['x-request-id']).to.be.a('string');
      expect(hello.headers['content-security-policy']).to.include("default-src 'none'");
      expect((await httpsCall(ca, 'GET', `${publicUrl}/raw`)).status).to.equal(418);
      const metrics = await httpsCall(ca, 'GET', `${adminUrl}/admin/v1/metrics`);
      expect(metrics.text).to.match(/status="418"/);
      // A hash service brings its gate's load to the scrape.
      expect(metrics.text).to.match(/^hash_gate_running\{service="[^"]+"\} 0$/m);
      expect(metrics.text).to.match(/^hash_gate_waiting\{service="[^"]+"\} 0$/m);
      expect(metrics.text).to.match(/^hash_gate_refused_total\{service="[^"]+"\} 0$/m);
      // Paths the routes do not serve reach the API, answered by the operations setup returned.
      expect((await httpsCall(ca, 'GET', `${publicUrl}/service/api/v1/notes`)).status).to.equal(401);
      const id = '0192f3a4-5b6c-7d8e-9f00-112233445566';
      const note = await harness.call('GET', `${publicUrl}/service/api/v1/notes/${id}`, { token: await harness.serviceToken(['notes:read']) });
      expect(note.json).to.deep.equal({ id, from: 'setup' });
      // An admin row a definition adds is guarded like the template's own: no token, no answer.
      expect((await httpsCall(ca, 'POST', `${adminUrl}/admin/v1/hello`)).status).to.equal(401);
      expect((await httpsCall(ca, 'POST', `${adminUrl}/admin/v1/hello`, { token: adminToken })).json).to.deep.equal({ admin: true });
      expect((await httpsCall(ca, 'GET', `${adminUrl}/admin/v1/livez`)).status).to.equal(200);
      const ready = await httpsCall(ca, 'GET', `${adminUrl}/admin/v1/readyz`);
      expect(ready.status).to.equal(503);
      expect((ready.json as { checks: Record<string, unknown> }).checks).to.deep.include({ database: { ok: true }, own: { ok: false, detail: 'not yet' } });
      // Still once after all of that: every part came from the one call.
      expect(runtimes).to.have.length(1);
      const hashed = await runtimes[0]?.hash?.lowEntropyRandom.hashWithVersion('correct horse', 1);
      expect(await runtimes[0]?.hash?.lowEntropyRandom.verify('correct horse', String(hashed))).to.equal(true);
      expect(stops).to.deep.equal([]);
    } finally {
      await harness.close();
    }
    // After the drain, each once; the hook setup returned first, as it was registered last.
    expect(stops).to.deep.equal(['setup.onStop', 'runtime.onStop']);
  });

  it('calls setup again for another runtime of the same definition', async () => {
    let calls = 0;
    const definition: ServiceDefinition = { ...notesService, setup: () => { calls += 1; return { operations: notesHandlers }; } };
    const first = await startTestService({}, undefined, definition);
    await first.close();
    const second = await startTestService({}, undefined, definition);
    await second.close();
    expect(calls).to.equal(2);
  });

  it('says the public URL is unknown until the listener is bound', async () => {
    let early: unknown;
    const definition: ServiceDefinition = {
      ...notesService,
      setup(runtime) {
        try { runtime.publicUrl(); } catch (error) { early = error; }
        return { operations: notesHandlers };
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
    let stopped = 0;
    const definition: ServiceDefinition = {
      ...notesService,
      setup: () => ({
        operations: notesHandlers,
        adminRoutes: { '/admin/v1/livez': { GET: (ctx) => { ctx.body = {}; } } },
        onStop: () => { stopped += 1; },
      }),
    };
    let failure: unknown;
    try {
      const harness = await startTestService({}, undefined, definition);
      await harness.close();
    } catch (error) {
      failure = error;
    }
    expect(String(failure)).to.include('/admin/v1/livez is served by the template');
    // What setup started is stopped even though the service never ran.
    expect(stopped).to.equal(1);
  });
});
