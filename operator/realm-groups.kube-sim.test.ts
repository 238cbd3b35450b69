import { expect } from 'chai';
import { startKubeSim } from '../test/kube-sim/server.ts';
import type { KubeSim } from '../test/kube-sim/server.ts';
import { operatorOnSim } from './testing/sim-operator.ts';
import { startRealmServices, type RealmServices } from './testing/realm-services.ts';
import { WatchedRequests } from './testing/watched-requests.ts';
import { asAdmin, until, type Json } from './testing/sim-client.ts';
import type { RunningOperator } from './main.ts';

const REALMS = '/apis/cryptoutil.io/v1alpha1/namespaces/default/identityrealms';
const SECRETS = '/api/v1/namespaces/default/secrets';
/** "A change to the CR is live within 2 s". */
const LIVE_MS = 2_000;
/** Drift is found by the periodic sync (a change made through identity-idp's API is not watched). */
const SYNC_SECONDS = 3;
const PS = 'urn:cryptoutil:learn-ps';
const KMS = 'urn:cryptoutil:sm-kms';

const readers = { name: 'readers', scopes: { [PS]: ['pets:read'] } };
const keepers = { name: 'keepers', scopes: { [PS]: ['pets:read', 'pets:write'], [KMS]: ['kms:read'] } };
const team = { name: 'team', scopes: { [PS]: ['pets:read'] }, unmanaged: true };

function condition(resource: Json, type: string): Json | undefined {
  return (((resource.status as Json | undefined)?.conditions ?? []) as Json[]).find((entry) => entry.type === type);
}

/**
 * spec.groups and spec.bootstrapAdmin against kube-sim with a real identity-authz and a real
 * identity-idp in process: the operator deploys the realm as always (kube-sim marks its replicas
 * ready), and its admin API calls go to the in-process services with the operator client that
 * identity-authz was started with.
 */
describe('operator against kube-sim: IdentityRealm spec.groups and spec.bootstrapAdmin kept in a real identity-idp', function () {
  this.timeout(60_000);
  let sim: KubeSim;
  let realm: RealmServices;
  let running: RunningOperator;
  // The operator's calls to the services, watched so a timing starts while the operator is idle.
  const watched = new WatchedRequests();

  const group = async (name: string): Promise<{ status: number; body: Json }> => {
    const answer = await realm.idpApi('GET', `/groups/${name}`);
    return { status: answer.status, body: answer.json as Json };
  };
  /** The group's scopes without the operator's marker, sorted. */
  const scopesOf = async (name: string): Promise<string[]> => ((await group(name)).body.scopes as string[]).filter((scope) => !scope.startsWith('managed-by-identityrealm.')).sort();
  const patchSpec = async (spec: Json): Promise<void> => {
    const answer = await asAdmin(sim, 'PATCH', `${REALMS}/demo`, { spec }, 'application/merge-patch+json');
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
  };
  const events = async (reason: string): Promise<Json[]> => {
    const list = await asAdmin(sim, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events');
    return ((list.body.items ?? []) as Json[]).filter((event) => event.reason === reason && (event.regarding as Json).name === 'demo');
  };
  const bootstrapSecret = async (): Promise<{ status: number; username?: string; password?: string; body: Json }> => {
    const answer = await asAdmin(sim, 'GET', `${SECRETS}/demo-bootstrap-admin`);
    const data = (answer.body.data ?? {}) as Record<string, string>;
    const text = (key: string): string | undefined => (data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
    return { status: answer.status, username: text('username'), password: text('password'), body: answer.body };
  };
  const realmStatus = async (): Promise<Json> => ((await asAdmin(sim, 'GET', `${REALMS}/demo`)).body.status ?? {}) as Json;

  before(async () => {
    realm = await startRealmServices();
    sim = await startKubeSim();
    running = await operatorOnSim(sim, {
      realmSyncSeconds: SYNC_SECONDS,
      // No resync of every key while the test runs: the periodic realm sync alone calls the services.
      resyncSeconds: 3_600,
      serviceRequest: watched.request,
      locateRealmAdmin: ({ resource }) => Promise.resolve(resource.metadata.name === 'demo' ? realm.access : undefined),
    });
    const created = await asAdmin(sim, 'POST', REALMS, {
      apiVersion: 'cryptoutil.io/v1alpha1', kind: 'IdentityRealm', metadata: { name: 'demo' },
      spec: { groups: [readers, keepers, team], bootstrapAdmin: { username: 'root-admin', email: 'root-admin@example.com', groups: ['readers'] } },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
  });

  after(async () => {
    await running.stop('test done');
    await sim.stop();
    await realm.close();
  });

  it('creates every declared group in identity-idp, marked as the realm\'s, and counts the managed ones', async () => {
    const status = await until('status.managedGroups', async () => {
      const found = await realmStatus();
      return found.managedGroups === 2 ? found : undefined;
    }, 30_000);
    expect(status.lastSyncTime).to.be.a('string');
    expect(await scopesOf('readers')).to.deep.equal(['pets:read']);
    expect(await scopesOf('keepers')).to.deep.equal(['kms:read', 'pets:read', 'pets:write']);
    expect(((await group('keepers')).body.scopes as string[]).filter((scope) => scope.startsWith('managed-by-identityrealm.demo:'))).to.have.length(1);
    expect((await group('team')).body.scopes).to.deep.equal(['pets:read']);
    expect(await events('GroupCreated')).to.have.length(3);
    expect(condition((await asAdmin(sim, 'GET', `${REALMS}/demo`)).body, 'Degraded')).to.deep.include({ status: 'False' });
  });

  it('creates the bootstrap admin once, in the admin group, with the password of its Secret, which signs in', async () => {
    const status = await until('status.bootstrapAdmin', async () => {
      const found = await realmStatus();
      return found.bootstrapAdmin === undefined ? undefined : found.bootstrapAdmin as Json;
    }, 30_000);
    expect(status.username).to.equal('root-admin');
    expect(status.createdTime).to.be.a('string');
    const secret = await bootstrapSecret();
    expect(secret.username).to.equal('root-admin');
    expect(secret.password).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect((((secret.body.metadata as Json).ownerReferences as Json[])[0])).to.deep.include({ kind: 'IdentityRealm', name: 'demo', controller: true });
    const users = (await realm.idpApi('GET', '/users?size=100')).json as { items: Json[] };
    const user = users.items.find((item) => item.username === 'root-admin');
    expect(user).to.deep.include({ email: 'root-admin@example.com' });
    expect(((await realm.idpApi('GET', `/users/${String(user?.id)}/groups`)).json as Json).items).to.deep.equal(['admin', 'readers']);
    const signedIn = await realm.signIn('root-admin', secret.password ?? '');
    expect(signedIn.status, signedIn.text).to.equal(303);
    expect(String(signedIn.headers.location)).to.match(/^\/consent\?login_challenge=/);
    expect((await realm.signIn('root-admin', 'not the password at all')).status).to.not.equal(303);
    expect(await events('BootstrapAdminCreated')).to.have.length(1);
  });

  it('makes a change of a group\'s scopes in the CR live within 2 s', async () => {
    // Right after a periodic sync, so the change does not queue behind one (the next is SYNC_SECONDS away).
    await watched.idleAfterSync(() => sim.lastOperatorWorkAt());
    const started = Date.now();
    await patchSpec({ groups: [{ ...readers, scopes: { [PS]: ['pets:read', 'pets:write'] } }, keepers, team] });
    await until('the new scopes in identity-idp', async () => (JSON.stringify(await scopesOf('readers')) === JSON.stringify(['pets:read', 'pets:write']) ? true : undefined), 10_000);
    expect(Date.now() - started).to.be.below(LIVE_MS);
    expect((await events('GroupUpdated')).map((event) => event.note)).to.include('group readers updated in identity-idp (added pets:write)');
    expect(await events('DriftReverted')).to.have.length(0);
  });

  it('reverts a change made through the API to a managed group with a DriftReverted Event, and leaves an unmanaged one alone', async () => {
    const marker = ((await group('keepers')).body.scopes as string[]).find((scope) => scope.startsWith('managed-by-identityrealm.'));
    const changed = await realm.idpApi('PUT', '/groups/keepers', { scopes: ['pets:read', 'pets:delete', marker] });
    expect(changed.status, changed.text).to.equal(200);
    expect((await realm.idpApi('PUT', '/groups/team', { scopes: ['pets:write'] })).status).to.equal(200);
    await until('the drift reverted', async () => (JSON.stringify(await scopesOf('keepers')) === JSON.stringify(['kms:read', 'pets:read', 'pets:write']) ? true : undefined), 10_000);
    const [drift] = await events('DriftReverted');
    expect(drift).to.deep.include({ type: 'Warning', note: 'group keepers was changed through identity-idp\'s API (added pets:delete; removed kms:read pets:write); reverted to spec.groups' });
    // Deleted through the API: created again, as drift.
    expect((await realm.idpApi('DELETE', '/groups/readers')).status).to.equal(204);
    await until('readers created again', async () => ((await group('readers')).status === 200 ? true : undefined), 10_000);
    expect((await events('DriftReverted')).map((event) => event.note)).to.include('group readers was deleted through identity-idp\'s API; created again (its members are not restored)');
    // Two more syncs at least: the unmanaged group keeps what its owner set.
    await new Promise((resolve) => setTimeout(resolve, 2 * SYNC_SECONDS * 1000 + 500));
    expect((await group('team')).body.scopes).to.deep.equal(['pets:write']);
  });

  it('deletes a group removed from the spec and leaves the unmanaged one', async () => {
    await patchSpec({ groups: [{ ...readers, scopes: { [PS]: ['pets:read', 'pets:write'] } }] });
    await until('keepers deleted in identity-idp', async () => ((await group('keepers')).status === 404 ? true : undefined), 10_000);
    expect((await group('team')).status).to.equal(200);
    await until('status.managedGroups 1', async () => ((await realmStatus()).managedGroups === 1 ? true : undefined), 10_000);
    expect(await events('GroupDeleted')).to.have.length(1);
  });

  it('never creates the bootstrap admin again: not when its Secret is deleted, not when the user is deleted too', async () => {
    const users = (await realm.idpApi('GET', '/users?size=100')).json as { items: Json[] };
    const id = String(users.items.find((item) => item.username === 'root-admin')?.id);
    expect((await asAdmin(sim, 'DELETE', `${SECRETS}/demo-bootstrap-admin`)).status).to.equal(200);
    expect((await realm.idpApi('DELETE', `/users/${id}`)).status).to.equal(204);
    await new Promise((resolve) => setTimeout(resolve, 2 * SYNC_SECONDS * 1000 + 500));
    const after = (await realm.idpApi('GET', '/users?size=100')).json as { items: Json[] };
    expect(after.items.map((item) => item.username)).to.not.include('root-admin');
    expect((await bootstrapSecret()).status).to.equal(404);
    expect(await events('BootstrapAdminCreated')).to.have.length(1);
  });

  it('refuses at apply time a group identity-idp would refuse (the CRD\'s rules)', async () => {
    for (const [groups, message] of [
      [[{ name: 'admin', scopes: {} }], 'admin and users are built-in groups of identity-idp and cannot be declared'],
      [[{ name: 'ops', scopes: { [KMS]: ['kms:admin'] } }], 'admin scopes come only from the built-in admin group of identity-idp'],
      [[{ name: 'ops', scopes: { [KMS]: ['managed-by-identityrealm.demo:x'] } }], 'are the operator\'s marker'],
      [[{ name: 'Ops', scopes: {} }], 'spec.groups[0].name'],
      [[{ name: 'ops', scopes: { [KMS]: ['no scope'] } }], 'should match'],
    ] as const) {
      const answer = await asAdmin(sim, 'POST', REALMS, { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'IdentityRealm', metadata: { name: 'refused' }, spec: { groups } });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(422);
      expect(String(answer.body.message)).to.include(message);
    }
  });
});
