/**
 * `npm run kube-sim -- --kubeconfig FILE`: kube-sim in the foreground on a free loopback port,
 * with an admin kubeconfig written to FILE (and, with `--operator-kubeconfig FILE2`, one for the
 * operator's ServiceAccount, which the chart's RBAC restricts); `--request-stats` serves the request
 * counts by user at `/kube-sim/v1/requests` (benchmarks); `--run-pods` runs the real cryptoutil
 * processes of cryptoutil Deployments (README "Running pods"), `--trust-ca FILE` adding a PEM bundle
 * to what those pods trust; SIGINT or SIGTERM stops it (and its pods).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startKubeSim } from './server.ts';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    'operator-kubeconfig': { type: 'string' },
    user: { type: 'string', default: 'admin' },
    'request-stats': { type: 'boolean' },
    'run-pods': { type: 'boolean' },
    'trust-ca': { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help === true || values.kubeconfig === undefined || (values['trust-ca'] !== undefined && values['run-pods'] !== true)) {
  process.stdout.write('usage: npm run kube-sim -- --kubeconfig FILE [--user admin|operator] [--operator-kubeconfig FILE] [--request-stats] [--run-pods [--trust-ca PEM-FILE]]\n');
  process.exit(values.help === true ? 0 : 2);
}
const user = values.user === 'operator' ? 'operator' : 'admin';
const trustCa = values['trust-ca'];
const trustedCa = trustCa === undefined ? undefined : await readFile(trustCa, 'utf8').catch((error: unknown) => {
  process.stderr.write(`kube-sim: cannot read --trust-ca ${trustCa}: ${(error as Error).message}\n`);
  process.exit(2);
});
const runPods = values['run-pods'] === true
  ? { ...(trustedCa === undefined ? {} : { trustedCa }), log: (line: string) => { process.stdout.write(`${line}\n`); } }
  : false;
const sim = await startKubeSim({ requestStats: values['request-stats'] === true, runPods });
await sim.writeKubeconfig(values.kubeconfig, { user });
const operatorKubeconfig = values['operator-kubeconfig'];
if (operatorKubeconfig !== undefined) await sim.writeKubeconfig(operatorKubeconfig, { user: 'operator' });
const what = runPods === false ? 'no pods run' : 'cryptoutil pods run as local processes';
process.stdout.write(`kube-sim (a fake Kubernetes API server, ${what}) listening on ${sim.url}; kubeconfig ${values.kubeconfig}\n`);
const stop = (): void => {
  void sim.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
