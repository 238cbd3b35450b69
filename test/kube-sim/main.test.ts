import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { kubectlPath, run } from './tools.ts';

const main = join(import.meta.dirname, 'main.ts');

describe('npm run kube-sim -- --kubeconfig FILE (DESIGN "Contract for checks")', function () {
  this.timeout(25_000);

  it('serves in the foreground, writes a working kubeconfig and stops on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-sim-main-'));
    const kubeconfig = join(dir, 'config');
    const operatorKubeconfig = join(dir, 'operator');
    const child = spawn(process.execPath, [main, '--kubeconfig', kubeconfig, '--operator-kubeconfig', operatorKubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    while (!output.includes('listening on')) await once(child.stdout, 'data');
    const config = parse(await readFile(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    expect(config.clusters[0]?.cluster.server).to.match(/^https:\/\/127\.0\.0\.1:\d+$/u);
    const namespaces = await run(await kubectlPath(), ['--kubeconfig', kubeconfig, 'get', 'namespaces', '-o', 'name']);
    expect(namespaces.stdout).to.include('namespace/default');
    const crds = await run(await kubectlPath(), ['--kubeconfig', kubeconfig, 'get', 'crds', '-o', 'name']);
    expect(crds.stdout).to.include('customresourcedefinition.apiextensions.k8s.io/petstores.cryptoutil.io');
    // The operator's kubeconfig is held to the chart's ClusterRole.
    expect((await run(await kubectlPath(), ['--kubeconfig', operatorKubeconfig, 'get', 'petstores', '-A'])).code).to.equal(0);
    const denied = await run(await kubectlPath(), ['--kubeconfig', operatorKubeconfig, 'delete', 'crd', 'petstores.cryptoutil.io']);
    expect(denied.stderr).to.include('cannot delete resource "customresourcedefinitions"');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).to.equal(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('--run-pods: says pods run, and a cryptoutil Deployment whose ConfigMap is missing waits with its pod unstarted, 0 ready', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-sim-main-'));
    const kubeconfig = join(dir, 'config');
    const child = spawn(process.execPath, [main, '--kubeconfig', kubeconfig, '--run-pods'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    while (!output.includes('listening on')) await once(child.stdout, 'data');
    expect(output).to.include('kube-sim (a fake Kubernetes API server, cryptoutil pods run as local processes)');
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'learn-ps', image: 'example.org/team/cryptoutil:dev', args: ['learn-ps', 'start', '--config', '/etc/cryptoutil/config/config.yml'], volumeMounts: [{ name: 'config', mountPath: '/etc/cryptoutil/config' }] }],
            volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
          },
        },
      },
    };
    const applied = await run(await kubectlPath(), ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { input: JSON.stringify(deployment) });
    expect(applied.code, applied.stderr).to.equal(0);
    while (!output.includes('cannot start')) await once(child.stdout, 'data');
    expect(output).to.match(/pod default\/web-sim-1 cannot start: ConfigMap default\/web-config not found/u);
    const status = await run(await kubectlPath(), ['--kubeconfig', kubeconfig, 'get', 'deployment', 'web', '-o', 'jsonpath={.status.replicas}/{.status.readyReplicas}']);
    expect(status.stdout).to.equal('1/0');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).to.equal(0);
    expect(output).to.include('pod default/web-sim-1 stopped');
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 with usage when --trust-ca comes without --run-pods', async () => {
    const result = await run(process.execPath, [main, '--kubeconfig', '/dev/null', '--trust-ca', '/dev/null']);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.include('[--run-pods [--trust-ca PEM-FILE]]');
  });

  it('exits 2 naming the file when --trust-ca cannot be read', async () => {
    const result = await run(process.execPath, [main, '--kubeconfig', '/dev/null', '--run-pods', '--trust-ca', '/nonexistent/ca.pem']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('kube-sim: cannot read --trust-ca /nonexistent/ca.pem: ENOENT');
  });

  it('exits 2 with usage when --kubeconfig is missing', async () => {
    const result = await run(process.execPath, [main]);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.include('usage: npm run kube-sim -- --kubeconfig FILE');
  });
});
