/**
 * A realm and a service talking to each other as pods: kube-sim with `runPods` runs the real
 * identity-authz, identity-idp and learn-ps processes the operator deploys, and the pods reach one
 * another by their in-cluster names through kube-sim's cluster DNS preload (test/kube-sim/pod-network.ts).
 * The realm sample with two clients becomes Ready; a client-credentials token from the realm's
 * issuer, with the secret of the Secret the operator wrote, calls a PetStore that trusts the realm
 * through `spec.auth.identityRealmRef`; a scope edited in the CR changes the next token; a client
 * removed from the CR has its secret refused; identity-rp and identity-spa switched on sign users in
 * with the client the operator registered and serve the console. This test process reaches the pods the same way (the
 * preload's hook installed here), so every URL below is the in-cluster one.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { parse } from 'yaml';
import type { RunningOperator } from '../../operator/main.ts';
import { operatorOnSim } from '../../operator/testing/sim-operator.ts';
import { asAdmin, until, type Json } from '../../operator/testing/sim-client.ts';
import { openDatabase } from '../../services/template/database/index.ts';
import { installPodNetwork } from '../kube-sim/pod-network.ts';
import type { RunPods } from '../kube-sim/run-pods.ts';
import { startKubeSim, type KubeSim } from '../kube-sim/server.ts';

const SAMPLE = fileURLToPath(new URL('../../kind/samples/identityrealm.yaml', import.meta.url));
const REALMS = '/apis/cryptoutil.io/v1alpha1/namespaces/default/identityrealms';
const PETSTORES = '/apis/cryptoutil.io/v1alpha1/namespaces/default/petstores';
const SECRETS = '/api/v1/namespaces/default/secrets';
const ISSUER = 'https://demo-identity-authz.default.svc:8180';
const PETS = 'https://shop-learn-ps.default.svc:8480/service/api/v1/pets';
const LEARN_PS = 'urn:cryptoutil:learn-ps';
const RP = 'https://demo-identity-rp.default.svc:8183';
const SPA = 'https://demo-identity-spa.default.svc:8184';
const SERVER = process.env.CRYPTOUTIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Three real processes start, migrate and unseal on a loaded machine: generous, never a weaker check. */
const START_MS = 150_000;

const writer = { name: 'writer', grantTypes: ['client_credentials'], scopes: { [LEARN_PS]: ['pets:read', 'pets:write'] } };
const reader = { name: 'reader', grantTypes: ['client_credentials'], scopes: { [LEARN_PS]: ['pets:read'] } };

interface Answer {
  readonly status: number;
  readonly json: Json;
}

/** An HTTPS call by the in-cluster URL, trusting only `ca`; `location` is the answer's Location header. */
function call(method: string, url: string, ca: string, headers: Record<string, string>, body?: string): Promise<Answer & { readonly location?: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, ca, headers, agent: false }, (response) => {
      const { location } = response.headers;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        try {
          resolve({ status, json: JSON.parse(text || '{}') as Json, ...(location === undefined ? {} : { location }) });
        } catch {
          resolve({ status, json: { text }, ...(location === undefined ? {} : { location }) });
        }
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

function readyOf(resource: Json): Json | undefined {
  return ((resource.status as Json | undefined)?.conditions as Json[] | undefined)?.find((condition) => condition.type === 'Ready');
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

describe('kube-sim --run-pods: a realm issues the tokens a PetStore accepts, pod to pod', function () {
  this.timeout(240_000);
  let sim: KubeSim;
  let pods: RunPods;
  let operator: RunningOperator;
  let uninstall: () => void = () => undefined;
  let ca: string;
  let stopped = false;

  const secretOf = async (client: string): Promise<string> => {
    const answer = await asAdmin(sim, 'GET', `${SECRETS}/demo-client-${client}`);
    const data = answer.body.data as Json | undefined;
    if (answer.status !== 200 || typeof data?.clientSecret !== 'string') throw new Error(`no Secret demo-client-${client}: ${JSON.stringify(answer.body)}`);
    return Buffer.from(data.clientSecret, 'base64').toString('utf8');
  };

  const token = async (client: string, secret: string, scope: string): Promise<Answer> => {
    const basic = Buffer.from(`${client}:${secret}`).toString('base64');
    const form = new URLSearchParams({ grant_type: 'client_credentials', resource: LEARN_PS, scope }).toString();
    return call('POST', `${ISSUER}/token`, ca, { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, form);
  };

  const patchClients = async (clients: readonly Json[]): Promise<void> => {
    const answer = await asAdmin(sim, 'PATCH', `${REALMS}/demo`, { spec: { clients } }, 'application/merge-patch+json');
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
  };

  before(async () => {
    sim = await startKubeSim({ runPods: { terminationGraceMs: 5_000 } });
    if (sim.pods === undefined) throw new Error('runPods did not start a pod runner');
    pods = sim.pods;
    operator = await operatorOnSim(sim, { resolve: pods.addresses, realmSyncSeconds: 3 });
    uninstall = installPodNetwork(pods.addressFile);
  });

  // What the pods said, when a step failed: the processes' own logs are the only place that tells why.
  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const pod of pods.pods()) process.stderr.write(`--- ${pod.namespace}/${pod.name} (ready ${String(pod.ready)}, restarts ${String(pod.restarts)})\n${pod.output.slice(-3_000)}\n`);
  });

  after(async () => {
    uninstall();
    if (!stopped) {
      await operator.stop('test done');
      await sim.stop();
    }
  });

  it('applies the realm sample with two clients: Ready once identity-authz and identity-idp pods pass readyz, with a Secret per client', async () => {
    const sample = parse(await readFile(SAMPLE, 'utf8')) as Json;
    const realm = { ...sample, spec: { ...(sample.spec as Json), clients: [writer, reader] } };
    const created = await asAdmin(sim, 'POST', REALMS, realm);
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const ready = await until('identityrealm/demo Ready', async () => {
      const body = (await asAdmin(sim, 'GET', `${REALMS}/demo`)).body;
      return readyOf(body)?.status === 'True' && (body.status as Json).managedClients === 2 ? body : undefined;
    }, START_MS);
    expect((ready.status as Json).issuer).to.equal(ISSUER);
    const names = pods.pods().filter((pod) => pod.ready).map((pod) => pod.workload);
    expect(names).to.include.members(['demo-identity-authz', 'demo-identity-idp']);
    const tls = (await asAdmin(sim, 'GET', `${SECRETS}/demo-identity-authz-tls`)).body;
    ca = Buffer.from(String((tls.data as Json)['ca.crt']), 'base64').toString('utf8');
    // The issuer answers at its in-cluster URL, through the map, with its certificate checked for that name.
    const discovery = await call('GET', `${ISSUER}/.well-known/oauth-authorization-server`, ca, { accept: 'application/json' });
    expect(discovery.status).to.equal(200);
    expect(discovery.json.issuer).to.equal(ISSUER);
  });

  it('a PetStore trusting the realm through identityRealmRef is Ready (its pod fetched the realm\'s JWKS) and accepts a writer token obtained with the Secret\'s secret', async () => {
    const created = await asAdmin(sim, 'POST', PETSTORES, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'shop' }, spec: { replicas: 1, auth: { identityRealmRef: { name: 'demo' } } } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    await until('petstore/shop Ready', async () => (readyOf((await asAdmin(sim, 'GET', `${PETSTORES}/shop`)).body)?.status === 'True' ? true : undefined), START_MS);
    const issued = await token('writer', await secretOf('writer'), 'pets:read pets:write');
    expect(issued.status, JSON.stringify(issued.json)).to.equal(200);
    const accessToken = String(issued.json.access_token);
    expect(decodeJwt(accessToken)).to.include({ iss: ISSUER, client_id: 'writer', scope: 'pets:read pets:write' });
    const bearer = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const pet = await call('POST', PETS, ca, bearer, JSON.stringify({ name: 'Rex', species: 'dog', priceCents: 1000, stock: 2 }));
    expect(pet.status, JSON.stringify(pet.json)).to.equal(201);
    const read = await call('GET', `${PETS}/${String(pet.json.id)}`, ca, bearer);
    expect(read.json).to.include({ name: 'Rex', stock: 2 });
    const forged = await call('GET', PETS, ca, { authorization: `Bearer ${accessToken.slice(0, -4)}AAAA` });
    expect(forged.status).to.equal(401);
  });

  it('a scope taken from the writer in the CR is gone from its next token, and the PetStore refuses that token a write', async () => {
    await patchClients([{ ...writer, scopes: { [LEARN_PS]: ['pets:read'] } }, reader]);
    const secret = await secretOf('writer');
    const narrowed = await until('a writer token without pets:write', async () => {
      const issued = await token('writer', secret, 'pets:read');
      const scope = issued.status === 200 ? decodeJwt(String(issued.json.access_token)).scope : undefined;
      return scope === 'pets:read' && (await token('writer', secret, 'pets:read pets:write')).status !== 200 ? String(issued.json.access_token) : undefined;
    }, 30_000);
    const bearer = { authorization: `Bearer ${narrowed}`, 'content-type': 'application/json' };
    expect((await call('GET', PETS, ca, bearer)).status).to.equal(200);
    const write = await call('POST', PETS, ca, bearer, JSON.stringify({ name: 'Tom', species: 'cat', priceCents: 500, stock: 1 }));
    expect(write.status, JSON.stringify(write.json)).to.equal(403);
  });

  it('a client deleted from the CR has its secret refused by the issuer', async () => {
    const secret = await secretOf('reader');
    expect((await token('reader', secret, 'pets:read')).status).to.equal(200);
    await patchClients([{ ...writer, scopes: { [LEARN_PS]: ['pets:read'] } }]);
    const refused = await until('the reader refused', async () => {
      const issued = await token('reader', secret, 'pets:read');
      return issued.status === 200 ? undefined : issued;
    }, 30_000);
    expect(refused.status).to.equal(401);
    expect(refused.json.error).to.equal('invalid_client');
    expect((await token('writer', await secretOf('writer'), 'pets:read')).status).to.equal(200);
  });

  it('with components rp and spa, identity-rp starts a sign-in at the realm as the client the operator registered, and the console names identity-rp', async () => {
    const patched = await asAdmin(sim, 'PATCH', `${REALMS}/demo`, { spec: { components: { idp: true, rs: false, rp: true, spa: true } } }, 'application/merge-patch+json');
    expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
    const ready = await until('identityrealm/demo Ready with identity-rp and identity-spa', async () => {
      const body = (await asAdmin(sim, 'GET', `${REALMS}/demo`)).body;
      const running = pods.pods().filter((pod) => pod.ready).map((pod) => pod.workload);
      return readyOf(body)?.status === 'True' && ['demo-identity-rp', 'demo-identity-spa'].every((name) => running.includes(name)) ? body : undefined;
    }, START_MS);
    expect((ready.status as Json).consoleUrl).to.equal(`${SPA}/`);
    // identity-authz rolls to take the new sign-in client; until it has, the pushed request is refused.
    const login = await until('a sign-in started at the realm', async () => {
      const answer = await call('GET', `${RP}/bff/login`, ca, {});
      return answer.status === 303 ? answer : undefined;
    }, START_MS);
    const authorize = new URL(login.location ?? '');
    const metadata = await call('GET', `${ISSUER}/.well-known/oauth-authorization-server`, ca, { accept: 'application/json' });
    expect(`${authorize.origin}${authorize.pathname}`).to.equal(metadata.json.authorization_endpoint);
    expect(authorize.searchParams.get('client_id')).to.equal('identity-rp');
    expect(authorize.searchParams.get('request_uri')).to.match(/^urn:ietf:params:oauth:request_uri:/u);
    const config = await call('GET', `${SPA}/config.json`, ca, { accept: 'application/json' });
    expect(config.status).to.equal(200);
    expect(config.json).to.deep.include({ rpUrl: RP });
  });

  it('stops every pod and drops the scratch databases', async () => {
    for (const path of [`${PETSTORES}/shop`, `${REALMS}/demo`]) expect((await asAdmin(sim, 'DELETE', path)).status).to.equal(200);
    await until('every pod gone', () => Promise.resolve(pods.pods().length === 0 ? true : undefined), 60_000);
    const mine = Object.values(pods.databases());
    expect(mine.length).to.be.greaterThanOrEqual(2);
    await operator.stop('test done');
    await sim.stop();
    stopped = true;
    expect((await scratchDatabases()).filter((name) => mine.includes(name))).to.deep.equal([]);
  });
});
