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

  it('exits 2 with usage when --kubeconfig is missing', async () => {
    const result = await run(process.execPath, [main]);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.include('usage: npm run kube-sim -- --kubeconfig FILE');
  });
});
