/**
 * Operator end to end: kube-sim starts without CRDs, the real kubectl installs them and the
 * samples, and `cryptoutil operator start` runs as a real process with the chart's RBAC. Both
 * samples are named `demo` in `default`; their children carry the service in their names
 * (`demo-learn-ps`, `demo-sm-kms`), so the two resources never claim the same child.
 */
import { expect } from 'chai';
import { http01Responder, orderLocalhost } from '../../services/pki-ca/testing/http01.ts';
import { splitPem } from '../../services/pki-ca/testing/openssl-client.ts';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x509 } from '../../services/template/tls/x509.ts';
import { startKubeSim, type KubeSim } from '../kube-sim/server.ts';
import { kubectlPath, run } from '../kube-sim/tools.ts';
import { freePort } from '../../services/template/testing/ports.ts';
import { run as runNode, sourceCli, start, type Running } from './processes.ts';
import { mountPod, type MountedPod, type PodTemplateOwner } from '../kube-sim/pod-files.ts';
import { createPostgresDatabase } from '../../services/template/testing/databases.ts';
import { createTestIssuer } from '../../services/template/testing/issuer.ts';

const root = join(import.meta.dirname, '..', '..');
const sample = (file: string): string => join(root, 'kind', 'samples', file);

/** Every kind the operator creates for a resource (kube-sim has no `all` category). */
const CHILD_KINDS = 'deployments,statefulsets,services,configmaps,secrets,poddisruptionbudgets,networkpolicies';
const OF_DEMO = '--selector=app.kubernetes.io/instance=demo';

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly observedGeneration?: number;
}

interface Resource {
  readonly metadata: { readonly uid: string; readonly generation?: number; readonly ownerReferences?: readonly { readonly kind: string; readonly uid: string }[] };
  readonly spec: { readonly replicas?: number };
  readonly status?: { readonly observedGeneration?: number; readonly conditions?: readonly Condition[] };
  readonly data?: Readonly<Record<string, string>>;
}

/**
 * An HTTPS GET that must answer 200, trusting only `ca`; with `at`, sent there while the TLS name
 * checked stays the URL's host (the operator's resolve list, as `curl --resolve` does).
 */
async function httpsResponse(url: string, ca: string, at?: { readonly address: string; readonly port: number }): Promise<{ readonly body: Buffer; readonly headers: http.IncomingHttpHeaders }> {
  const target = new URL(url);
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const where = at === undefined ? {} : { hostname: at.address, port: at.port, servername: target.hostname, headers: { host: target.host } };
    https.get(url, { ca, ...where }, resolve).on('error', reject);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  expect(response.statusCode, url).to.equal(200);
  return { body: Buffer.concat(chunks), headers: response.headers };
}

/** The body of an HTTPS GET that must answer 200, trusting only `ca`. */
async function httpsGet(url: string, ca: string): Promise<Buffer> {
  return (await httpsResponse(url, ca)).body;
}

/** A command's stdout; rejects when it exits non-zero. */
async function runTool(command: string, args: readonly string[]): Promise<string> {
  return (await promisify(execFile)(command, [...args])).stdout;
}

/** Polls `probe` until it settles; fails naming `what` and the last observation. */
async function until<T>(what: string, probe: () => Promise<{ readonly done: T } | { readonly seen: unknown }>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await probe();
    if ('done' in outcome) {
      return outcome.done;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}; last seen: ${JSON.stringify(outcome.seen)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How runPodOf departs from its defaults. */
interface PodOptions {
  /** The public port, when something else (the operator's resolve list) must know it beforehand. */
  readonly publicPort?: number;
  /** How long the service may take to print that it listens (a first unseal that makes keys is slower). */
  readonly startTimeoutMs?: number;
  /** Further changes to the mounted configuration, after the test's own. */
  readonly adjust?: (config: Record<string, unknown>) => Record<string, unknown>;
}

function ready(resource: Resource): Condition | undefined {
  return resource.status?.conditions?.find((condition) => condition.type === 'Ready');
}

describe('operator end to end: kubectl against kube-sim with `cryptoutil operator start` as a process', function () {
  this.timeout(60_000);
  let dir: string;
  let sim: KubeSim;
  let kubectlFile: string;
  let adminConfig: string;
  let operator: Running | undefined;
  let adminPort: number;
  /** Where the CertificateAuthority's pod listens; the operator reaches `demo-pki-ca.default.svc:8380` there. */
  let caPort: number;
  /** Where the JwkAuthority's pod listens; the operator reaches `demo-jose-ja.default.svc:8280` there. */
  let joseJaPort: number;

  /** `kubectl --kubeconfig admin …` as the user; never throws. */
  async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run(kubectlFile, ['--kubeconfig', adminConfig, ...args]);
  }

  /** `kubectl apply -f -` with `manifest` on stdin; never throws. */
  async function applyStdin(manifest: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return run(kubectlFile, ['--kubeconfig', adminConfig, 'apply', '-f', '-'], { input: manifest });
  }

  /** `kubectl …` that must succeed; returns stdout. */
  async function kubectlOk(...args: string[]): Promise<string> {
    const result = await kubectl(...args);
    if (result.code !== 0) {
      throw new Error(`kubectl ${args.join(' ')} exited ${String(result.code)}: ${result.stderr}`);
    }
    return result.stdout;
  }

  /** One object as JSON, or undefined when kubectl cannot get it. */
  async function get(name: string): Promise<Resource | undefined> {
    const result = await kubectl('get', name, '-o', 'json');
    return result.code === 0 ? JSON.parse(result.stdout) as Resource : undefined;
  }

  async function childrenOfDemo(): Promise<string[]> {
    return (await kubectlOk('get', CHILD_KINDS, OF_DEMO, '-o', 'name')).split('\n').filter((line) => line !== '').sort();
  }

  /**
   * Waits until the children of `demo` are exactly `expected`. A reconcile in flight when the owner
   * goes can re-apply children that name the vanished owner; the garbage collector deletes those.
   */
  /** The five unseal share Secrets of `prefix` (`<prefix>-unseal-1` …), as childrenOfDemo names them. */
  const shareSecrets = (prefix: string): string[] => [1, 2, 3, 4, 5].map((index) => `secret/${prefix}-unseal-${String(index)}`);

  async function childrenSettleOn(expected: readonly string[]): Promise<void> {
    await until<string[]>(`the children of demo to be ${JSON.stringify(expected)}`, async () => {
      const children = await childrenOfDemo();
      if (JSON.stringify(children) === JSON.stringify(expected)) {
        return { done: children };
      }
      return { seen: children };
    });
  }

  /**
   * Starts the real `cryptoutil <service> start` on the files the operator rendered for `workload`'s
   * pod (mounted by mountPod as a kubelet would), runs `check` against it, then stops it. kube-sim has
   * no PostgreSQL StatefulSet running, so the database Secret is replaced by a scratch database here;
   * the sample's issuer (spec.auth.issuer, a placeholder) is replaced by a local test issuer, whose
   * JWKS readyz needs, trusted through a CA bundle next to the mounted one.
   */
  async function runPodOf(workload: string, check: (pod: MountedPod) => Promise<void>, options: PodOptions = {}): Promise<void> {
    const deployment = JSON.parse(await kubectlOk('get', workload, '-o', 'json')) as PodTemplateOwner;
    const database = await createPostgresDatabase();
    const issuer = await createTestIssuer();
    const root = await mkdtemp(join(dir, 'pod-'));
    const publicPort = options.publicPort ?? await freePort();
    const podAdminPort = await freePort();
    let process: Running | undefined;
    try {
      const pod = await mountPod(deployment, async (kind, name) => {
        const object = JSON.parse(await kubectlOk('get', kind.toLowerCase(), name, '-o', 'json')) as Resource;
        const data = object.data ?? {};
        if (kind === 'ConfigMap') return data;
        const decoded = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
        return name.endsWith('-postgres') ? Object.fromEntries(Object.keys(decoded).map((key) => [key, database.url])) : decoded;
      }, root, (config) => {
        const tls = config.tls as { caFile: string };
        const bundle = join(root, 'ca-bundle.pem');
        writeFileSync(bundle, `${readFileSync(tls.caFile, 'utf8')}\n${issuer.ca}`);
        expect(config.auth).to.deep.equal({ issuer: 'https://identity.example.com' });
        const adjusted = { ...config, tls: { ...tls, caFile: bundle }, auth: { issuer: issuer.url }, public: { address: '127.0.0.1', port: publicPort }, admin: { address: '127.0.0.1', port: podAdminPort }, log: { level: 'warn' } };
        return options.adjust?.(adjusted) ?? adjusted;
      });
      process = start(sourceCli, [...pod.args]);
      await process.waitFor('listening on', options.startTimeoutMs);
      await check(pod);
      process.child.kill('SIGTERM');
      expect((await process.finished).code).to.equal(0);
    } finally {
      process?.child.kill('SIGKILL');
      await database.drop();
      await issuer.close();
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cryptoutil-operator-e2e-'));
    const emptyCrds = join(dir, 'crds');
    await mkdir(emptyCrds);
    sim = await startKubeSim({ crdsDir: emptyCrds });
    adminConfig = join(dir, 'admin.yaml');
    await sim.writeKubeconfig(adminConfig, { user: 'admin' });
    await sim.writeKubeconfig(join(dir, 'operator.yaml'), { user: 'operator' });
    kubectlFile = await kubectlPath();
    adminPort = await freePort();
    caPort = await freePort();
    joseJaPort = await freePort();
  });

  after(async () => {
    if (operator?.child.exitCode === null && operator.child.signalCode === null) {
      operator.child.kill('SIGKILL');
      await operator.finished;
    }
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs the CRDs with kubectl apply -f crds/ and waits for Established', async () => {
    expect(await kubectl('get', 'petstores')).to.have.property('code').that.not.equals(0);
    const installed = await kubectlOk('apply', '-f', join(root, 'crds'));
    expect(installed.trim().split('\n')).to.have.length(5);
    const established = await kubectlOk('wait', '--for=condition=Established', 'crd/petstores.cryptoutil.io', 'crd/kmsinstances.cryptoutil.io', '--timeout=10s');
    expect(established).to.include('customresourcedefinition.apiextensions.k8s.io/petstores.cryptoutil.io condition met');
    expect(established).to.include('customresourcedefinition.apiextensions.k8s.io/kmsinstances.cryptoutil.io condition met');
  });

  it('starts the operator process with the operator ServiceAccount kubeconfig; it leads and answers readyz', async () => {
    const dataDir = join(dir, 'operator-data');
    const flags = ['--data-dir', dataDir, '--admin-port', String(adminPort)];
    operator = start(sourceCli, ['operator', 'start', '--kubeconfig', join(dir, 'operator.yaml'), ...flags], {
      // The chart's release namespace, where its Role grants the Lease.
      POD_NAMESPACE: 'cryptoutil-system',
      POD_NAME: 'e2e-operator',
      CRYPTOUTIL_OPERATOR_RESOLVE: `demo-pki-ca.default.svc:8380=127.0.0.1:${String(caPort)},demo-jose-ja.default.svc:8280=127.0.0.1:${String(joseJaPort)}`,
    });
    await operator.waitFor(`operator started (admin https://127.0.0.1:${String(adminPort)})`);
    await operator.waitFor('"msg":"leading"');
    const probe = await runNode(sourceCli, ['operator', 'readyz', ...flags]);
    expect(probe.code, probe.stderr).to.equal(0);
  });

  it('makes the PetStore sample Ready with children owned by it', async () => {
    expect(await kubectlOk('apply', '-f', sample('petstore.yaml'))).to.equal('petstore.cryptoutil.io/demo created\n');
    await kubectlOk('wait', '--for=condition=Ready', 'petstore/demo', '--timeout=30s');
    const store = await get('petstore/demo');
    expect(store?.status?.observedGeneration).to.equal(1);
    const deployment = await get('deployment/demo-learn-ps');
    expect(deployment?.metadata.ownerReferences?.[0]).to.deep.include({ kind: 'PetStore', uid: store?.metadata.uid });
    expect(await childrenOfDemo()).to.include.members(['configmap/demo-learn-ps-config', 'deployment.apps/demo-learn-ps', 'secret/demo-learn-ps-tls', 'service/demo-learn-ps', 'statefulset.apps/demo-learn-ps-postgres']);
  });

  it('recreates a deleted child Deployment', async () => {
    const before = await get('deployment/demo-learn-ps');
    expect(before).to.not.equal(undefined);
    await kubectlOk('delete', 'deployment', 'demo-learn-ps');
    const back = await until<Resource>('deployment/demo-learn-ps to be recreated by the operator', async () => {
      const now = await get('deployment/demo-learn-ps');
      return now !== undefined && now.metadata.uid !== before?.metadata.uid ? { done: now } : { seen: now?.metadata.uid ?? 'absent' };
    });
    expect(back.metadata.ownerReferences?.[0]).to.have.property('kind', 'PetStore');
    await kubectlOk('wait', '--for=condition=Ready', 'petstore/demo', '--timeout=30s');
  });

  it('converges on spec.replicas 3: the Deployment scales and Ready catches up with the generation', async () => {
    await kubectlOk('patch', 'petstore', 'demo', '--type=merge', '-p', '{"spec":{"replicas":3}}');
    const store = await until<Resource>('Deployment replicas 3 and Ready True at generation 2', async () => {
      const [deployment, resource] = [await get('deployment/demo-learn-ps'), await get('petstore/demo')];
      const condition = resource === undefined ? undefined : ready(resource);
      if (resource !== undefined && deployment?.spec.replicas === 3 && resource.status?.observedGeneration === 2 && condition?.status === 'True' && condition.observedGeneration === 2) {
        return { done: resource };
      }
      return { seen: { replicas: deployment?.spec.replicas, status: resource?.status } };
    });
    expect(store.metadata.generation).to.equal(2);
  });

  it('refuses an invalid PetStore (replicas 0) on create and on patch, naming the field, and keeps the stored spec', async () => {
    const refused = await kubectl('patch', 'petstore', 'demo', '--type=merge', '-p', '{"spec":{"replicas":0}}');
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.include('The PetStore "demo" is invalid: spec.replicas: Invalid value: 0');
    const created = await applyStdin('apiVersion: cryptoutil.io/v1alpha1\nkind: PetStore\nmetadata: { name: bad, namespace: default }\nspec: { replicas: 0 }\n');
    expect(created.code).to.not.equal(0);
    expect(created.stderr).to.include('The PetStore "bad" is invalid: spec.replicas: Invalid value: 0');
    expect(await get('petstore/bad')).to.equal(undefined);
    expect((await get('petstore/demo'))?.spec.replicas).to.equal(3);
  });

  it('garbage-collects every owned child when the PetStore is deleted, keeping the database credentials (Retain)', async () => {
    await kubectlOk('delete', 'petstore', 'demo', '--timeout=20s');
    await childrenSettleOn(['secret/demo-learn-ps-postgres']);
    expect(await get('petstore/demo')).to.equal(undefined);
  });

  it('makes the KmsInstance sample Ready, and keeps its unseal and database Secrets after deletion (Retain)', async () => {
    expect(await kubectlOk('apply', '-f', sample('kmsinstance.yaml'))).to.equal('kmsinstance.cryptoutil.io/demo created\n');
    await kubectlOk('wait', '--for=condition=Ready', 'kmsinstance/demo', '--timeout=30s');
    const unseal = await get('secret/demo-unseal-1');
    expect(Object.keys(unseal?.data ?? {})).to.have.members(['share', 'keyCheck']);
    expect(unseal?.metadata.ownerReferences).to.equal(undefined);
    expect(await get('secret/demo-unseal-5')).to.not.equal(undefined);
    // That the pod unseals itself from the share Secrets projected into its mount: run-pods.e2e.test.ts,
    // where kube-sim runs it (--run-pods) and Ready waits for its readyz.
    const credentials = await get('secret/demo-sm-kms-postgres');
    await kubectlOk('delete', 'kmsinstance', 'demo', '--timeout=20s');
    await childrenSettleOn(['secret/demo-learn-ps-postgres', 'secret/demo-sm-kms-postgres', ...shareSecrets('demo')]);
    expect((await get('secret/demo-unseal-1'))?.data).to.deep.equal(unseal?.data);
    expect((await get('secret/demo-sm-kms-postgres'))?.data).to.deep.equal(credentials?.data);
  });

  it('runs both samples side by side: each `demo` owns its own children', async () => {
    await kubectlOk('apply', '-f', sample('petstore.yaml'), '-f', sample('kmsinstance.yaml'));
    await kubectlOk('wait', '--for=condition=Ready', 'petstore/demo', 'kmsinstance/demo', '--timeout=30s');
    expect((await get('deployment/demo-learn-ps'))?.metadata.ownerReferences?.[0]).to.have.property('kind', 'PetStore');
    expect((await get('deployment/demo-sm-kms'))?.metadata.ownerReferences?.[0]).to.have.property('kind', 'KmsInstance');
    await kubectlOk('delete', 'petstore', 'demo', '--timeout=20s');
    await kubectlOk('delete', 'kmsinstance', 'demo', '--timeout=20s');
    await childrenSettleOn(['secret/demo-learn-ps-postgres', 'secret/demo-sm-kms-postgres', ...shareSecrets('demo')]);
  });

  it('makes the CertificateAuthority sample Ready: pki-ca unseals from the pod files, the root is published, and an ACME issuance against it succeeds', async function () {
    this.timeout(120_000);
    await kubectlOk('wait', '--for=condition=Established', 'crd/certificateauthorities.cryptoutil.io', '--timeout=10s');
    expect(await kubectlOk('apply', '-f', sample('certificateauthority.yaml'))).to.equal('certificateauthority.cryptoutil.io/demo created\n');
    await until<string[]>('the CertificateAuthority children', async () => {
      const children = await childrenOfDemo();
      const wanted = ['configmap/demo-pki-ca-config', 'deployment.apps/demo-pki-ca', 'secret/demo-pki-ca-tls', 'secret/demo-pki-ca-unseal-1', 'service/demo-pki-ca'];
      return wanted.every((name) => children.includes(name)) ? { done: children } : { seen: children };
    });
    const unseal = await get('secret/demo-pki-ca-unseal-1');
    expect(unseal?.metadata.ownerReferences).to.equal(undefined);
    const tlsCa = Buffer.from((await get('secret/demo-pki-ca-tls'))?.data?.['ca.crt'] ?? '', 'base64').toString('utf8');
    expect(tlsCa).to.include('-----BEGIN CERTIFICATE-----');

    // http-01 answers for `localhost`, on the port the pod's pki.acmeHttpPort names.
    const challenges = await http01Responder('127.0.0.1');
    const acmeHttpPort = challenges.port;
    const files = await mkdtemp(join(dir, 'ca-'));
    try {
      await runPodOf('deployment/demo-pki-ca', async () => {
        await kubectlOk('wait', '--for=condition=Ready', 'certificateauthority/demo', '--timeout=30s');
        const served = await httpsGet(`https://127.0.0.1:${String(caPort)}/pki/v1/ca/root.crt`, tlsCa);
        const status = (await get('certificateauthority/demo'))?.status as Record<string, unknown> | undefined;
        expect(status).to.deep.include({
          fingerprintSha256: createHash('sha256').update(served).digest('hex'),
          notAfter: new Date(new X509Certificate(served).validTo).toISOString(),
          acmeDirectory: 'https://demo-pki-ca.default.svc:8380/acme/default/directory',
        });
        // The bundle holds every CA in use: the issuing CA, the intermediate, then the root.
        const bundle = splitPem((await get('configmap/demo-ca-bundle'))?.data?.['ca.crt'] ?? '');
        expect(bundle.map((pem) => new x509.X509Certificate(pem).subject.split(',')[0])).to.deep.equal(['CN=Issuing CA default', 'CN=Intermediate CA', 'CN=cryptoutil demo CA']);
        const rootPem = bundle[2] ?? '';
        expect(new X509Certificate(rootPem).raw.equals(served)).to.equal(true);
        writeFileSync(join(files, 'root.pem'), rootPem);
        // pki-ca writes the attributes of spec.subject's text in the order given (CN first).
        expect(new x509.X509Certificate(rootPem).subject).to.equal('CN=cryptoutil demo CA, O=cryptoutil');
        const subject = await runTool('openssl', ['x509', '-in', join(files, 'root.pem'), '-noout', '-subject', '-nameopt', 'sep_multiline']);
        expect(subject.split('\n').map((line) => line.trim()).filter((line) => line !== '')).to.deep.equal(['subject=', 'CN=cryptoutil demo CA', 'O=cryptoutil']);

        const { chain } = await orderLocalhost(`https://127.0.0.1:${String(caPort)}/acme/default/directory`, tlsCa, challenges);
        const [leaf = '', ...parents] = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
        expect(parents).to.not.have.length(0);
        writeFileSync(join(files, 'leaf.pem'), `${leaf}\n`);
        writeFileSync(join(files, 'untrusted.pem'), parents.map((parent) => `${parent}\n`).join(''));
        const verified = await runTool('openssl', ['verify', '-CAfile', join(files, 'root.pem'), '-untrusted', join(files, 'untrusted.pem'), join(files, 'leaf.pem')]);
        expect(verified.trim()).to.equal(`${join(files, 'leaf.pem')}: OK`);
        expect(new X509Certificate(leaf).subjectAltName).to.equal('DNS:localhost');
      }, {
        publicPort: caPort,
        startTimeoutMs: 60_000,
        adjust: (config) => ({ ...config, pki: { ...(config.pki as Record<string, unknown>), acmeHttpPort } }),
      });
    } finally {
      challenges.close();
    }
    const credentials = await get('secret/demo-pki-ca-postgres');
    await kubectlOk('delete', 'certificateauthority', 'demo', '--timeout=20s');
    await childrenSettleOn(['secret/demo-learn-ps-postgres', 'secret/demo-pki-ca-postgres', ...shareSecrets('demo-pki-ca'), 'secret/demo-sm-kms-postgres', ...shareSecrets('demo')]);
    expect((await get('secret/demo-pki-ca-unseal-1'))?.data).to.deep.equal(unseal?.data);
    expect((await get('secret/demo-pki-ca-postgres'))?.data).to.deep.equal(credentials?.data);
  });

  it('makes the JwkAuthority sample Ready: jose-ja unseals from the pod files, makes the declared sets, and their public JWKS URLs are published', async function () {
    this.timeout(90_000);
    expect(await kubectlOk('apply', '-f', sample('jwkauthority.yaml'))).to.equal('jwkauthority.cryptoutil.io/demo created\n');
    await until<string[]>('the JwkAuthority children', async () => {
      const children = await childrenOfDemo();
      const wanted = ['configmap/demo-jose-ja-config', 'deployment.apps/demo-jose-ja', 'secret/demo-jose-ja-tls', ...shareSecrets('demo-jose-ja'), 'service/demo-jose-ja'];
      return wanted.every((name) => children.includes(name)) ? { done: children } : { seen: children };
    });
    const unseal = await get('secret/demo-jose-ja-unseal-1');
    expect(unseal?.metadata.ownerReferences).to.equal(undefined);
    const tlsCa = Buffer.from((await get('secret/demo-jose-ja-tls'))?.data?.['ca.crt'] ?? '', 'base64').toString('utf8');
    const base = 'https://demo-jose-ja.default.svc:8280';
    await runPodOf('deployment/demo-jose-ja', async () => {
      await kubectlOk('wait', '--for=condition=Ready', 'jwkauthority/demo', '--timeout=30s');
      const status = (await get('jwkauthority/demo'))?.status as Record<string, unknown> | undefined;
      const urls = ['tokens', 'inbox'].map((set) => `${base}/jwks/${set}/.well-known/jwks.json`);
      expect(status?.jwksUrls).to.deep.equal(urls);
      // The in-cluster URL, sent to the pod's port; the certificate is checked for the Service's name.
      const { body, headers } = await httpsResponse(urls[0] ?? '', tlsCa, { address: '127.0.0.1', port: joseJaPort });
      const { keys } = JSON.parse(body.toString('utf8')) as { keys: Record<string, unknown>[] };
      expect(keys).to.not.have.length(0);
      for (const key of keys) {
        expect(key).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
        expect(key).to.not.have.property('d');
      }
      expect(headers['cache-control']).to.match(/max-age=\d+/);
      expect(headers.etag).to.match(/^"[\w-]+"$/);
    }, { publicPort: joseJaPort, startTimeoutMs: 60_000 });
    const credentials = await get('secret/demo-jose-ja-postgres');
    await kubectlOk('delete', 'jwkauthority', 'demo', '--timeout=20s');
    const kept = [
      'secret/demo-learn-ps-postgres', 'secret/demo-pki-ca-postgres', ...shareSecrets('demo-pki-ca'), 'secret/demo-sm-kms-postgres', ...shareSecrets('demo'),
      'secret/demo-jose-ja-postgres', ...shareSecrets('demo-jose-ja'),
    ];
    await childrenSettleOn(kept.sort());
    expect((await get('secret/demo-jose-ja-unseal-1'))?.data).to.deep.equal(unseal?.data);
    expect((await get('secret/demo-jose-ja-postgres'))?.data).to.deep.equal(credentials?.data);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    expect(operator).to.not.equal(undefined);
    operator?.child.kill('SIGTERM');
    const finished = await operator?.finished;
    expect(finished?.code, finished?.stderr).to.equal(0);
    expect(finished?.stdout).to.include('"msg":"stopped"');
  });
});
