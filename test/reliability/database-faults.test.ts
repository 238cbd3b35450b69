/**
 * Database faults (issue 20): learn-ps runs as a real process on a private PostgreSQL cluster under
 * steady write load while the server is stopped for 10 s and started again. While it is down every
 * answer is a 503 problem (never a 500) and readyz names the database; within 5 s of its return
 * writes succeed again without a restart, and every acknowledged write is still there.
 */
import { expect } from 'chai';
import { createLearnPsClient, httpsFetch, type LearnPsClient } from '../../services/learn-ps/client/index.ts';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { serviceFiles, sourceCli, start, type Running } from '../e2e/processes.ts';
import { createPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';

const OUTAGE_MS = 10_000;
const RECOVERY_LIMIT_MS = 5_000;
const WORKERS = 4;
const PAUSE_MS = 20;

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

/** Steady writers: each creates pets one after the other and records every answer. */
function writeLoad(client: LearnPsClient, answers: Answer[], acknowledged: string[]): { stop(): Promise<void> } {
  let running = true;
  let serial = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      serial += 1;
      const sentAt = performance.now();
      const { response, data, error } = await client.POST('/pets', { body: { name: `load-${String(serial)}`, species: 'cat', priceCents: 100, stock: 1 } });
      const code = (error as { code?: string } | undefined)?.code ?? '';
      answers.push({
        sentAt,
        answeredAt: performance.now(),
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        code,
        retryAfter: response.headers.get('retry-after'),
      });
      if (response.status === 201 && data !== undefined) acknowledged.push(data.id);
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

function byStatus(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of answers) counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  return counts;
}

describe('database faults: PostgreSQL stopped for 10 s under write load (learn-ps)', function () {
  this.timeout(180_000);
  let issuer: TestIssuer;
  let cluster: PostgresCluster;
  let service: Running | undefined;

  before(async () => {
    issuer = await createTestIssuer();
    cluster = await createPostgresCluster();
    await cluster.start();
  });
  after(async () => {
    service?.child.kill('SIGKILL');
    await cluster.destroy();
    await issuer.close();
  });

  it('answers 503 problems while it is down, readyz names the database, recovers within 5 s, loses no acknowledged write', async () => {
    const token = await issuer.serviceToken({ clientId: 'reliability', audience: 'urn:cryptoutil:learn-ps', scopes: ['pets:read', 'pets:write'] });
    const files = await serviceFiles('learn-ps', { issuerCa: issuer.ca, issuerUrl: issuer.url, databaseUrl: cluster.url });
    service = start(sourceCli, ['learn-ps', 'start', '--config', files.configFile]);
    await service.waitFor('listening on');
    const ca = files.ca();
    const client = createLearnPsClient({ baseUrl: `https://127.0.0.1:${String(files.publicPort)}`, token, ca });
    const adminFetch = httpsFetch(ca);
    const readyz = async (): Promise<ReadyzAnswer> => {
      const started = performance.now();
      const response = await adminFetch(new Request(`https://127.0.0.1:${String(files.adminPort)}/admin/v1/readyz`));
      const body = await response.json() as { checks?: Record<string, { ok?: boolean; detail?: string }> };
      return { status: response.status, tookMs: performance.now() - started, database: body.checks?.database };
    };
    expect((await readyz()).status).to.equal(200);

    const answers: Answer[] = [];
    const acknowledged: string[] = [];
    const load = writeLoad(client, answers, acknowledged);
    await sleep(2_000);

    await cluster.stop();
    const downAt = performance.now();
    await sleep(3_000);
    const readyDown = await readyz();
    await sleep(OUTAGE_MS - (performance.now() - downAt));
    const upRequestedAt = performance.now();
    await cluster.start();
    const upAt = performance.now();
    let recoveredAt: number | undefined;
    while (performance.now() - upAt < RECOVERY_LIMIT_MS * 3) {
      recoveredAt = answers.find((answer) => answer.sentAt >= upAt && answer.status === 201)?.answeredAt;
      if (recoveredAt !== undefined) break;
      await sleep(50);
    }
    await sleep(1_000);
    await load.stop();
    const readyUp = await readyz();

    const lostReads: Record<string, number> = {};
    for (const id of acknowledged) {
      const { response } = await client.GET('/pets/{id}', { params: { path: { id } } });
      if (response.status !== 200) lostReads[String(response.status)] = (lostReads[String(response.status)] ?? 0) + 1;
    }
    const lost = Object.values(lostReads).reduce((sum, count) => sum + count, 0);

    // While it is down: sent after the stop returned and answered before the start was asked for.
    const duringOutage = answers.filter((answer) => answer.sentAt >= downAt && answer.answeredAt <= upRequestedAt);
    const recoverySeconds = recoveredAt === undefined ? Number.NaN : (recoveredAt - upAt) / 1_000;
    const figures = {
      requests: answers.length,
      allByStatus: byStatus(answers),
      outageRequestsByStatus: byStatus(duringOutage),
      outageCodes: [...new Set(duringOutage.map((answer) => answer.code))],
      readyzDuringOutage: { status: readyDown.status, ms: Math.round(readyDown.tookMs), database: readyDown.database },
      readyzAfter: { status: readyUp.status, ms: Math.round(readyUp.tookMs) },
      writesAcknowledged: acknowledged.length,
      writesLost: lost,
      lostReadsByStatus: lostReads,
      recoverySeconds: Math.round(recoverySeconds * 100) / 100,
    };
    console.log(`database-faults figures: ${JSON.stringify(figures, null, 2)}`);

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

    service.child.kill('SIGTERM');
    const finished = await service.finished;
    expect(finished.code, finished.stderr + finished.stdout).to.equal(0);
  });
});
