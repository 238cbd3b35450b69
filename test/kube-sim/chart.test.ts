import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_IMAGES } from '../../operator/main.ts';
import { parseAllDocuments } from 'yaml';
import { allowed, policyFromManifests } from './rbac.ts';
import { helmPath, run } from './tools.ts';

const chart = join(import.meta.dirname, '..', '..', 'charts', 'cryptoutil-operator');

interface Manifest {
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  roleRef?: Record<string, string>;
  subjects?: Record<string, string>[];
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  spec?: { template: { spec: { securityContext: Record<string, unknown>; containers: Record<string, unknown>[] } } };
}

async function template(...args: string[]): Promise<Manifest[]> {
  const result = await run(await helmPath(), ['template', 'cryptoutil-operator', chart, '--namespace', 'cryptoutil-system', ...args]);
  expect(result.stderr).to.equal('');
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as Manifest | null).filter((manifest) => manifest !== null);
}

/** The value of an environment variable of the operator container. */
function environment(manifests: readonly Manifest[], name: string): string | undefined {
  const deployment = manifests.find((manifest) => manifest.kind === 'Deployment');
  const env = (deployment?.spec?.template.spec.containers[0]?.env ?? []) as { name: string; value?: string }[];
  return env.find((entry) => entry.name === name)?.value;
}

describe('Helm chart charts/cryptoutil-operator (helm 4)', function () {
  this.timeout(20_000);

  it('passes helm lint --strict', async () => {
    const result = await run(await helmPath(), ['lint', '--strict', chart]);
    expect(result.code, result.stdout).to.equal(0);
    expect(result.stdout).to.include('1 chart(s) linted, 0 chart(s) failed');
  });

  it('refuses values that break values.schema.json', async () => {
    const result = await run(await helmPath(), ['template', 'x', chart, '--set', 'replicas=0']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('replicas');
  });

  it('renders a least-privilege ClusterRole with no wildcard, and the Lease rights in a Role of the release namespace', async () => {
    // operator/rbac.test.ts proves the verbs equal what the operator asks kube-sim for; here the shape.
    const manifests = await template();
    const role = manifests.find((manifest) => manifest.kind === 'ClusterRole');
    expect(JSON.stringify(role?.rules)).not.to.include('*');
    expect(JSON.stringify(role?.rules)).to.include('cert-manager.io').and.not.include('leases');
    expect(manifests.filter((manifest) => manifest.kind === 'Role').map((manifest) => manifest.metadata)).to.deep.equal([{ name: 'cryptoutil-operator-leader-election', namespace: 'cryptoutil-system', labels: manifests[0]?.metadata?.labels }]);
    const withoutCertManager = await template('--set', 'certManager.enabled=false');
    expect(JSON.stringify(withoutCertManager.find((manifest) => manifest.kind === 'ClusterRole'))).not.to.include('cert-manager.io');
  });

  it('binds the ClusterRole to the operator ServiceAccount, which RBAC checks then follow', async () => {
    const result = await run(await helmPath(), ['template', 'cryptoutil-operator', chart, '--namespace', 'cryptoutil-system']);
    const policy = policyFromManifests(result.stdout);
    expect(policy.username).to.equal('system:serviceaccount:cryptoutil-system:cryptoutil-operator');
    expect(allowed(policy.rules, { verb: 'patch', group: 'cryptoutil.io', resource: 'petstores/status', namespace: 'team-a' })).to.equal(true);
    expect(allowed(policy.rules, { verb: 'create', group: 'cryptoutil.io', resource: 'petstores' })).to.equal(false);
    expect(allowed(policy.rules, { verb: 'delete', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' })).to.equal(false);
    expect(allowed(policy.rules, { verb: 'list', group: '', resource: 'secrets' })).to.equal(false);
    expect(allowed(policy.rules, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'cryptoutil-system' })).to.equal(true);
    expect(allowed(policy.rules, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'default' })).to.equal(false);
    expect(allowed([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['one'] }], { verb: 'get', group: '', resource: 'secrets', name: 'two' })).to.equal(false);
  });

  it('with watchNamespaces renders a Role and RoleBinding in each namespace and nothing cluster-wide', async () => {
    const manifests = await template('--set', 'watchNamespaces={team-a,team-b}');
    const clusterRules = (await template()).find((manifest) => manifest.kind === 'ClusterRole')?.rules;
    expect(manifests.map((manifest) => manifest.kind)).not.to.include.members(['ClusterRole', 'ClusterRoleBinding']);
    const roles = manifests.filter((manifest) => manifest.kind === 'Role' && manifest.metadata?.name === 'cryptoutil-operator');
    expect(roles.map((role) => role.metadata?.namespace)).to.deep.equal(['team-a', 'team-b']);
    for (const role of roles) expect(role.rules).to.deep.equal(clusterRules);
    const bindings = manifests.filter((manifest) => manifest.kind === 'RoleBinding' && manifest.metadata?.name === 'cryptoutil-operator');
    expect(bindings.map((binding) => [binding.metadata?.namespace, binding.roleRef, binding.subjects])).to.deep.equal(['team-a', 'team-b'].map((namespace) => [
      namespace, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cryptoutil-operator' }, [{ kind: 'ServiceAccount', name: 'cryptoutil-operator', namespace: 'cryptoutil-system' }],
    ]));
    expect(environment(manifests, 'CRYPTOUTIL_WATCH_NAMESPACES')).to.equal('team-a,team-b');
    expect(environment(await template(), 'CRYPTOUTIL_WATCH_NAMESPACES')).to.equal('');
    const refused = await run(await helmPath(), ['template', 'x', chart, '--set', 'watchNamespaces={Team_A}']);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('watchNamespaces');
  });

  it('puts the Lease of every release in leaderElection.namespace, the release namespace by default', async () => {
    expect(environment(await template(), 'CRYPTOUTIL_LEADER_ELECTION_NAMESPACE')).to.equal('cryptoutil-system');
    for (const namespace of ['team-a', 'team-b']) {
      const result = await run(await helmPath(), ['template', `operator-${namespace}`, chart, '--namespace', namespace, '--set', 'leaderElection.namespace=cryptoutil-system']);
      const manifests = parseAllDocuments(result.stdout).map((document) => document.toJS() as Manifest);
      expect(environment(manifests, 'CRYPTOUTIL_LEADER_ELECTION_NAMESPACE')).to.equal('cryptoutil-system');
      const policy = policyFromManifests(result.stdout);
      expect(allowed(policy.rules, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', name: 'cryptoutil-operator', namespace: 'cryptoutil-system' }), namespace).to.equal(true);
      expect(allowed(policy.rules, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', name: 'cryptoutil-operator', namespace }), namespace).to.equal(false);
    }
    const refused = await run(await helmPath(), ['template', 'x', chart, '--set', 'leaderElection.namespace=Shared']);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('leaderElection');
  });

  it('renders a hardened Deployment with exec probes and resources', async () => {
    const deployment = (await template()).find((manifest) => manifest.kind === 'Deployment');
    const pod = deployment?.spec?.template.spec;
    expect(pod?.securityContext).to.include({ runAsNonRoot: true });
    expect(pod?.securityContext.seccompProfile).to.deep.equal({ type: 'RuntimeDefault' });
    const [container] = pod?.containers ?? [];
    expect(container?.securityContext).to.deep.include({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // The chart's default image is the operator's default service image: the tag `docker build -t` makes.
    expect(container?.image).to.equal(DEFAULT_IMAGES.service);
    expect(container?.livenessProbe).to.deep.include({ exec: { command: ['cryptoutil', 'operator', 'livez'] } });
    expect(container?.readinessProbe).to.deep.include({ exec: { command: ['cryptoutil', 'operator', 'readyz'] } });
    const resources = container?.resources as { requests?: object; limits?: object } | undefined;
    expect(resources?.requests).to.have.keys('cpu', 'memory');
    expect(resources?.limits).to.have.keys('cpu', 'memory');
  });

  it('passes values.allowedImages to the operator as CRYPTOUTIL_ALLOWED_IMAGES, cryptoutil:dev by default', async () => {
    const variable = async (...args: string[]): Promise<unknown> => environment(await template(...args), 'CRYPTOUTIL_ALLOWED_IMAGES');
    expect(await variable()).to.equal('cryptoutil:dev');
    expect(await variable('--set', 'allowedImages={registry.example/cryptoutil:,cryptoutil:dev}')).to.equal('registry.example/cryptoutil:,cryptoutil:dev');
    expect(await variable('--set', 'allowedImages=null')).to.equal('');
    // A comma inside an entry would split it into two entries the user never wrote.
    const refused = await run(await helmPath(), ['template', 'x', chart, '--set', 'allowedImages[0]=a\\,b']);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('allowedImages');
  });

  it('NOTES.txt says how to get the default image, points only at files that exist, and says what Retain keeps', async () => {
    // --dry-run=client renders NOTES without a cluster; KUBECONFIG points nowhere on purpose.
    const result = await run(await helmPath(), ['install', 'cryptoutil-operator', chart, '--dry-run=client', '--namespace', 'cryptoutil-system'], { env: { KUBECONFIG: '/dev/null' } });
    expect(result.code, result.stderr).to.equal(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    const image = DEFAULT_IMAGES.service;
    expect(notes).to.include(`running image\n${image}.`);
    expect(notes).to.include(`docker build -t ${image} .`).and.include(`kind load docker-image ${image}`);
    expect(notes).to.not.match(/https?:\/\/\w/u);
    for (const path of notes.match(/\bkind\/[\w./-]+\.(?:yaml|sh)\b/gu) ?? []) expect(existsSync(join(chart, '..', '..', path)), path).to.equal(true);
    expect(notes).to.include('spec.deletionPolicy Retain (the default) keeps, together, its unseal share\nSecrets');
    expect(notes).to.include('generated database credentials Secret').and.include('PersistentVolumeClaim data-<name>-<service>-postgres-0');
  });

  it('ships the CRDs in crds/ so helm installs them first', async () => {
    const result = await run(await helmPath(), ['template', 'x', chart, '--include-crds']);
    const names = parseAllDocuments(result.stdout)
      .map((document) => document.toJS() as { kind?: string; metadata?: { name?: string } } | null)
      .filter((manifest) => manifest?.kind === 'CustomResourceDefinition')
      .map((manifest) => manifest?.metadata?.name);
    expect(names).to.have.members(['kmsinstances.cryptoutil.io', 'certificateauthorities.cryptoutil.io', 'identityrealms.cryptoutil.io', 'petstores.cryptoutil.io', 'jwkauthorities.cryptoutil.io']);
  });
});
