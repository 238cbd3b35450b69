import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { startKubeSim } from '../test/kube-sim/server.ts';
import type { KubeSim } from '../test/kube-sim/server.ts';
import { ADMIN_CLIENT_ID, startAuthz, type AuthzHarness } from '../services/identity-authz/testing/harness.ts';
import { operatorOnSim } from './testing/sim-operator.ts';
import { WatchedRequests } from './testing/watched-requests.ts';
import { asAdmin, until, type Json } from './testing/sim-client.ts';
import type { RunningOperator } from './main.ts';

const REALMS = '/apis/cryptoutil.io/v1alpha1/namespaces/default/identityrealms';
const SECRETS = '/api/v1/namespaces/default/secrets';
/** "A change to the CR is live within 2 s". */
const LIVE_MS = 2_000;
/** Drift is found by the periodic sync (a change made through identity-authz's API is not watched). */
const SYNC_SECONDS = 2;

const ORDERS = 'https://orders.example.test';
const orders = { name: 'orders', identifier: ORDERS, description: 'Orders API', scopes: ['invoices:read', 'invoices:write'] };
const worker = { name: 'order-worker', grantTypes: ['client_credentials'], scopes: { [ORDERS]: ['invoices:read', 'invoices:write'] } };

/**
 * `spec.resources` against kube-sim and a real identity-authz started in process: the operator
 * keeps the realm's resource servers through identity-authz's API, and a declared client gets
 * tokens for them with the secret the operator wrote.
 */
describe('operator against kube-sim: IdentityRealm spec.resources kept in a real identity-authz', function () {
  this.timeout(60_000);
  let sim: KubeSim;
  let authz: AuthzHarness;
  let running: RunningOperator;
  const watched = new WatchedRequests();

  const server = async (name: string): Promise<{ status: number; body: Json }> => {
    const answer = await authz.api('GET', `/resource-servers/${name}`);
    return { status: answer.status, body: answer.json as Json };
  };
  const secretOf = async (name: string): Promise<string> => {
    const answer = await until(`Secret demo-client-${name}`, async () => {
      const found = await asAdmin(sim, 'GET', `${SECRETS}/demo-client-${name}`);
      const data = found.body.data as Json | undefined;
      return found.status === 200 && typeof data?.clientSecret === 'string' ? data.clientSecret : undefined;
    }, 30_000);
    return Buffer.from(answer, 'base64').toString('utf8');
  };
  const scopesOfToken = async (): Promise<string | number> => {
    const answer = await authz.form('/token', { grant_type: 'client_credentials', resource: ORDERS }, { id: worker.name, secret: await secretOf(worker.name) });
    if (answer.status !== 200) return answer.status;
    const jwks = (await authz.get('/jwks')).json as JSONWebKeySet;
    const { payload } = await jwtVerify(String((answer.json as Json).access_token), createLocalJWKSet(jwks), { issuer: authz.issuer, audience: ORDERS });
    return String(payload.scope);
  };
  const patchSpec = async (spec: Json): Promise<void> => {
    const answer = await asAdmin(sim, 'PATCH', `${REALMS}/demo`, { spec }, 'application/merge-patch+json');
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
  };
  const events = async (reason: string): Promise<Json[]> => {
    const list = await asAdmin(sim, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events');
    return ((list.body.items ?? []) as Json[]).filter((event) => event.reason === reason && (event.regarding as Json).name === 'demo');
  };

  before(async () => {
    authz = await startAuthz();
    sim = await startKubeSim();
    running = await operatorOnSim(sim, {
      realmSyncSeconds: SYNC_SECONDS,
      resyncSeconds: 3_600,
      serviceRequest: watched.request,
      locateRealmAdmin: ({ resource }) => Promise.resolve(resource.metadata.name === 'demo' ? { baseUrl: authz.issuer, ca: authz.service.ca, clientId: ADMIN_CLIENT_ID, clientSecret: authz.adminSecret } : undefined),
    });
    const created = await asAdmin(sim, 'POST', REALMS, {
      apiVersion: 'cryptoutil.io/v1alpha1', kind: 'IdentityRealm', metadata: { name: 'demo' },
      spec: { resources: [orders], clients: [worker], podResources: { limits: { memory: '1Gi' } } },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
  });

  after(async () => {
    await running.stop('test done');
    await sim.stop();
    await authz.close();
  });

  it('creates the declared resource server, marked as the realm\'s, and the client\'s token carries its identifier and scopes', async () => {
    const status = await until('status.managedResources', async () => {
      const realm = (await asAdmin(sim, 'GET', `${REALMS}/demo`)).body;
      const found = realm.status as Json | undefined;
      return found?.managedResources === 1 && found.managedClients === 1 ? found : undefined;
    }, 30_000);
    expect(status.lastSyncTime).to.be.a('string');
    const found = await server('orders');
    expect(found.status).to.equal(200);
    expect(found.body).to.deep.include({ identifier: ORDERS, description: 'Orders API', scopes: ['invoices:read', 'invoices:write'], builtIn: false });
    expect(String(found.body.managedBy)).to.match(/^IdentityRealm demo [A-Za-z0-9_-]{22}$/);
    expect(await scopesOfToken()).to.equal('invoices:read invoices:write');
    expect(await events('ResourceServerCreated')).to.have.length(1);
    // The realm's pods take spec.podResources.
    const deployment = await asAdmin(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/demo-identity-authz');
    const [container] = ((deployment.body.spec as Json).template as { spec: { containers: Json[] } }).spec.containers;
    expect((container?.resources as Json).limits).to.deep.include({ memory: '1Gi' });
  });

  it('refuses a built-in identifier and a changed identifier at apply time', async () => {
    const builtIn = await asAdmin(sim, 'PATCH', `${REALMS}/demo`, { spec: { resources: [{ ...orders, name: 'pets', identifier: 'urn:cryptoutil:learn-ps' }, orders] } }, 'application/merge-patch+json');
    expect(builtIn.status).to.equal(422);
    expect(JSON.stringify(builtIn.body)).to.include('built-in resource servers');
    const moved = await asAdmin(sim, 'PATCH', `${REALMS}/demo`, { spec: { resources: [{ ...orders, identifier: 'https://elsewhere.example.test' }] } }, 'application/merge-patch+json');
    expect(moved.status).to.equal(422);
    expect(JSON.stringify(moved.body)).to.include('identifier cannot change');
  });

  it('makes a change of the resource server\'s scopes live within 2 s: the next token has the scopes it still has', async () => {
    await watched.idleAfterSync(() => sim.lastOperatorWorkAt());
    const started = Date.now();
    await patchSpec({ resources: [{ ...orders, scopes: ['invoices:read'] }], clients: [worker] });
    await until('the new scopes in identity-authz', async () => (JSON.stringify((await server('orders')).body.scopes) === '["invoices:read"]' ? true : undefined), 10_000);
    expect(Date.now() - started).to.be.below(LIVE_MS);
    expect(await scopesOfToken()).to.equal('invoices:read');
    expect(await events('ResourceServerUpdated')).to.have.length(1);
  });

  it('reverts a change made through the API and says so in a DriftReverted Event', async () => {
    const current = (await server('orders')).body;
    const changed = await authz.api('PUT', '/resource-servers/orders', { name: 'orders', identifier: ORDERS, description: 'changed by hand', scopes: ['invoices:read', 'invoices:admin'], managedBy: current.managedBy });
    expect(changed.status, changed.text).to.equal(200);
    await until('the drift reverted', async () => ((await server('orders')).body.description === 'Orders API' ? true : undefined), 10_000);
    expect((await server('orders')).body.scopes).to.deep.equal(['invoices:read']);
    const [drift] = await events('DriftReverted');
    expect(drift).to.deep.include({ type: 'Warning', note: 'resource server orders was changed through identity-authz\'s API (description, scopes); reverted to spec.resources' });
  });

  it('deletes the resource server removed from the spec, once the client no longer holds its scopes', async () => {
    await patchSpec({ resources: [], clients: [{ ...worker, scopes: {} }] });
    await until('the resource server deleted', async () => ((await server('orders')).status === 404 ? true : undefined), 10_000);
    expect(await scopesOfToken()).to.equal(400);
    expect(await events('ResourceServerDeleted')).to.have.length(1);
    const realm = (await asAdmin(sim, 'GET', `${REALMS}/demo`)).body;
    expect((realm.status as Json).managedResources).to.equal(0);
  });
});
