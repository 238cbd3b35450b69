import { expect } from 'chai';
import { access, constants, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');

async function yamlAt(path: string): Promise<unknown> {
  return parse(await readFile(join(root, path), 'utf8')) as unknown;
}

/** The value at a path of keys and indexes, or undefined where the path leaves the document. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(join(root, path), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

describe('kind/, the e2e-kind workflow and the Argo CD Application stay consistent with the repository', () => {
  it('kind/cluster.yaml is a kind Cluster with a control-plane node', async () => {
    const cluster = await yamlAt('kind/cluster.yaml');
    expect(at(cluster, 'kind')).to.equal('Cluster');
    expect(at(cluster, 'apiVersion')).to.equal('kind.x-k8s.io/v1alpha4');
    expect(at(cluster, 'nodes', 0, 'role')).to.equal('control-plane');
  });

  it('kind/up.sh and kind/down.sh are executable, strict bash, and up.sh sets only image values the chart defines', async () => {
    for (const script of ['kind/up.sh', 'kind/down.sh']) {
      expect(await executable(script), `${script} is executable`).to.equal(true);
      const text = await readFile(join(root, script), 'utf8');
      expect(text.startsWith('#!/usr/bin/env bash\n')).to.equal(true);
      expect(text).to.include('set -euo pipefail');
    }
    const up = await readFile(join(root, 'kind/up.sh'), 'utf8');
    const values = await yamlAt('charts/cryptoutil-operator/values.yaml');
    const set = [...up.matchAll(/--set ([\w.]+)=/gu)].map((match) => match[1] ?? '');
    expect(set).to.deep.equal(['image.repository', 'image.tag', 'image.pullPolicy']);
    for (const key of set) expect(at(values, ...key.split('.')), key).to.not.equal(undefined);
    // The samples' placeholder issuer is what up.sh replaces with ISSUER (readyz needs a reachable JWKS).
    const placeholder = /^placeholder="(https:\/\/[^"]+)"$/mu.exec(up)?.[1];
    for (const sample of ['petstore', 'kmsinstance']) expect(at(await yamlAt(`kind/samples/${sample}.yaml`), 'spec', 'auth', 'issuer')).to.equal(placeholder);
    // The chart's CRD templates are upgraded with the release; CRDs an earlier run applied are adopted.
    expect(up).to.include('--take-ownership').and.not.include('crds/');
    for (const file of ['kind/samples/petstore.yaml', 'kind/samples/kmsinstance.yaml', 'kind/cluster.yaml', 'Dockerfile', 'charts/cryptoutil-operator']) {
      expect(up).to.include(`\${root}/${file}`);
      expect(await stat(join(root, file)), file).to.be.an('object');
    }
  });

  it('.github/workflows/e2e-kind.yml runs kind/up.sh on push and pull requests with the Node release of .nvmrc and keeps logs on failure', async () => {
    const workflow = await yamlAt('.github/workflows/e2e-kind.yml');
    expect(at(workflow, 'on')).to.have.keys('push', 'pull_request');
    const job = at(workflow, 'jobs', 'kind');
    expect(at(job, 'runs-on')).to.equal('ubuntu-24.04');
    const steps = at(job, 'steps') as Record<string, unknown>[];
    // The one Node release of .nvmrc, which .ci/run and package.json engines name too.
    expect(steps.find((step) => step.uses === 'actions/setup-node@v4')?.with).to.deep.equal({ 'node-version-file': '.nvmrc' });
    expect((await readFile(join(root, '.nvmrc'), 'utf8')).trim()).to.match(/^24\.\d+\.\d+$/u);
    expect(steps.some((step) => typeof step.uses === 'string' && step.uses.startsWith('helm/kind-action@'))).to.equal(true);
    expect(steps.some((step) => typeof step.uses === 'string' && step.uses.startsWith('azure/setup-helm@'))).to.equal(true);
    const runs = steps.map((step) => (typeof step.run === 'string' ? step.run : ''));
    expect(runs).to.include('kind/up.sh');
    expect(at(steps.find((step) => step.run === 'kind/up.sh'), 'env', 'ISSUER')).to.match(/^https:\/\//u);
    expect(runs.some((run) => run.includes('type=="Ready"'))).to.equal(true);
    const onFailure = steps.filter((step) => step.if === 'failure()').map((step) => JSON.stringify(step));
    expect(onFailure.join()).to.include('kubectl -n default describe').and.include('logs deployment/cryptoutil-operator');
  });

  it('docs/gitops/argocd-application.yaml is an Argo CD Application of this repository\'s chart with server-side apply and automated sync', async () => {
    const application = await yamlAt('docs/gitops/argocd-application.yaml');
    expect(at(application, 'apiVersion')).to.equal('argoproj.io/v1alpha1');
    expect(at(application, 'kind')).to.equal('Application');
    expect(at(application, 'spec', 'source', 'repoURL')).to.equal('https://github.com/OWNER/cryptoutil.git');
    const path = at(application, 'spec', 'source', 'path');
    expect(path).to.equal('charts/cryptoutil-operator');
    expect(at(await yamlAt(join(String(path), 'Chart.yaml')), 'name')).to.equal('cryptoutil-operator');
    expect(at(application, 'spec', 'source', 'helm', 'valuesObject', 'image', 'repository')).to.be.a('string');
    expect(at(application, 'spec', 'syncPolicy', 'automated')).to.deep.equal({ prune: true, selfHeal: true });
    expect(at(application, 'spec', 'syncPolicy', 'syncOptions')).to.deep.equal(['ServerSideApply=true', 'CreateNamespace=true']);
  });

  it('every sample custom resource syncs in Argo CD wave 1, after the chart, and skips the dry run while its CRD is new', async () => {
    const samples = (await readdir(join(root, 'kind', 'samples'))).filter((file) => file.endsWith('.yaml'));
    expect(samples).to.have.length.greaterThan(4);
    for (const file of samples) {
      const annotations = at(await yamlAt(join('kind', 'samples', file)), 'metadata', 'annotations');
      expect(annotations, file).to.deep.equal({ 'argocd.argoproj.io/sync-wave': '1', 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' });
    }
  });
});
