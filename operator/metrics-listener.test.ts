import { mkdtemp, readFile } from 'node:fs/promises';
import https from 'node:https';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { pino } from 'pino';
import { Gauge, Registry } from 'prom-client';
import type { IncomingMessage } from 'node:http';
import { callAdmin } from '../services/template/cli/admin-client.ts';
import { UsageError } from '../services/template/errors/index.ts';
import { loadTls, serverOptions } from '../services/template/tls/index.ts';
import type { CliContext } from '../services/template/cli/main.ts';
import { startKubeSim } from '../test/kube-sim/server.ts';
import { freePort } from '../services/template/testing/ports.ts';
import { runOperatorCommand } from './command.ts';
import { listenMetrics, METRICS_PATH } from './metrics-listener.ts';
import { unreachableKubeconfig } from './testing/kubeconfig.ts';
import { operatorOnSim } from './testing/sim-operator.ts';
import { until } from './testing/sim-client.ts';

/** The port of an `https://host:port` URL. */
const portOf = (url: string | undefined): number => Number(new URL(url ?? 'https://x:1').port);

function context(env: Record<string, string>, out: string[]): CliContext & { stop: () => void } {
  let handler: ((signal: string) => void) | undefined;
  return {
    services: [], env,
    stdout: (text) => { out.push(text); }, stderr: () => undefined,
    onSignal: (next) => { handler = next; return () => { handler = undefined; }; },
    stop: () => { handler?.('SIGTERM'); },
  };
}

describe('operator metrics listener for Prometheus (chart value metrics.port)', function () {
  this.timeout(20_000);

  it('serves GET and HEAD /metrics as Prometheus text over HTTPS, problem+json 404 and 405 for the rest', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'operator' });
    new Gauge({ name: 'probe_gauge', help: 'a gauge', registers: [registry] });
    const dataDir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-metrics-'));
    const tls = await loadTls({ mode: 'auto', certFile: '', keyFile: '', caFile: '', names: ['localhost', '127.0.0.1'] }, { dataDir, serviceName: 'operator' });
    const listener = await listenMetrics(registry, serverOptions(tls), { address: '127.0.0.1', port: 0 }, pino({ level: 'silent' }));
    try {
      const target = { address: '127.0.0.1', port: listener.port, ca: tls.ca };
      const scraped = await callAdmin(target, 'GET', METRICS_PATH);
      expect(scraped.status).to.equal(200);
      expect(scraped.body).to.include('# TYPE probe_gauge gauge').and.include('probe_gauge{service="operator"} 0');
      const head = https.request({ host: '127.0.0.1', port: listener.port, path: METRICS_PATH, method: 'HEAD', ca: tls.ca });
      head.end();
      const [headAnswer] = (await once(head, 'response')) as [IncomingMessage];
      headAnswer.resume();
      expect(headAnswer.statusCode).to.equal(200);
      const elsewhere = await callAdmin(target, 'GET', '/admin/v1/shutdown');
      expect(elsewhere.status).to.equal(404);
      expect(JSON.parse(elsewhere.body)).to.include({ status: 404 });
      const written = await callAdmin(target, 'POST', METRICS_PATH);
      expect(written.status).to.equal(405);
    } finally {
      await listener.close(1_000);
    }
  });

  it('the operator serves its reconcile metrics there when started with metrics, and closes it on stop', async () => {
    const sim = await startKubeSim();
    try {
      const running = await operatorOnSim(sim, { metrics: { address: '127.0.0.1', port: 0 } });
      const target = { address: '127.0.0.1', port: portOf(running.metricsUrl), ca: running.ca };
      expect(running.metricsUrl).to.match(/^https:\/\/127\.0\.0\.1:\d+$/u);
      const leader = await until('the leader gauge at 1', async () => {
        const answer = await callAdmin(target, 'GET', METRICS_PATH);
        return answer.body.includes('cryptoutil_operator_leader{service="operator"} 1') ? answer : undefined;
      });
      expect(leader.body).to.include('cryptoutil_operator_queue_depth');
      await running.stop();
      expect(await callAdmin(target, 'GET', METRICS_PATH).catch((error: unknown) => error)).to.be.instanceOf(Error);
      expect((await operatorOnSim(sim)).metricsUrl).to.equal(undefined);
    } finally {
      await sim.stop();
    }
  });

  it('cryptoutil operator start listens on CRYPTOUTIL_METRICS_ADDRESS:CRYPTOUTIL_METRICS_PORT and refuses a port that is not one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-metrics-'));
    const kubeconfig = await unreachableKubeconfig(dir);
    const refused = await runOperatorCommand(['start', '--data-dir', dir], context({ CRYPTOUTIL_METRICS_PORT: 'x' }, [])).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(UsageError);
    expect((refused as Error).message).to.equal('CRYPTOUTIL_METRICS_PORT must be a port number');
    const tooLarge = await runOperatorCommand(['start', '--data-dir', dir], context({ CRYPTOUTIL_METRICS_PORT: '70000' }, [])).catch((error: unknown) => error);
    expect(tooLarge).to.be.instanceOf(UsageError);
    const port = await freePort();
    const out: string[] = [];
    const cli = context({ CRYPTOUTIL_LOG_LEVEL: 'silent', CRYPTOUTIL_METRICS_PORT: String(port), CRYPTOUTIL_METRICS_ADDRESS: '127.0.0.1' }, out);
    const started = runOperatorCommand(['start', '--kubeconfig', kubeconfig, '--data-dir', dir, '--admin-port', '0'], cli);
    await until('start', () => Promise.resolve(out.length > 0 ? true : undefined));
    const ca = await readFile(join(dir, 'tls', 'ca.crt'), 'utf8');
    const answer = await callAdmin({ address: '127.0.0.1', port, ca }, 'GET', METRICS_PATH);
    expect(answer.status).to.equal(200);
    expect(answer.body).to.include('cryptoutil_operator_leader');
    cli.stop();
    expect(await started).to.equal(0);
  });
});
