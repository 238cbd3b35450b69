/**
 * kube-sim with `runPods` (`--run-pods`) and the real operator in process: a PetStore's Deployment
 * becomes real `cryptoutil learn-ps start` processes on the files the operator rendered, its
 * PostgreSQL StatefulSet a scratch database on the local server, and Ready follows the pods' own
 * `cryptoutil learn-ps readyz` exec probe. The operator reaches Services through kube-sim's address map.
 */
import { expect } from 'chai';
import https from 'node:https';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { freePort } from '../../services/template/testing/ports.ts';
import type { RunningOperator } from '../../operator/main.ts';
import { operatorOnSim } from '../../operator/testing/sim-operator.ts';
import { asAdmin, until, type Json } from '../../operator/testing/sim-client.ts';
import { openDatabase } from '../../services/template/database/index.ts';
import { startKubeSim, type KubeSim } from '../kube-sim/server.ts';
import type { PodInfo, RunPods } from '../kube-sim/run-pods.ts';
import { run, sourceCli } from './processes.ts';

const PETSTORES = '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores';
const JWK_AUTHORITIES = '/apis/cryptoutil.io/v1alpha1/namespaces/default/jwkauthorities';
const KMS_INSTANCES = '/apis/cryptoutil.io/v1alpha1/namespaces/default/kmsinstances';
const SERVICE_NAME = 'demo-learn-ps.default.svc';
const SERVER = process.env.CRYPTOUTIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** An HTTPS call to a pod at its loopback port, checking the certificate for the in-cluster name. */
async function callPod(port: number, ca: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = https.request({
      host: '127.0.0.1',
      port,
      method,
      path,
      servername: SERVICE_NAME,
      ca,
      headers: { host: `${SERVICE_NAME}:8480`, authorization: `Bearer ${token}`, ...(text === undefined ? {} : { 'content-type': 'application/json' }) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json }); });
    });
    request.on('error', reject);
    request.end(text);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readyOf(store: Json): Json | undefined {
  return ((store.status as Json | undefined)?.conditions as Json[] | undefined)?.find((condition) => condition.type === 'Ready');
}

async function scratchDatabases(): Promise<string[]> {
  const admin = await openDatabase({ url: SERVER, entities: [], migrations: [], poolMax: 1 });
  try {
    const rows = await admin.orm.em.getConnection().execute<{ datname: string }[]>("select datname from pg_database where datname like 'kube_sim_%'");
    return rows.map((row) => row.datname);
  } finally {
    await admin.close();
  }
}

describe('kube-sim --run-pods: real learn-ps pods under the real operator', function () {
  this.timeout(120_000);
  let issuer: TestIssuer;
  let sim: KubeSim;
  let pods: RunPods;
  let operator: RunningOperator;
  let token: string;
  let stopped = false;
  const seenPids: number[] = [];

  const podsOf = (workload: string): PodInfo[] => pods.pods().filter((pod) => pod.workload === workload);

  async function readyPetStore(name: string, replicas: number): Promise<Json> {
    return until(`petstore/${name} Ready with ${String(replicas)} replicas`, async () => {
      const store = (await asAdmin(sim, 'GET', `${PETSTORES}/${name}`)).body;
      const ready = readyOf(store);
      return ready?.status === 'True' && ready.message === `${String(replicas)}/${String(replicas)} replicas ready` ? store : undefined;
    }, 60_000);
  }

  before(async () => {
    issuer = await createTestIssuer();
    token = await issuer.serviceToken({ clientId: 'e2e', audience: 'urn:cryptoutil:learn-ps', scopes: ['pets:read', 'pets:write'] });
    sim = await startKubeSim({ runPods: { trustedCa: issuer.ca, terminationGraceMs: 5_000 } });
    if (sim.pods === undefined) throw new Error('runPods did not start a pod runner');
    pods = sim.pods;
    operator = await operatorOnSim(sim, { resolve: pods.addresses });
  });

  after(async () => {
    if (!stopped) {
      await operator.stop('test done');
      await sim.stop();
    }
    await issuer.close();
  });

  it('makes a PetStore Ready only once its real learn-ps process passes readyz; the pod answers HTTPS on its mapped port with the operator CA and stores in its scratch database', async () => {
    const created = await asAdmin(sim, 'POST', PETSTORES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'demo' }, spec: { replicas: 1, auth: { issuer: issuer.url } } });
    expect(created.status).to.equal(201);
    await readyPetStore('demo', 1);
    const [pod] = podsOf('demo-learn-ps');
    expect(pod).to.include({ namespace: 'default', ready: true });
    expect(pod?.pid).to.be.a('number');
    expect(alive(pod?.pid ?? 0)).to.equal(true);
    seenPids.push(pod?.pid ?? 0);
    // The Service's in-cluster address maps to that pod's loopback port, as the operator resolves it.
    expect(pods.addresses.get(`${SERVICE_NAME}:8480`)).to.deep.equal({ address: '127.0.0.1', port: pod?.publicPort });
    const tls = (await asAdmin(sim, 'GET', '/api/v1/namespaces/default/secrets/demo-learn-ps-tls')).body;
    const ca = Buffer.from(String((tls.data as Json)['ca.crt']), 'base64').toString('utf8');
    const pet = await callPod(pod?.publicPort ?? 0, ca, 'POST', '/service/api/v1/pets', token, { name: 'Rex', species: 'dog', priceCents: 1000, stock: 2 });
    expect(pet.status, JSON.stringify(pet.json)).to.equal(201);
    const read = await callPod(pod?.publicPort ?? 0, ca, 'GET', `/service/api/v1/pets/${String(pet.json.id)}`, token);
    expect(read.json).to.include({ name: 'Rex', stock: 2 });
    // The PostgreSQL StatefulSet is a scratch database on the local server, and the pod's URL points there.
    const scratch = pods.databases()['default/demo-learn-ps-postgres'];
    expect(scratch).to.match(/^kube_sim_[0-9a-f]{12}$/u);
    expect(await scratchDatabases()).to.include(scratch);
  });

  it('scaling to 2 starts a second process, and Ready reports 2/2 once its readyz passes', async () => {
    const scaled = await asAdmin(sim, 'PATCH', `${PETSTORES}/demo`, { spec: { replicas: 2 } }, 'application/merge-patch+json');
    expect(scaled.status).to.equal(200);
    await readyPetStore('demo', 2);
    const running = podsOf('demo-learn-ps');
    expect(running).to.have.length(2);
    expect(running.every((pod) => pod.ready && pod.pid !== undefined && alive(pod.pid))).to.equal(true);
    expect(running.map((pod) => pod.pid)).to.include(seenPids[0]);
    expect(new Set(running.map((pod) => pod.publicPort)).size).to.equal(2);
    seenPids.push(...running.flatMap((pod) => (pod.pid === undefined || seenPids.includes(pod.pid) ? [] : [pod.pid])));
    const deployment = (await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/demo-learn-ps')).body;
    expect(deployment.status).to.deep.include({ replicas: 2, readyReplicas: 2, updatedReplicas: 2 });
  });

  it('keeps Ready False for a PetStore whose issuer is unreachable: its process runs, its readyz fails', async () => {
    const nowhere = `https://127.0.0.1:${String(await freePort())}`;
    const created = await asAdmin(sim, 'POST', PETSTORES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'lost' }, spec: { replicas: 1, auth: { issuer: nowhere } } });
    expect(created.status).to.equal(201);
    const pod = await until('the lost pod listening', () => Promise.resolve(podsOf('lost-learn-ps').find((candidate) => candidate.output.includes('listening on'))), 60_000);
    // Several probe rounds later, still not ready.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const [now] = podsOf('lost-learn-ps');
    // A start before its database existed may have crashed once (as a pod would until PostgreSQL is up); it runs now.
    expect(now).to.include({ name: pod.name, ready: false });
    expect(alive(now?.pid ?? 0)).to.equal(true);
    const store = (await asAdmin(sim, 'GET', `${PETSTORES}/lost`)).body;
    expect(readyOf(store)).to.include({ status: 'False' });
    const deployment = (await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/lost-learn-ps')).body;
    expect(deployment.status).to.deep.include({ replicas: 1, readyReplicas: 0 });
    expect(pods.addresses.has('lost-learn-ps.default.svc:8480')).to.equal(false);
    seenPids.push(now?.pid ?? 0);
  });

  it('makes a KmsInstance Ready once its sm-kms pod has unsealed from the projected share Secrets', async () => {
    const created = await asAdmin(sim, 'POST', KMS_INSTANCES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'KmsInstance', metadata: { name: 'vault' }, spec: { replicas: 1, auth: { issuer: issuer.url } } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    await until('kmsinstance/vault Ready', async () => {
      const ready = readyOf((await asAdmin(sim, 'GET', `${KMS_INSTANCES}/vault`)).body);
      return ready?.status === 'True' ? ready : undefined;
    }, 90_000);
    const [pod] = podsOf('vault-sm-kms');
    expect(pod?.ready).to.equal(true);
    seenPids.push(pod?.pid ?? 0);
    const probe = await run(sourceCli, ['sm-kms', 'readyz', '--config', pod?.configFile ?? '']);
    expect(probe.code, probe.stdout + probe.stderr).to.equal(0);
    expect(JSON.parse(probe.stdout)).to.deep.nested.include({ 'checks.barrier.ok': true });
    expect((await asAdmin(sim, 'DELETE', `${KMS_INSTANCES}/vault`)).status).to.equal(200);
  });

  it('publishes a JwkAuthority\'s JWKS URLs: the operator fetched them from the jose-ja pod through the address map', async () => {
    const keySets = [{ name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 }];
    const created = await asAdmin(sim, 'POST', JWK_AUTHORITIES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'JwkAuthority', metadata: { name: 'keys' }, spec: { replicas: 1, auth: { issuer: issuer.url }, keySets } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const status = await until('keys status.jwksUrls', async () => {
      const body = (await asAdmin(sim, 'GET', `${JWK_AUTHORITIES}/keys`)).body.status as Json | undefined;
      return Array.isArray(body?.jwksUrls) ? body : undefined;
    }, 100_000);
    expect(status.jwksUrls).to.deep.equal(['https://keys-jose-ja.default.svc:8280/jwks/tokens/.well-known/jwks.json']);
    const [pod] = podsOf('keys-jose-ja');
    expect(pods.addresses.get('keys-jose-ja.default.svc:8280')).to.deep.equal({ address: '127.0.0.1', port: pod?.publicPort });
    seenPids.push(pod?.pid ?? 0);
    expect((await asAdmin(sim, 'DELETE', `${JWK_AUTHORITIES}/keys`)).status).to.equal(200);
  });

  it('stops the processes when the PetStores are deleted', async () => {
    for (const name of ['demo', 'lost']) expect((await asAdmin(sim, 'DELETE', `${PETSTORES}/${name}`)).status).to.equal(200);
    await until('every pod gone', () => Promise.resolve(pods.pods().length === 0 ? true : undefined), 30_000);
    await until('every pod process ended', () => Promise.resolve(seenPids.every((pid) => !alive(pid)) ? true : undefined), 15_000);
    expect(pods.addresses.size).to.equal(0);
  });

  it('drops the scratch databases when kube-sim stops', async () => {
    // demo's, lost's, vault's and keys', kept after their StatefulSets went as retained volumes would be.
    const mine = Object.values(pods.databases());
    expect(Object.keys(pods.databases()).sort()).to.deep.equal(['default/demo-learn-ps-postgres', 'default/keys-jose-ja-postgres', 'default/lost-learn-ps-postgres', 'default/vault-sm-kms-postgres']);
    expect((await scratchDatabases()).filter((name) => mine.includes(name))).to.have.length(4);
    await operator.stop('test done');
    await sim.stop();
    stopped = true;
    expect((await scratchDatabases()).filter((name) => mine.includes(name))).to.deep.equal([]);
  });
});
