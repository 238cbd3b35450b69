/**
 * Database faults (issue 20): a service runs as a real process on a private PostgreSQL cluster under
 * steady write load while the server is stopped for 10 s and started again. While it is down every
 * answer is a 503 problem (never a 500) and readyz names the database; within 5 s of its return
 * writes succeed again without a restart, and every acknowledged write is still there. learn-ps
 * (plain CRUD) and sm-kms (barrier-wrapped keys) each go through it; the figures are printed.
 */
import { expect } from 'chai';
import { httpsFetch } from '../../services/learn-ps/client/index.ts';
import { readAdminToken } from '../../services/template/admin/admin-token.ts';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { run, serviceFiles, sourceCli, start, type Running, type ServiceFiles } from '../e2e/processes.ts';
import { createPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';

const OUTAGE_MS = 10_000;
const RECOVERY_LIMIT_MS = 5_000;
const WORKERS = 4;
const PAUSE_MS = 20;

/** What the scenario needs of a service: one kind of write to repeat and a way to read it back. */
interface Target {
  readonly name: string;
  readonly process: Running;
  /** POST of a new resource; the id when acknowledged. */
  write(serial: number): Promise<Answered>;
  /** Status of a GET of a resource acknowledged earlier. */
  read(id: string): Promise<number>;
  readyz(): Promise<Response>;
}

interface Answered {
  readonly response: Response;
  readonly id?: string;
}

interface Answer {
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
  readonly contentType: string;
  readonly code: string;
  readonly retryAfter: string | null;
}

interface ReadyzAnswer {
  readonly status: number;
  readonly tookMs: number;
  readonly database: { ok?: boolean; detail?: string } | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms); });

/** JSON calls over one keep-alive agent trusting the service's CA. */
function caller(ca: string, token: string): (method: string, url: string, body?: unknown) => Promise<Response> {
  const send = httpsFetch(ca);
  return (method, url, body) => send(new Request(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }));
}

async function acknowledgedId(response: Response): Promise<Answered> {
  if (response.status !== 201) return { response };
  const { id } = await response.clone().json() as { id: string };
  return { response, id };
}

async function learnPs(issuer: TestIssuer, databaseUrl: string): Promise<Target> {
  const token = await issuer.serviceToken({ clientId: 'reliability', audience: 'urn:cryptoutil:learn-ps', scopes: ['pets:read', 'pets:write'] });
  const files = await serviceFiles('learn-ps', { issuerCa: issuer.ca, issuerUrl: issuer.url, databaseUrl });
  const process = start(sourceCli, ['learn-ps', 'start', '--config', files.configFile]);
  await process.waitFor('listening on');
  return target('learn-ps', process, files, token, {
    create: (serial) => ['/pets', { name: `load-${String(serial)}`, species: 'cat', priceCents: 100, stock: 1 }],
    item: (id) => `/pets/${id}`,
  });
}

async function smKms(issuer: TestIssuer, databaseUrl: string): Promise<Target> {
  const init = await run(sourceCli, ['sm-kms', 'init', '--shares', '3', '--threshold', '2', '--json']);
  expect(init.code, init.stderr).to.equal(0);
  const { shares, keyCheck } = JSON.parse(init.stdout) as { shares: string[]; keyCheck: string };
  const token = await issuer.serviceToken({ clientId: 'reliability', audience: 'urn:cryptoutil:sm-kms', scopes: ['kms:admin', 'kms:read'] });
  const files = await serviceFiles('sm-kms', {
    issuerCa: issuer.ca, issuerUrl: issuer.url, databaseUrl, extra: () => [`barrier: { threshold: 2, keyCheck: "${keyCheck}" }`],
  });
  const process = start(sourceCli, ['sm-kms', 'start', '--config', files.configFile]);
  await process.waitFor('listening on');
  const admin = caller(files.ca(), await readAdminToken({ dataDir: files.dir }));
  for (const share of shares.slice(0, 2)) {
    const answer = await admin('POST', `https://127.0.0.1:${String(files.adminPort)}/admin/v1/unseal`, { share });
    expect(answer.status, await answer.text()).to.equal(200);
  }
  return target('sm-kms', process, files, token, {
    create: (serial) => ['/elastickeys', { name: `load-${String(serial)}`, algorithm: 'A256GCM/A256KW' }],
    item: (id) => `/elastickeys/${id}`,
  });
}

function target(
  name: string,
  process: Running,
  files: ServiceFiles,
  token: string,
  paths: { create(serial: number): [string, unknown]; item(id: string): string },
): Target {
  const call = caller(files.ca(), token);
  const api = `https://127.0.0.1:${String(files.publicPort)}/service/api/v1`;
  return {
    name,
    process,
    async write(serial) {
      const [path, body] = paths.create(serial);
      return acknowledgedId(await call('POST', `${api}${path}`, body));
    },
    async read(id) {
      const response = await call('GET', `${api}${paths.item(id)}`);
      await response.arrayBuffer();
      return response.status;
    },
    readyz: () => call('GET', `https://127.0.0.1:${String(files.adminPort)}/admin/v1/readyz`),
  };
}

/** Steady writers: each writes one resource after the other and records every answer. */
function writeLoad(service: Target, answers: Answer[], acknowledged: string[]): { stop(): Promise<void> } {
  let running = true;
  let serial = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      serial += 1;
      const sentAt = performance.now();
      const { response, id } = await service.write(serial);
      const body = await response.json() as { code?: string };
      answers.push({
        sentAt,
        answeredAt: performance.now(),
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        code: response.status >= 400 ? body.code ?? '' : '',
        retryAfter: response.headers.get('retry-after'),
      });
      if (id !== undefined) acknowledged.push(id);
      await sleep(PAUSE_MS);
    }
  };
  const workers = Array.from({ length: WORKERS }, worker);
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

function byStatus(statuses: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  return counts;
}

async function readyzOf(service: Target): Promise<ReadyzAnswer> {
  const started = performance.now();
  const response = await service.readyz();
  const body = await response.json() as { checks?: Record<string, { ok?: boolean; detail?: string }> };
  return { status: response.status, tookMs: performance.now() - started, database: body.checks?.database };
}

type Figures = Record<string, unknown>;

/** Load, a 10 s stop of PostgreSQL, its start, then the checks; records the figures first. */
async function outage(cluster: PostgresCluster, service: Target, measured: Figures[]): Promise<void> {
  expect((await readyzOf(service)).status).to.equal(200);
  const answers: Answer[] = [];
  const acknowledged: string[] = [];
  const load = writeLoad(service, answers, acknowledged);
  await sleep(2_000);

  await cluster.stop();
  const downAt = performance.now();
  await sleep(3_000);
  const readyDown = await readyzOf(service);
  await sleep(OUTAGE_MS - (performance.now() - downAt));
  const upRequestedAt = performance.now();
  await cluster.start();
  // pg_ctl start -w returns once the server accepts connections: recovery counts from there.
  const upAt = performance.now();
  let recoveredAt: number | undefined;
  while (recoveredAt === undefined && performance.now() - upAt < RECOVERY_LIMIT_MS * 3) {
    await sleep(50);
    recoveredAt = answers.find((answer) => answer.sentAt >= upAt && answer.status === 201)?.answeredAt;
  }
  await sleep(1_000);
  await load.stop();
  const readyUp = await readyzOf(service);

  const readStatuses: number[] = [];
  for (const id of acknowledged) readStatuses.push(await service.read(id));
  const lost = readStatuses.filter((status) => status !== 200).length;

  // While it is down: sent after the stop returned and answered before the start was asked for.
  const duringOutage = answers.filter((answer) => answer.sentAt >= downAt && answer.answeredAt <= upRequestedAt);
  const recoverySeconds = recoveredAt === undefined ? Number.NaN : (recoveredAt - upAt) / 1_000;
  const figures = {
    service: service.name,
    requests: answers.length,
    allByStatus: byStatus(answers.map((answer) => answer.status)),
    outageRequestsByStatus: byStatus(duringOutage.map((answer) => answer.status)),
    outageCodes: [...new Set(duringOutage.map((answer) => answer.code))],
    readyzDuringOutage: { status: readyDown.status, ms: Math.round(readyDown.tookMs), database: readyDown.database },
    readyzAfter: { status: readyUp.status, ms: Math.round(readyUp.tookMs) },
    writesAcknowledged: acknowledged.length,
    writesLost: lost,
    readsOfAcknowledgedByStatus: byStatus(readStatuses),
    postgresStartSeconds: Math.round((upAt - upRequestedAt) / 10) / 100,
    recoverySeconds: Math.round(recoverySeconds * 100) / 100,
  };
  measured.push(figures);

  expect(answers.filter((answer) => answer.status >= 500 && answer.status !== 503), 'no 5xx but 503').to.deep.equal([]);
  expect(duringOutage.length).to.be.greaterThan(10);
  for (const answer of duringOutage) {
    expect(answer).to.include({ status: 503, code: 'service_unavailable' });
    expect(answer.contentType).to.match(/^application\/problem\+json/);
    expect(Number(answer.retryAfter)).to.be.greaterThan(0);
  }
  expect(readyDown.status).to.equal(503);
  expect(readyDown.database?.ok).to.equal(false);
  expect(readyDown.tookMs).to.be.lessThan(1_500);
  expect(readyUp.status).to.equal(200);
  expect(recoverySeconds).to.be.at.most(RECOVERY_LIMIT_MS / 1_000);
  expect(acknowledged.length).to.be.greaterThan(0);
  expect(lost).to.equal(0);

  // The drain still closes the pool: a connection lost while checked out must not hold it open.
  service.process.child.kill('SIGTERM');
  const finished = await service.process.finished;
  expect(finished.code, finished.stderr + finished.stdout).to.equal(0);
}

describe('database faults: PostgreSQL stopped for 10 s under write load', function () {
  this.timeout(180_000);
  let issuer: TestIssuer;
  let cluster: PostgresCluster;
  let service: Target | undefined;
  const measured: Figures[] = [];

  before(async () => {
    issuer = await createTestIssuer();
    cluster = await createPostgresCluster();
    await cluster.start();
  });
  afterEach(() => { service?.process.child.kill('SIGKILL'); });
  after(async () => {
    // The suite's figures, whether or not an assertion failed.
    for (const figures of measured) console.log(`database-faults figures: ${JSON.stringify(figures)}`);
    await cluster.destroy();
    await issuer.close();
  });

  it('learn-ps answers 503 problems while it is down, readyz names the database, recovers within 5 s, loses no acknowledged write', async () => {
    service = await learnPs(issuer, await cluster.createDatabase('learn_ps'));
    await outage(cluster, service, measured);
  });

  it('sm-kms (unsealed) answers 503 problems while it is down, readyz names the database, recovers within 5 s, loses no acknowledged key', async () => {
    service = await smKms(issuer, await cluster.createDatabase('sm_kms'));
    await outage(cluster, service, measured);
  });
});
