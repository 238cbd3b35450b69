/**
 * Benchmark targets, one row per scenario: each starts a server in the current process and says
 * which request autocannon should repeat. `baseline` is the bare Koa HTTPS app every scenario is
 * compared with; service scenarios run the real service with its production pipeline.
 */
import Koa from 'koa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testTlsMaterial } from '../../services/template/testing/tls.ts';
import { createTestIssuer } from '../../services/template/testing/issuer.ts';
import { notesService } from '../../services/template/testing/notes-service/index.ts';
import { serverOptions } from '../../services/template/tls/index.ts';
import { listenHttps } from '../../services/template/server/https-listener.ts';
import { loadConfig } from '../../services/template/config/index.ts';
import { startService, resourceOf } from '../../services/template/runtime.ts';

export interface BenchRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface StartedTarget {
  readonly request: BenchRequest;
  stop(): Promise<void>;
}

type Target = () => Promise<StartedTarget>;

async function baseline(): Promise<StartedTarget> {
  const material = await testTlsMaterial();
  const app = new Koa();
  app.use((ctx) => { ctx.body = { ok: true }; });
  const listener = await listenHttps(app.callback(), serverOptions(material), '127.0.0.1', 0);
  return { request: { url: `${listener.url}/`, method: 'GET', headers: {} }, stop: () => listener.close(1000) };
}

/** The template's full pipeline and a database read: what every service pays before its own work. */
async function templateRead(): Promise<StartedTarget> {
  const issuer = await createTestIssuer({ tokenLifetimeSeconds: 3600 });
  const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-bench-'));
  const caFile = join(dataDir, 'issuer-ca.pem');
  await writeFile(caFile, issuer.ca);
  const config = loadConfig({
    serviceName: notesService.name,
    publicPort: 0,
    files: [],
    env: {},
    overrides: {
      public: { port: 0 },
      admin: { port: 0 },
      dataDir,
      database: { url: `sqlite:${join(dataDir, 'notes.sqlite')}` },
      auth: { issuer: issuer.url },
      tls: { caFile },
      log: { level: 'warn' },
      // Measured, not throttled: the limiter runs but one load generator must not trip it.
      rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    },
  });
  const service = await startService(notesService, config);
  const audience = resourceOf(notesService.name);
  const writer = await issuer.serviceToken({ clientId: 'bench', audience, scopes: ['notes:write'] });
  const created = await fetchJson(`${service.publicUrl}/service/api/v1/notes`, writer, service.ca, { title: 'bench', body: 'x'.repeat(256) });
  const reader = await issuer.serviceToken({ clientId: 'bench', audience, scopes: ['notes:read'] });
  return {
    request: { url: `${service.publicUrl}/service/api/v1/notes/${created.id}`, method: 'GET', headers: { authorization: `Bearer ${reader}` } },
    stop: async () => {
      await service.stop('bench done');
      await issuer.close();
    },
  };
}

async function fetchJson(url: string, token: string, ca: string, body: unknown): Promise<{ id: string }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'POST', ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => {
        if (response.statusCode === 201) resolve(JSON.parse(text) as { id: string });
        else reject(new Error(`seeding failed: ${String(response.statusCode)} ${text}`));
      });
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

export const targets: Readonly<Record<string, Target>> = {
  baseline,
  'template-read': templateRead,
};

export const scenarioNames: readonly string[] = Object.keys(targets);
