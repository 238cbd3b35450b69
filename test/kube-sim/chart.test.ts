import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IMAGES } from '../../operator/main.ts';
import { parseAllDocuments } from 'yaml';
import { allowed, policyFromManifests } from './rbac.ts';
import { startKubeSim } from './server.ts';
import { helmPath, kubectlPath, run } from './tools.ts';

const chart = join(import.meta.dirname, '..', '..', 'charts', 'cryptoutil-operator');

interface Manifest {
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  roleRef?: Record<string, string>;
  subjects?: Record<string, string>[];
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  spec?: {
    template: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { securityContext: Record<string, unknown>; containers: Record<string, unknown>[] } & Record<string, unknown> };
  } & Record<string, unknown>;
}

const CRD_NAMES = ['kmsinstances.cryptoutil.io', 'certificateauthorities.cryptoutil.io', 'identityrealms.cryptoutil.io', 'petstores.cryptoutil.io', 'jwkauthorities.cryptoutil.io'];

async function template(...args: string[]): Promise<Manifest[]> {
  const result = await run(await helmPath(), ['template', 'cryptoutil-operator', chart, '--namespace', 'cryptoutil-system', ...args]);
  expect(result.stderr).to.equal('');
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as Manifest | null).filter((manifest) => manifest !== null);
}

/** The manifests of one kind, by name. */
function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((manifest) => manifest.kind === kind);
}

/** helm template must refuse these values, naming the key values.schema.json rejects. */
async function refused(key: string, ...set: string[]): Promise<void> {
  const result = await run(await helmPath(), ['template', 'x', chart, ...set.flatMap((value) => ['--set', value])]);
  expect(result.code, set.join(' ')).to.equal(1);
  expect(result.stderr, set.join(' ')).to.include(key);
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
    // Secrets are listed and watched (as metadata, by label) so a deleted one is noticed; never in bulk deleted.
    expect(allowed(policy.rules, { verb: 'watch', group: '', resource: 'secrets' })).to.equal(true);
    expect(allowed(policy.rules, { verb: 'deletecollection', group: '', resource: 'secrets' })).to.equal(false);
    expect(allowed(policy.rules, { verb: 'update', group: 'apps', resource: 'deployments' })).to.equal(false);
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

  it('serves the operator metrics on a Service whose named port and selector reach the operator pods; metrics.enabled=false drops them', async () => {
    const manifests = await template();
    const deployment = ofKind(manifests, 'Deployment')[0];
    const [container] = deployment?.spec?.template.spec.containers ?? [];
    expect(container?.ports).to.deep.equal([{ name: 'metrics', containerPort: 9191, protocol: 'TCP' }]);
    expect(environment(manifests, 'CRYPTOUTIL_METRICS_PORT')).to.equal('9191');
    const [service] = ofKind(manifests, 'Service');
    expect(service?.metadata?.name).to.equal('cryptoutil-operator-metrics');
    expect(service?.metadata?.labels).to.include({ 'app.kubernetes.io/component': 'metrics' });
    expect(service?.spec?.ports).to.deep.equal([{ name: 'metrics', port: 9191, targetPort: 'metrics', protocol: 'TCP', appProtocol: 'https' }]);
    const selector = service?.spec?.selector as Record<string, string>;
    expect(deployment?.spec?.template.metadata.labels).to.include(selector);
    expect({ matchLabels: selector }).to.deep.equal(deployment?.spec?.selector);
    const moved = await template('--set', 'metrics.port=9300');
    expect(environment(moved, 'CRYPTOUTIL_METRICS_PORT')).to.equal('9300');
    expect(ofKind(moved, 'Service')[0]?.spec?.ports).to.have.nested.property('[0].port', 9300);
    const off = await template('--set', 'metrics.enabled=false', '--set', 'metrics.serviceMonitor.enabled=true');
    expect(ofKind(off, 'Service').concat(ofKind(off, 'ServiceMonitor'))).to.deep.equal([]);
    expect(environment(off, 'CRYPTOUTIL_METRICS_PORT')).to.equal(undefined);
    expect(ofKind(off, 'Deployment')[0]?.spec?.template.spec.containers[0]).not.to.have.property('ports');
    // 9190 is the operator's loopback admin port.
    await refused('metrics', 'metrics.port=9190');
    await refused('metrics', 'metrics.port=80');
  });

  it('renders a ServiceMonitor only with metrics.serviceMonitor.enabled, selecting the metrics Service with its labels and interval', async () => {
    expect(ofKind(await template(), 'ServiceMonitor')).to.deep.equal([]);
    const manifests = await template('--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.interval=15s', '--set', 'metrics.serviceMonitor.labels.release=kube-prometheus-stack');
    const [monitor] = ofKind(manifests, 'ServiceMonitor');
    expect(monitor?.metadata?.labels).to.include({ release: 'kube-prometheus-stack' });
    const service = ofKind(manifests, 'Service')[0];
    expect(service?.metadata?.labels).to.include((monitor?.spec?.selector as { matchLabels: Record<string, string> }).matchLabels);
    expect(monitor?.spec?.endpoints).to.deep.equal([{ port: 'metrics', path: '/metrics', scheme: 'https', interval: '15s', tlsConfig: { insecureSkipVerify: true } }]);
    await refused('interval', 'metrics.serviceMonitor.interval=often');
  });

  it('renders a PodDisruptionBudget when replicas > 1, or as podDisruptionBudget.enabled says', async () => {
    const budgets = async (...set: string[]): Promise<Manifest[]> => ofKind(await template(...set.flatMap((value) => ['--set', value])), 'PodDisruptionBudget');
    expect(await budgets()).to.deep.equal([]);
    const [budget] = await budgets('replicas=2');
    expect(budget?.spec).to.deep.equal({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'cryptoutil-operator', 'app.kubernetes.io/instance': 'cryptoutil-operator' } } });
    expect(await budgets('podDisruptionBudget.enabled=true')).to.have.length(1);
    expect(await budgets('replicas=3', 'podDisruptionBudget.enabled=false')).to.deep.equal([]);
    expect((await budgets('replicas=3', 'podDisruptionBudget.maxUnavailable=50%'))[0]?.spec).to.include({ maxUnavailable: '50%' });
    await refused('podDisruptionBudget', 'podDisruptionBudget.maxUnavailable=half');
  });

  it('puts podAnnotations, podLabels, priorityClassName, nodeSelector, tolerations, affinity and imagePullSecrets on the operator pod only when set', async () => {
    const pod = async (...set: string[]): Promise<{ metadata: Record<string, unknown>; spec: Record<string, unknown> } | undefined> => {
      const template_ = ofKind(await template(...set.flatMap((value) => ['--set', value])), 'Deployment')[0]?.spec?.template;
      return template_ === undefined ? undefined : { metadata: template_.metadata, spec: template_.spec };
    };
    const plain = await pod();
    expect(plain?.metadata).to.deep.equal({ labels: { 'app.kubernetes.io/name': 'cryptoutil-operator', 'app.kubernetes.io/instance': 'cryptoutil-operator' } });
    expect(plain?.spec).not.to.have.any.keys('priorityClassName', 'nodeSelector', 'tolerations', 'affinity', 'imagePullSecrets');
    const dressed = await pod(
      'podAnnotations.example\\.com/owner=platform', 'podLabels.team=platform', 'priorityClassName=system-cluster-critical',
      'nodeSelector.kubernetes\\.io/os=linux', 'tolerations[0].key=dedicated', 'tolerations[0].operator=Exists',
      'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=zone',
      'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists',
      'imagePullSecrets[0].name=registry',
    );
    expect(dressed?.metadata).to.deep.equal({
      annotations: { 'example.com/owner': 'platform' },
      labels: { team: 'platform', 'app.kubernetes.io/name': 'cryptoutil-operator', 'app.kubernetes.io/instance': 'cryptoutil-operator' },
    });
    expect(dressed?.spec).to.deep.include({
      priorityClassName: 'system-cluster-critical',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      imagePullSecrets: [{ name: 'registry' }],
    });
    expect(dressed?.spec).to.have.nested.property('affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key', 'zone');
    // A pod label may not take over the selector: the Deployment would lose its pods.
    await refused("invalid propertyName 'app.kubernetes.io/instance'", 'podLabels.app\\.kubernetes\\.io/instance=other');
  });

  it('values.schema.json refuses every value it does not define, at the top and inside each object', async () => {
    for (const value of ['unknown=1', 'metrics.path=/x', 'metrics.serviceMonitor.scheme=http', 'crds.keep=true', 'podDisruptionBudget.minAvailable=1', 'imagePullSecrets[0].secret=x']) {
      const key = value.split(/[.=[]/u)[0] ?? value;
      await refused(key === 'unknown' ? 'unknown' : key, value);
    }
    await refused('priorityClassName', 'priorityClassName[0]=x');
    await refused('podAnnotations', 'podAnnotations.a=1');
  });

  it('passes helm lint --strict with every value switched on', async () => {
    const result = await run(await helmPath(), ['lint', '--strict', chart,
      '--set', 'replicas=2', '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'podDisruptionBudget.enabled=true', '--set', 'crds.install=false',
      '--set', 'podAnnotations.a=b', '--set', 'podLabels.c=d', '--set', 'priorityClassName=high', '--set', 'imagePullSecrets[0].name=r']);
    expect(result.code, result.stdout).to.equal(0);
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

  it('renders the CRDs as templates (so helm upgrade upgrades them), kept on uninstall, first in Argo CD\'s sync, and none with crds.install=false', async () => {
    const rendered = await template();
    const crds = ofKind(rendered, 'CustomResourceDefinition');
    expect(crds.map((crd) => crd.metadata?.name)).to.have.members(CRD_NAMES);
    for (const crd of crds) expect(crd.metadata?.annotations).to.deep.equal({ 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-wave': '-1' });
    // Everything else is in the default wave 0: the operator starts once its CRDs exist.
    const others = rendered.filter((object) => object.kind !== 'CustomResourceDefinition');
    expect(others.filter((object) => object.metadata?.annotations?.['argocd.argoproj.io/sync-wave'] !== undefined)).to.deep.equal([]);
    // Helm never upgrades a chart's crds/ directory: the chart must not have one.
    expect(existsSync(join(chart, 'crds'))).to.equal(false);
    expect(ofKind(await template('--set', 'crds.install=false'), 'CustomResourceDefinition')).to.deep.equal([]);
    await refused('crds', 'crds.install=yes');
  });

  it('against kube-sim: helm adopts CRDs applied by kubectl, upgrades a changed CRD, and uninstall keeps them', async function () {
    this.timeout(60_000);
    // kube-sim serves no RBAC or apps kinds to Helm: a copy of the chart with its CRD templates only.
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-chart-'));
    const copy = join(dir, 'chart');
    await cp(chart, copy, { recursive: true });
    for (const file of await readdir(join(copy, 'templates'))) {
      if (file !== 'crds' && file !== '_helpers.tpl') await rm(join(copy, 'templates', file), { recursive: true });
    }
    await mkdir(join(dir, 'no-crds'));
    const sim = await startKubeSim({ crdsDir: join(dir, 'no-crds'), rbacFromChart: false });
    try {
      await sim.writeKubeconfig(join(dir, 'kubeconfig'), { user: 'admin' });
      const env = { KUBECONFIG: join(dir, 'kubeconfig') };
      // kube-sim publishes no OpenAPI document for Helm to validate against.
      const helm = async (...args: string[]): ReturnType<typeof run> => run(await helmPath(), [...args, '--namespace', 'cryptoutil-system', '--disable-openapi-validation'], { env });
      const description = async (): Promise<string> => {
        const result = await run(await kubectlPath(), ['get', 'crd', 'petstores.cryptoutil.io', '-o', 'jsonpath={.spec.versions[0].schema.openAPIV3Schema.description}'], { env });
        return result.stdout;
      };
      // As docs/operator.md says for crds.install=false, or as an older chart's crds/ left them.
      const applied = await run(await kubectlPath(), ['apply', '--server-side', '-f', join(chart, '..', '..', 'crds')], { env });
      expect(applied.code, applied.stderr).to.equal(0);
      const install = ['upgrade', '--install', 'cryptoutil-operator', copy, '--create-namespace'];
      expect((await helm(...install)).stderr).to.include('invalid ownership metadata');
      const adopted = await helm(...install, '--take-ownership');
      expect(adopted.code, adopted.stderr).to.equal(0);
      expect(await description()).to.equal('PetStore runs one cryptoutil service; the operator reconciles it.');
      const file = join(copy, 'templates', 'crds', 'petstores.cryptoutil.io.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('PetStore runs one', 'PetStore, changed, runs one'));
      const upgraded = await helm('upgrade', 'cryptoutil-operator', copy);
      expect(upgraded.code, upgraded.stderr).to.equal(0);
      expect(await description()).to.equal('PetStore, changed, runs one cryptoutil service; the operator reconciles it.');
      // A second release in the cluster cannot own the same CRDs: it installs with crds.install=false.
      const second = ['install', 'operator-team-b', copy, '--create-namespace', '--namespace', 'team-b', '--disable-openapi-validation'];
      expect((await run(await helmPath(), second, { env })).stderr).to.include('invalid ownership metadata');
      const withoutCrds = await run(await helmPath(), [...second, '--set', 'crds.install=false'], { env });
      expect(withoutCrds.code, withoutCrds.stderr).to.equal(0);
      // Helm deletes its release Secrets with protobuf DeleteOptions after the release's objects.
      const uninstalled = await run(await helmPath(), ['uninstall', 'cryptoutil-operator', '--namespace', 'cryptoutil-system'], { env });
      expect(uninstalled.code, uninstalled.stderr).to.equal(0);
      expect(await description()).to.include('changed');
      const releases = await run(await kubectlPath(), ['get', 'secrets', '--namespace', 'cryptoutil-system', '-l', 'owner=helm,name=cryptoutil-operator', '-o', 'name'], { env });
      expect(releases.stdout.trim()).to.equal('');
    } finally {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
