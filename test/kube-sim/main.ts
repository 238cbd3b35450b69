/**
 * `npm run kube-sim -- --kubeconfig FILE`: kube-sim in the foreground on a free loopback port,
 * with an admin kubeconfig written to FILE (and, with `--operator-kubeconfig FILE2`, one for the
 * operator's ServiceAccount, which the chart's RBAC restricts); `--request-stats` serves the request
 * counts by user at `/kube-sim/v1/requests` (benchmarks); SIGINT or SIGTERM stops it.
 */
import { parseArgs } from 'node:util';
import { startKubeSim } from './server.ts';

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, 'operator-kubeconfig': { type: 'string' }, user: { type: 'string', default: 'admin' }, 'request-stats': { type: 'boolean' }, help: { type: 'boolean' } } });
if (values.help === true || values.kubeconfig === undefined) {
  process.stdout.write('usage: npm run kube-sim -- --kubeconfig FILE [--user admin|operator] [--operator-kubeconfig FILE] [--request-stats]\n');
  process.exit(values.help === true ? 0 : 2);
}
const user = values.user === 'operator' ? 'operator' : 'admin';
const sim = await startKubeSim({ requestStats: values['request-stats'] === true });
await sim.writeKubeconfig(values.kubeconfig, { user });
const operatorKubeconfig = values['operator-kubeconfig'];
if (operatorKubeconfig !== undefined) await sim.writeKubeconfig(operatorKubeconfig, { user: 'operator' });
process.stdout.write(`kube-sim (a fake Kubernetes API server, no pods run) listening on ${sim.url}; kubeconfig ${values.kubeconfig}\n`);
const stop = (): void => {
  void sim.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
