import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeSim, type KubeSim } from './server.ts';
import { kubectlPath, run } from './tools.ts';

const root = join(import.meta.dirname, '..', '..');

describe('kube-sim without preloaded CRDs: kubectl apply -f crds/ installs them', function () {
  this.timeout(20_000);
  let sim: KubeSim;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-sim-crds-'));
    sim = await startKubeSim({ crdsDir: dir, rbacFromChart: false });
    await sim.writeKubeconfig(join(dir, 'config'), { user: 'admin' });
  });
  after(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a kind only once its CRD is created, then enforces its schema', async () => {
    const kubectl = await kubectlPath();
    const config = ['--kubeconfig', join(dir, 'config')];
    const before = await run(kubectl, [...config, 'get', 'petstores']);
    expect(before.stderr).to.include(`the server doesn't have a resource type "petstores"`);
    const installed = await run(kubectl, [...config, 'apply', '-f', join(root, 'crds')]);
    expect(installed.stdout.trim().split('\n')).to.have.length(5);
    const established = await run(kubectl, [...config, 'wait', '--for=condition=Established', 'crd/petstores.cryptoutil.io', '--timeout=10s']);
    expect(established.stdout.trim()).to.equal('customresourcedefinition.apiextensions.k8s.io/petstores.cryptoutil.io condition met');
    const applied = await run(kubectl, [...config, 'apply', '-f', join(root, 'kind', 'samples')]);
    expect(applied.stdout.trim().split('\n').sort()).to.deep.equal([
      'certificateauthority.cryptoutil.io/demo created',
      'identityrealm.cryptoutil.io/demo created',
      'jwkauthority.cryptoutil.io/demo created',
      'kmsinstance.cryptoutil.io/demo created',
      'petstore.cryptoutil.io/demo created',
    ]);
    const all = await run(kubectl, [...config, 'get', 'cryptoutil', '-o', 'name']);
    expect(all.stdout.trim().split('\n')).to.have.length(5);
  });
});
