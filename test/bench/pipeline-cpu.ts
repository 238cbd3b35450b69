/**
 * `node test/bench/pipeline-cpu.ts [--rounds N] [--requests N] [--bare]`: the CPU one request costs
 * in the template's public pipeline and operation router, in process, without TLS, sockets or a
 * load generator. It drives the notes test service's `GET /service/api/v1/notes/{id}` (answered from
 * memory, as in the `template-pipeline` scenario) through the production `publicPipeline` (access log
 * at `info` to the null device, rate limiter on) and `operationRouter`, on Node's own
 * IncomingMessage and ServerResponse over a socket that discards what it is sent. The token check is
 * left out (authentication answers a fixed principal): it has its own cache and figures.
 *
 * It prints CPU microseconds (user + system, process.cpuUsage) per request: the best round and the
 * first quartile over the rounds. On a machine shared with other work, wall time and req/s follow
 * the neighbours; the process's own CPU moves far less, and the best of many short rounds is the
 * figure to compare before and after a change. `--bare` measures bare Koa answering `{ ok: true }`
 * on the same harness, for what Node's HTTP objects and Koa alone cost here.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { devNull } from 'node:os';
import { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import Koa from 'koa';
import { pino } from 'pino';
import type { TemplateConfig } from '../../services/template/config/schema.ts';
import { publicPipeline } from '../../services/template/middleware/index.ts';
import { loadOpenApiDocument } from '../../services/template/openapi/document.ts';
import { operationRouter } from '../../services/template/openapi/router.ts';
import type { OperationHandlers, RequestState } from '../../services/template/service.ts';
import { createLogger } from '../../services/template/telemetry/logger.ts';
import { createMetrics } from '../../services/template/telemetry/metrics.ts';
import { notesHandlers, notesService } from '../../services/template/testing/notes-service/index.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '40' },
    requests: { type: 'string', default: '2000' },
    bare: { type: 'boolean', default: false },
  },
});

const config: TemplateConfig = {
  public: { address: '127.0.0.1', port: 0 },
  admin: { address: '127.0.0.1', port: 0 },
  tls: { mode: 'auto', certFile: '', keyFile: '', caFile: '', names: ['localhost'] },
  database: { url: 'sqlite::memory:', poolMin: 0, poolMax: 1 },
  auth: { issuer: '', jwksUri: '', audience: '', clockSkewSeconds: 30, publicUrl: '' },
  cors: { origins: [] },
  // On, and out of reach, as in the bench targets.
  rateLimit: { perSecond: 1_000_000_000, burst: 0, redisUrl: '', onStoreFailure: 'open' },
  ipAllowlist: [],
  http: { trustedProxies: [] },
  body: { limitBytes: 1024 * 1024 },
  barrier: { shares: [], threshold: 3 },
  hash: { pepper: '' },
  telemetry: { otlpEndpoint: '' },
  log: { level: 'info' },
  shutdown: { timeoutMs: 1000 },
  dataDir: '.cryptoutil',
};

const NOTE = { title: 'bench', body: 'x'.repeat(256), createdAt: new Date(0).toISOString() };

async function templateApp(): Promise<Koa<RequestState>> {
  const logger = createLogger({ level: 'info', service: 'notes', destination: pino.destination({ dest: devNull, sync: true }) });
  const app = new Koa<RequestState>();
  for (const step of publicPipeline({ logger, serviceName: 'notes', config, metrics: createMetrics('notes') })) app.use(step);
  const handlers: OperationHandlers = { ...notesHandlers, getNote(ctx) { ctx.body = { id: ctx.state.params.id, ...NOTE }; } };
  app.use(operationRouter({
    document: await loadOpenApiDocument(notesService.openapi),
    handlers,
    authenticate: (_authorization, kind) => Promise.resolve({ subject: 'bench', clientId: 'bench', kind, scopes: new Set(['notes:read']), expiresAt: Number.MAX_SAFE_INTEGER }),
  }));
  return app;
}

function bareApp(): Koa {
  const app = new Koa();
  app.use((ctx) => { ctx.body = { ok: true }; });
  return app;
}

/** A connected peer that has sent its request and swallows the response. */
class DiscardingSocket extends Duplex {
  readonly remoteAddress = '127.0.0.1';

  override _read(): void {
    // The request line and headers are set on the IncomingMessage directly.
  }

  override _write(_chunk: unknown, _encoding: BufferEncoding, done: () => void): void {
    done();
  }
}

const handle = (values.bare ? bareApp() : await templateApp()).callback();
const path = '/service/api/v1/notes/01a24531-da26-71d1-b574-93b5813130ff';

function oneRequest(): Promise<number> {
  const socket = new DiscardingSocket() as unknown as Socket;
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = path;
  req.headers = { host: '127.0.0.1', authorization: 'Bearer bench', 'user-agent': 'pipeline-cpu' };
  req.push(null);
  const res = new ServerResponse(req);
  res.assignSocket(socket);
  return new Promise((resolve) => {
    res.once('finish', () => { resolve(res.statusCode); });
    void handle(req, res);
  });
}

const status = await oneRequest();
if (status !== 200) throw new Error(`the request answered ${String(status)}, not 200`);
const perRound = Number(values.requests);
const rounds: number[] = [];
for (let round = 0; round < Number(values.rounds); round += 1) {
  const before = process.cpuUsage();
  for (let index = 0; index < perRound; index += 1) await oneRequest();
  const spent = process.cpuUsage(before);
  rounds.push((spent.user + spent.system) / perRound);
}
rounds.sort((a, b) => a - b);
const quartile = rounds[Math.floor(rounds.length / 4)] ?? Number.NaN;
process.stdout.write(`${values.bare ? 'bare Koa' : 'template pipeline + router'}: best ${(rounds[0] ?? Number.NaN).toFixed(1)} µs, first quartile ${quartile.toFixed(1)} µs CPU per request (${String(rounds.length)} rounds of ${String(perRound)})\n`);
