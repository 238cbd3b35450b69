/**
 * An operator process against kube-sim as the chart's service account: its kubeconfig and admin
 * data in a scratch directory, the leader Lease in the release namespace the chart is rendered
 * into, fast resyncs and retries, no log output.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeSim } from '../../test/kube-sim/server.ts';
import { startOperator, type OperatorOptions, type RunningOperator } from '../main.ts';

export async function operatorOnSim(sim: KubeSim, options: Partial<OperatorOptions> = {}): Promise<RunningOperator> {
  const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig, { user: 'operator' });
  return startOperator({ kubeconfig, adminPort: 0, dataDir: dir, namespace: 'cryptoutil-system', identity: 'sim-operator', resyncSeconds: 2, leaseRetryMs: 50, logLevel: 'silent', ...options });
}
