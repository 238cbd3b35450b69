/**
 * Issue 13, point 12: the operator is no confused deputy. Whoever may create a cryptoutil resource
 * must not borrow the operator's service account to run an image the chart does not allow, to mount
 * a Secret that was not offered to cryptoutil, or to overwrite an object the operator does not own.
 * Also: an unseal Secret of the earlier layout (all shares in one Secret, maybe without the key check
 * value) is split into one Secret per share, the key check value computed from its shares.
 *
 * Everything runs on kube-sim with the chart's RBAC: the operator talks HTTPS with its service
 * account token and kube-sim allows exactly what the rendered ClusterRole allows; its settings
 * (images, allowed images) are read from the Deployment the chart renders.
 */
import { expect } from 'chai';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startKubeSim, type KubeSim } from '../kube-sim/server.ts';
import type { KObject } from '../kube-sim/objects.ts';
import { helmPath, run } from '../kube-sim/tools.ts';
import { startOperator, type RunningOperator } from '../../operator/main.ts';
import { parseAllowedImages } from '../../operator/guards/index.ts';
import { keyCheckOfShares, newUnsealShares } from '../../services/template/barrier/index.ts';

const NAMESPACE = 'default';
const AUTH = { issuer: 'https://issuer.example' };
const ALLOWED = 'registry.example/cryptoutil:';

type Json = Record<string, unknown>;

/** The operator's environment as the chart renders it with `allowedImages` set. */
async function chartEnvironment(): Promise<Record<string, string>> {
  const chart = join(import.meta.dirname, '..', '..', 'charts', 'cryptoutil-operator');
  const rendered = await run(await helmPath(), ['template', 'cryptoutil-operator', chart, '--namespace', 'cryptoutil-system', '--set', `allowedImages={${ALLOWED}}`]);
  expect(rendered.code, rendered.stderr).to.equal(0);
  const deployment = parseAllDocuments(rendered.stdout).map((document) => document.toJS() as Json | null).find((manifest) => manifest?.kind === 'Deployment');
  const spec = (deployment?.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } | undefined);
  const env = spec?.template.spec.containers[0]?.env ?? [];
  return Object.fromEntries(env.filter((entry) => entry.value !== undefined).map((entry) => [entry.name, String(entry.value)]));
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('operator: no confused deputy (kube-sim with the chart RBAC)', function () {
  this.timeout(90_000);
  let sim: KubeSim;
  let running: RunningOperator;

  const type = (group: string, version: string, plural: string): Parameters<KubeSim['api']['get']>[0] => sim.api.type(group, version, plural);
  const secrets = (): Parameters<KubeSim['api']['get']>[0] => type('', 'v1', 'secrets');
  const deployments = (): Parameters<KubeSim['api']['get']>[0] => type('apps', 'v1', 'deployments');
  const find = (kind: Parameters<KubeSim['api']['get']>[0], name: string): KObject | undefined => sim.api.list(kind, NAMESPACE).find((object) => object.metadata.name === name);
  /** What a user with kubectl does, as kube-sim's admin. */
  const create = (kind: Parameters<KubeSim['api']['get']>[0], body: Json): KObject => sim.api.create(kind, NAMESPACE, body as unknown as KObject, 'kubectl');
  const createResource = (plural: string, kind: string, name: string, spec: Json): KObject =>
    create(type('cryptoutil.io', 'v1alpha1', plural), { apiVersion: 'cryptoutil.io/v1alpha1', kind, metadata: { name, namespace: NAMESPACE }, spec });

  /** The Ready condition once its reason is `reason` (or Ready is True when `reason` is 'Ready'). */
  function readyReason(plural: string, name: string, reason: string): Promise<Json> {
    return until(`${name} Ready reason ${reason}`, () => {
      const resource = find(type('cryptoutil.io', 'v1alpha1', plural), name) as unknown as { status?: { conditions?: Json[] } } | undefined;
      const ready = resource?.status?.conditions?.find((condition) => condition.type === 'Ready');
      return ready?.reason === reason ? ready : undefined;
    });
  }

  function eventReasons(name: string): string[] {
    return sim.api.list(type('events.k8s.io', 'v1', 'events'), NAMESPACE)
      .filter((event) => (event as unknown as { regarding?: { name?: string } }).regarding?.name === name)
      .map((event) => String((event as unknown as { reason?: string }).reason));
  }

  before(async () => {
    const env = await chartEnvironment();
    sim = await startKubeSim();
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-deputy-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig, { user: 'operator' });
    running = await startOperator({
      kubeconfig,
      adminPort: 0,
      dataDir: dir,
      // The Lease is where the chart grants it: leaderElection.namespace, the release namespace by default.
      namespace: String(env.CRYPTOUTIL_LEADER_ELECTION_NAMESPACE),
      identity: 'deputy-test',
      resyncSeconds: 1,
      leaseRetryMs: 50,
      logLevel: 'silent',
      images: { service: String(env.CRYPTOUTIL_IMAGE) },
      allowedImages: parseAllowedImages(String(env.CRYPTOUTIL_ALLOWED_IMAGES)),
    });
  });

  after(async () => {
    await running.stop('test done');
    await sim.stop();
  });

  it('deploys no workload for a spec.image outside values.allowedImages: Ready False ImageNotAllowed and an Event', async () => {
    createResource('petstores', 'PetStore', 'miner', { auth: AUTH, image: 'evil.example/miner:1' });
    const ready = await readyReason('petstores', 'miner', 'ImageNotAllowed');
    expect(ready).to.include({ status: 'False' });
    expect(String(ready.message)).to.include('evil.example/miner:1');
    expect(eventReasons('miner')).to.include('ImageNotAllowed');
    expect(find(deployments(), 'miner-learn-ps')).to.equal(undefined);
    expect(find(type('', 'v1', 'configmaps'), 'miner-learn-ps-config')).to.equal(undefined);
  });

  it('deploys an image values.allowedImages admits', async () => {
    createResource('petstores', 'PetStore', 'allowed', { auth: AUTH, image: `${ALLOWED}1.0` });
    const deployment = await until('the Deployment of allowed', () => find(deployments(), 'allowed-learn-ps'));
    expect(JSON.stringify(deployment.spec)).to.include(`"image":"${ALLOWED}1.0"`);
  });

  it('mounts no Secret that is neither labelled cryptoutil.io/allow-mount nor created for the resource (SecretNotAllowed)', async () => {
    create(secrets(), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'payroll-db', namespace: NAMESPACE }, stringData: { url: 'postgres://payroll' } });
    create(secrets(), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'payroll-tls', namespace: NAMESPACE }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x', 'tls.key': 'y' } });
    createResource('petstores', 'PetStore', 'thief', { auth: AUTH, database: { external: { secretRef: { name: 'payroll-db' } } } });
    createResource('petstores', 'PetStore', 'tlsthief', { auth: AUTH, tls: { mode: 'Secret', secretName: 'payroll-tls' } });
    const database = await readyReason('petstores', 'thief', 'SecretNotAllowed');
    expect(String(database.message)).to.include('Secret payroll-db');
    const tls = await readyReason('petstores', 'tlsthief', 'SecretNotAllowed');
    expect(String(tls.message)).to.include('Secret payroll-tls');
    expect(eventReasons('thief')).to.include('SecretNotAllowed');
    expect(find(deployments(), 'thief-learn-ps')).to.equal(undefined);
    expect(find(deployments(), 'tlsthief-learn-ps')).to.equal(undefined);
  });

  it('mounts a Secret labelled cryptoutil.io/allow-mount: "true"', async () => {
    create(secrets(), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'offered-db', namespace: NAMESPACE, labels: { 'cryptoutil.io/allow-mount': 'true' } }, stringData: { url: 'postgres://offered' } });
    createResource('petstores', 'PetStore', 'offered', { auth: AUTH, database: { external: { secretRef: { name: 'offered-db' } } } });
    const deployment = await until('the Deployment of offered', () => find(deployments(), 'offered-learn-ps'));
    expect(JSON.stringify(deployment.spec)).to.include('offered-db');
  });

  it('takes over no existing object it does not own: Ready False ObjectConflict naming it, the object untouched', async () => {
    const victim = create(deployments(), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'payroll-learn-ps', namespace: NAMESPACE, labels: { app: 'payroll' } },
      spec: { replicas: 4, selector: { matchLabels: { app: 'payroll' } }, template: { metadata: { labels: { app: 'payroll' } }, spec: { containers: [{ name: 'payroll', image: 'payroll:1' }] } } },
    });
    createResource('petstores', 'PetStore', 'payroll', { auth: AUTH });
    const ready = await readyReason('petstores', 'payroll', 'ObjectConflict');
    expect(String(ready.message)).to.include('Deployment payroll-learn-ps');
    expect(eventReasons('payroll')).to.include('ObjectConflict');
    // kube-sim's kubelet writes the Deployment's status; what the operator would take over is the rest.
    const after = find(deployments(), 'payroll-learn-ps');
    expect(after?.spec).to.deep.equal(victim.spec);
    expect(after?.metadata.labels).to.deep.equal(victim.metadata.labels);
    expect(after?.metadata.ownerReferences).to.equal(undefined);
    expect(JSON.stringify(after)).to.not.include('cryptoutil-operator');
  });

  it('deletes under deletionPolicy Delete no Secret it did not create, even one named like its unseal share Secret', async () => {
    const victim = create(secrets(), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bank-unseal-1', namespace: NAMESPACE }, stringData: { share: 'someone else', keyCheck: 'kcv1:x' } });
    const kmsinstances = type('cryptoutil.io', 'v1alpha1', 'kmsinstances');
    createResource('kmsinstances', 'KmsInstance', 'bank', { auth: AUTH, deletionPolicy: 'Delete' });
    await until('the retained-secrets finalizer on bank', () => (find(kmsinstances, 'bank')?.metadata.finalizers?.length ?? 0) > 0 ? true : undefined);
    sim.api.delete(kmsinstances, NAMESPACE, 'bank');
    await until('bank to be gone', () => (find(kmsinstances, 'bank') === undefined ? true : undefined));
    expect(find(secrets(), 'bank-unseal-1')?.data).to.deep.equal(victim.data);
    expect(eventReasons('bank')).to.include('SecretKept');
  });

  it('splits an unseal Secret the operator wrote in the earlier layout into one Secret per share, with the key check value its shares rebuild', async () => {
    const shares = await newUnsealShares(5, 3);
    const labels = { 'app.kubernetes.io/name': 'sm-kms', 'app.kubernetes.io/instance': 'legacy', 'app.kubernetes.io/component': 'unseal', 'app.kubernetes.io/part-of': 'cryptoutil', 'app.kubernetes.io/managed-by': 'cryptoutil-operator' };
    create(secrets(), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'legacy-unseal', namespace: NAMESPACE, labels, annotations: { 'cryptoutil.io/threshold': '3' } },
      type: 'Opaque',
      stringData: Object.fromEntries(shares.map((share, index) => [`share-${String(index + 1)}`, share])),
    });
    createResource('kmsinstances', 'KmsInstance', 'legacy', { auth: AUTH });
    await until('legacy-unseal to be split and deleted', () => (find(secrets(), 'legacy-unseal') === undefined ? true : undefined));
    const expected = await keyCheckOfShares(shares);
    for (const [index, share] of shares.entries()) {
      const secret = find(secrets(), `legacy-unseal-${String(index + 1)}`) as unknown as { data?: Record<string, string> } | undefined;
      expect(Buffer.from(String(secret?.data?.share), 'base64').toString('utf8')).to.equal(share);
      expect(Buffer.from(String(secret?.data?.keyCheck), 'base64').toString('utf8')).to.equal(expected);
    }
    // The Event follows the writes it reports.
    await until('the UnsealSecretSplit Event', () => (eventReasons('legacy').includes('UnsealSecretSplit') ? true : undefined));
    await until('the Deployment of legacy', () => find(deployments(), 'legacy-sm-kms'));
  });
});
