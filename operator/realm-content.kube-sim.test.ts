import { expect } from 'chai';
import { startKubeSim } from '../test/kube-sim/server.ts';
import type { KubeSim } from '../test/kube-sim/server.ts';
import { ADMIN_CLIENT_ID, LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from '../services/identity-authz/testing/harness.ts';
import { operatorOnSim } from './testing/sim-operator.ts';
import { WatchedRequests } from './testing/watched-requests.ts';
import { asAdmin, until, type Json } from './testing/sim-client.ts';
import type { RunningOperator } from './main.ts';

const REALMS = '/apis/cryptoutil.io/v1alpha1/namespaces/default/identityrealms';
const SECRETS = '/api/v1/namespaces/default/secrets';
/** "A change to the CR is live within 2 s". */
const LIVE_MS = 2_000;
/** Drift is found by the periodic sync (a change made through identity-authz's API is not watched). */
const SYNC_SECONDS = 3;

const billing = { name: 'billing', grantTypes: ['client_credentials'], scopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } };
const reports = { name: 'reports', grantTypes: ['client_credentials'], scopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, accessTokenTtlSeconds: 300 };
const handmade = { name: 'handmade', grantTypes: ['client_credentials'], scopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, unmanaged: true };

function condition(resource: Json, type: string): Json | undefined {
  return (((resource.status as Json | undefined)?.conditions ?? []) as Json[]).find((entry) => entry.type === type);
}

/**
 * The realm content sync against kube-sim and a real identity-authz started in process: the
 * operator deploys the realm as always (kube-sim marks its replicas ready), and its admin API calls
 * go to the in-process identity-authz with that service's own bootstrap client.
 */
describe('operator against kube-sim: IdentityRealm spec.clients kept in a real identity-authz', function () {
  this.timeout(60_000);
  let sim: KubeSim;
  let authz: AuthzHarness;
  let running: RunningOperator;
  const watched = new WatchedRequests();

  const client = async (id: string): Promise<{ status: number; body: Json }> => {
    const answer = await authz.api('GET', `/clients/${id}`);
    return { status: answer.status, body: answer.json as Json };
  };
  const secretOf = async (name: string): Promise<string | undefined> => {
    const answer = await asAdmin(sim, 'GET', `${SECRETS}/demo-client-${name}`);
    const data = answer.body.data as Json | undefined;
    return answer.status === 200 && typeof data?.clientSecret === 'string' ? Buffer.from(data.clientSecret, 'base64').toString('utf8') : undefined;
  };
  const tokenStatus = async (id: string, secret: string): Promise<number> => (await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, scope: 'pets:read' }, { id, secret })).status;
  const patchClients = async (clients: readonly Json[]): Promise<void> => {
    const answer = await asAdmin(sim, 'PATCH', `${REALMS}/demo`, { spec: { clients } }, 'application/merge-patch+json');
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
      // No resync of every key while the test runs: the periodic realm sync alone calls identity-authz.
      resyncSeconds: 3_600,
      serviceRequest: watched.request,
      // The in-process identity-authz is realm demo's; any other realm of the test has none.
      locateRealmAdmin: ({ resource }) => Promise.resolve(resource.metadata.name === 'demo' ? { baseUrl: authz.issuer, ca: authz.service.ca, clientId: ADMIN_CLIENT_ID, clientSecret: authz.adminSecret } : undefined),
    });
    const created = await asAdmin(sim, 'POST', REALMS, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'IdentityRealm', metadata: { name: 'demo' }, spec: { clients: [billing, reports, handmade] } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
  });

  after(async () => {
    await running.stop('test done');
    await sim.stop();
    await authz.close();
  });

  it('creates every declared client in identity-authz, marked as the realm\'s, with its secret in a Secret that gets tokens', async () => {
    const status = await until('status.managedClients', async () => {
      const realm = (await asAdmin(sim, 'GET', `${REALMS}/demo`)).body;
      return (realm.status as Json | undefined)?.managedClients === 2 ? realm.status as Json : undefined;
    }, 30_000);
    expect(status.lastSyncTime).to.be.a('string');
    for (const [declared, ttl] of [[billing, 900], [reports, 300]] as const) {
      const found = await client(declared.name);
      expect(found.status).to.equal(200);
      expect(found.body).to.deep.include({ name: `${declared.name} (managed by IdentityRealm demo)`, tokenEndpointAuthMethod: 'client_secret_basic', grantTypes: ['client_credentials'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, accessTokenTtlSeconds: ttl });
      const secret = await secretOf(declared.name);
      expect(secret, declared.name).to.be.a('string');
      expect(await tokenStatus(declared.name, secret ?? '')).to.equal(200);
    }
    const secret = await asAdmin(sim, 'GET', `${SECRETS}/demo-client-billing`);
    expect(((secret.body.metadata as Json).ownerReferences as Json[])[0]).to.deep.include({ kind: 'IdentityRealm', name: 'demo', controller: true });
    expect((await client('handmade')).body.name).to.equal('handmade');
    expect(await events('ClientCreated')).to.have.length(3);
    expect(condition((await asAdmin(sim, 'GET', `${REALMS}/demo`)).body, 'Degraded')).to.deep.include({ status: 'False' });
  });

  it('makes a change of a client\'s scopes in the CR live within 2 s', async () => {
    // Right after a periodic sync, so the change does not queue behind one (the next is SYNC_SECONDS away).
    await watched.idleAfterSync(() => sim.lastOperatorWorkAt());
    const started = Date.now();
    await patchClients([{ ...billing, scopes: { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] } }, { ...reports, mfa: 'required' }, handmade]);
    await until('the new scopes in identity-authz', async () => {
      const found = await client('billing');
      return JSON.stringify((found.body.resourceScopes as Json)[LEARN_PS_RESOURCE]) === JSON.stringify(['pets:read', 'pets:write']) ? true : undefined;
    }, 10_000);
    expect(Date.now() - started).to.be.below(LIVE_MS);
    expect((await client('reports')).body).to.deep.include({ mfa: 'required' });
    expect((await client('billing')).body).to.deep.include({ mfa: 'optional' });
    expect(await events('ClientUpdated')).to.have.length.above(0);
    expect(await events('DriftReverted')).to.have.length(0);
  });

  it('reverts a change made through the API to a managed client and says so in a DriftReverted Event, and leaves an unmanaged one alone', async () => {
    const changed = await authz.api('PUT', '/clients/billing', { name: 'billing (managed by IdentityRealm demo)', grantTypes: ['client_credentials'], resourceScopes: {}, accessTokenTtlSeconds: 60 });
    expect(changed.status, changed.text).to.equal(200);
    const hand = await authz.api('PUT', '/clients/handmade', { name: 'handmade, changed by hand', grantTypes: ['client_credentials'], resourceScopes: {} });
    expect(hand.status, hand.text).to.equal(200);
    await until('the drift reverted', async () => {
      const found = await client('billing');
      return found.body.accessTokenTtlSeconds === 900 && JSON.stringify(found.body.resourceScopes) === JSON.stringify({ [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] }) ? true : undefined;
    }, 10_000);
    const [drift] = await events('DriftReverted');
    expect(drift).to.deep.include({ type: 'Warning' });
    expect(drift?.note).to.equal('client billing was changed through identity-authz\'s API (resourceScopes, accessTokenTtlSeconds); reverted to spec.clients');
    // Deleted through the API: created again, with a new secret in its Secret.
    const before = await secretOf('reports');
    expect((await authz.api('DELETE', '/clients/reports')).status).to.equal(204);
    const renewed = await until('reports created again', async () => {
      const secret = await secretOf('reports');
      return (await client('reports')).status === 200 && secret !== before ? secret : undefined;
    }, 10_000);
    expect(await tokenStatus('reports', renewed)).to.equal(200);
    expect((await events('DriftReverted')).map((event) => event.note)).to.include('client reports was deleted through identity-authz\'s API; created again with a new secret (its secret is in Secret demo-client-reports)');
    // Two more syncs at least: the unmanaged client keeps what its owner set.
    await new Promise((resolve) => setTimeout(resolve, 2 * SYNC_SECONDS * 1000 + 500));
    expect((await client('handmade')).body).to.deep.include({ name: 'handmade, changed by hand', resourceScopes: {} });
  });

  it('rotates a client secret when rotateSecret changes: the new secret gets tokens, the old one is refused', async () => {
    const old = await secretOf('billing');
    await patchClients([{ ...billing, scopes: { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] }, rotateSecret: '1' }, reports, handmade]);
    const rotated = await until('a new secret in the Secret', async () => {
      const secret = await secretOf('billing');
      return secret !== undefined && secret !== old ? secret : undefined;
    }, 10_000);
    expect(await tokenStatus('billing', rotated)).to.equal(200);
    expect(await tokenStatus('billing', old ?? '')).to.equal(401);
    expect(await events('ClientSecretRotated')).to.have.length(1);
  });

  it('deletes a client removed from the spec, with its Secret, and leaves the unmanaged one', async () => {
    const secret = await secretOf('reports');
    await patchClients([{ ...billing, scopes: { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] }, rotateSecret: '1' }]);
    await until('reports deleted in identity-authz', async () => ((await client('reports')).status === 404 ? true : undefined), 10_000);
    await until('its Secret deleted', async () => ((await asAdmin(sim, 'GET', `${SECRETS}/demo-client-reports`)).status === 404 ? true : undefined), 10_000);
    expect(await tokenStatus('reports', secret ?? '')).to.equal(401);
    expect((await client('handmade')).status).to.equal(200);
    await until('status.managedClients 1', async () => ((((await asAdmin(sim, 'GET', `${REALMS}/demo`)).body.status as Json | undefined)?.managedClients === 1) ? true : undefined));
  });

  it('refuses at apply time a client identity-authz would refuse (the CRD\'s rules)', async () => {
    for (const [clients, message] of [
      [[{ name: 'bad', grantTypes: ['refresh_token', 'client_credentials'] }], 'refresh_token is only issued with authorization_code'],
      [[{ name: 'bad', grantTypes: ['authorization_code'], openidScopes: ['openid'] }], 'authorization_code clients need a redirect URI and openid in openidScopes'],
      [[{ name: 'bad', grantTypes: ['authorization_code'], redirectUris: ['https://app.example/cb'] }], 'authorization_code clients need a redirect URI and openid in openidScopes'],
    ] as const) {
      const answer = await asAdmin(sim, 'POST', REALMS, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'IdentityRealm', metadata: { name: 'refused' }, spec: { clients } });
      expect(answer.status).to.equal(422);
      expect(String(answer.body.message)).to.include(message);
    }
    const fine = [{ name: 'portal', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://app.example/cb'], openidScopes: ['openid'] }];
    expect((await asAdmin(sim, 'POST', REALMS, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'IdentityRealm', metadata: { name: 'accepted' }, spec: { clients: fine } })).status).to.equal(201);
    expect((await asAdmin(sim, 'DELETE', `${REALMS}/accepted`)).status).to.equal(200);
  });

  it('reports a declared client whose id a client of someone else holds as Degraded RealmContentSyncFailed, and takes nothing over', async () => {
    const other = await authz.api('POST', '/clients', { clientId: 'taken', name: 'taken by a person', grantTypes: ['client_credentials'] });
    expect(other.status, other.text).to.equal(201);
    await patchClients([{ ...billing, scopes: { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] }, rotateSecret: '1' }, { name: 'taken', grantTypes: ['client_credentials'] }]);
    const realm = await until('Degraded RealmContentSyncFailed', async () => {
      const answer = (await asAdmin(sim, 'GET', `${REALMS}/demo`)).body;
      return condition(answer, 'Degraded')?.reason === 'RealmContentSyncFailed' ? answer : undefined;
    }, 10_000);
    expect(condition(realm, 'Degraded')?.message).to.equal('client taken exists in identity-authz and is not managed by this realm; it is left as it is');
    expect((await client('taken')).body.name).to.equal('taken by a person');
    expect((await asAdmin(sim, 'GET', `${SECRETS}/demo-client-taken`)).status).to.equal(404);
  });
});
