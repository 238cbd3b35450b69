import { expect } from 'chai';
import { kindRow } from '../kinds.ts';
import type { ServiceAnswer, ServiceRequest } from '../controllers/service-fetch.ts';
import { ReconcileProblem } from '../controllers/problem.ts';
import type { ServiceResource } from '../resources/types.ts';
import { controllerReference, secretData } from '../resources/ownership.ts';
import { MemoryApi } from '../testing/memory-api.ts';
import { identityRealm, withRealmSpec } from '../testing/fixtures.ts';
import type { AdminAccess } from './admin.ts';
import { IdpAdmin } from './idp-admin.ts';
import { clusterAdminAccess, realmContentSync, type ContentContext } from './index.ts';
import { desiredScopes, groupMarker } from './groups.ts';
import { syncBootstrapAdmin, syncGroups, type IdpSyncContext } from './sync-idp.ts';

const AUTHZ = 'https://demo-identity-authz.default.svc:8180';
const IDP = { baseUrl: 'https://demo-identity-idp.default.svc:8181', ca: 'IDP CA' };
const ACCESS: AdminAccess = { baseUrl: AUTHZ, ca: 'CA', clientId: 'cryptoutil-operator', clientSecret: 's3cret', idp: IDP };
const PS = 'urn:cryptoutil:learn-ps';
const NOW = new Date('2026-03-01T10:00:00.000Z');

function json(status: number, body?: unknown): ServiceAnswer {
  return { status, body: new Uint8Array(Buffer.from(body === undefined ? '' : JSON.stringify(body))) };
}

/**
 * identity-idp's groups and users API (and identity-authz's token endpoint) in memory: the real
 * services are exercised by operator/realm-groups.kube-sim.test.ts; this one answers what they rarely do.
 */
class FakeIdp {
  readonly groups = new Map<string, string[]>();
  readonly users = new Map<string, { email: string; password: string; groups: string[] }>();
  readonly calls: string[] = [];
  refuse: { readonly match: RegExp; readonly answer: ServiceAnswer | Error } | undefined;
  resources: string[] = [];

  readonly request: ServiceRequest = (method, url, options) => {
    const path = url.replace(AUTHZ, '').replace(IDP.baseUrl, '');
    this.calls.push(`${method} ${path}`);
    if (this.refuse?.match.test(`${method} ${path}`) === true) {
      const { answer } = this.refuse;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    }
    if (path === '/token') {
      this.resources.push(new URLSearchParams(options.body).get('resource') ?? '');
      expect(options.ca).to.equal('CA');
      return Promise.resolve(json(200, { access_token: 'token' }));
    }
    expect(url.startsWith(IDP.baseUrl)).to.equal(true);
    expect(options.ca).to.equal(IDP.ca);
    expect(options.headers?.authorization).to.equal('Bearer token');
    return Promise.resolve(this.#api(method, path.replace('/service/api/v1', ''), options.body === undefined ? {} : JSON.parse(options.body) as Record<string, unknown>));
  };

  #api(method: string, path: string, input: Record<string, unknown>): ServiceAnswer {
    if (path === '/groups' && method === 'GET') {
      const stored = [...this.groups].map(([name, scopes]) => ({ name, scopes, builtIn: false }));
      return json(200, { items: [{ name: 'admin', scopes: ['*', '*:admin'], builtIn: true }, { name: 'users', scopes: ['*'], builtIn: true }, ...stored] });
    }
    if (path === '/groups') {
      this.groups.set(String(input.name), input.scopes as string[]);
      return json(201, { name: input.name, scopes: input.scopes, builtIn: false });
    }
    if (path === '/users') {
      const username = String(input.username);
      if (this.users.has(username)) return json(409, { title: 'Conflict', detail: 'the username is taken' });
      this.users.set(username, { email: String(input.email), password: String(input.password), groups: input.groups as string[] });
      return json(201, { id: 'id', username });
    }
    const name = decodeURIComponent(path.split('/')[2] ?? '');
    if (method === 'PUT') {
      this.groups.set(name, input.scopes as string[]);
      return json(200, { name, scopes: input.scopes, builtIn: false });
    }
    return json(this.groups.delete(name) ? 204 : 404);
  }
}

async function failure(promise: Promise<unknown>): Promise<ReconcileProblem> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ReconcileProblem) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('realm content sync: identity-idp', () => {
  const readers = { name: 'readers', scopes: { [PS]: ['pets:read'] } };
  const writers = { name: 'writers', scopes: { [PS]: ['pets:write', 'pets:read'] } };
  let idp: FakeIdp;
  let api: MemoryApi;
  let notes: string[];

  function context(resource: ServiceResource): IdpSyncContext {
    return { resource, row: kindRow('IdentityRealm'), api, admin: new IdpAdmin(ACCESS, IDP, idp.request), announce: (type, reason, note) => { notes.push(`${type} ${reason}: ${note}`); return Promise.resolve(); } };
  }

  function secretText(name: string, key: string): string | undefined {
    const value = (api.find('v1', 'Secret', name)?.data as Record<string, string> | undefined)?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  }

  beforeEach(() => {
    idp = new FakeIdp();
    api = new MemoryApi();
    notes = [];
  });

  describe('identity-idp admin API', () => {
    it('gets its token from identity-authz for identity-idp, once per session, and calls identity-idp with its CA', async () => {
      const admin = new IdpAdmin(ACCESS, IDP, idp.request);
      await admin.createGroup('readers', ['pets:read']);
      await admin.updateGroup('readers', ['pets:write']);
      expect(await admin.listGroups()).to.have.length(3);
      await admin.deleteGroup('readers');
      // A group already gone is not an error.
      await admin.deleteGroup('readers');
      expect(idp.resources).to.deep.equal(['urn:cryptoutil:identity-idp']);
      expect(idp.calls).to.deep.equal(['POST /token', 'POST /service/api/v1/groups', 'PUT /service/api/v1/groups/readers', 'GET /service/api/v1/groups', 'DELETE /service/api/v1/groups/readers', 'DELETE /service/api/v1/groups/readers']);
    });

    it('names identity-idp, the call and the problem detail of a refusal, and says when identity-idp does not answer', async () => {
      const admin = new IdpAdmin(ACCESS, IDP, idp.request);
      idp.refuse = { match: /^POST \/service\/api\/v1\/groups$/, answer: json(400, { title: 'Bad Request', detail: 'kms:admin is an admin scope' }) };
      expect((await failure(admin.createGroup('readers', ['kms:admin']))).message).to.equal('identity-idp answered 400 to creating group readers: kms:admin is an admin scope');
      idp.refuse = { match: /^GET/, answer: new Error('connect ECONNREFUSED') };
      expect((await failure(admin.listGroups())).message).to.equal(`identity-idp at ${IDP.baseUrl} did not answer: connect ECONNREFUSED`);
      idp.refuse = { match: /token/, answer: json(401, { error: 'invalid_client' }) };
      expect((await failure(new IdpAdmin(ACCESS, IDP, idp.request).listGroups())).message).to.equal('identity-authz refused the operator client cryptoutil-operator a token for identity-idp (HTTP 401); is its Secret the one identity-authz was started with?');
      idp.refuse = { match: /token/, answer: new Error('getaddrinfo ENOTFOUND') };
      expect((await failure(new IdpAdmin(ACCESS, IDP, idp.request).listGroups())).message).to.equal(`identity-authz at ${AUTHZ} did not answer: getaddrinfo ENOTFOUND`);
    });
  });

  describe('groups', () => {
    it('creates, reverts drift with a Warning, applies a spec change, re-creates a deleted one as drift, and deletes one removed from the spec', async () => {
      let realm = identityRealm('demo', withRealmSpec({ groups: [readers, writers] }));
      const first = await syncGroups(context(realm), new Set());
      expect(first).to.deep.equal({ managedGroups: 2, applied: 2, present: ['readers', 'writers'], failures: [] });
      expect(idp.groups.get('readers')).to.deep.equal(desiredScopes('demo', readers));
      expect(await syncGroups(context(realm), new Set(first.present))).to.deep.include({ applied: 0 });
      idp.groups.set('readers', ['pets:delete', groupMarker('demo', ['pets:read'])]);
      idp.groups.delete('writers');
      await syncGroups(context(realm), new Set(first.present));
      realm = identityRealm('demo', withRealmSpec({ groups: [{ ...readers, scopes: { [PS]: ['pets:read', 'pets:write'] } }] }));
      await syncGroups(context(realm), new Set(first.present));
      expect(idp.groups.get('readers')).to.include('pets:write');
      expect(idp.groups.has('writers')).to.equal(false);
      expect(notes).to.deep.equal([
        'Normal GroupCreated: group readers created in identity-idp',
        'Normal GroupCreated: group writers created in identity-idp',
        'Warning DriftReverted: group readers was changed through identity-idp\'s API (added pets:delete; removed pets:read); reverted to spec.groups',
        'Warning DriftReverted: group writers was deleted through identity-idp\'s API; created again (its members are not restored)',
        'Normal GroupUpdated: group readers updated in identity-idp (added pets:write)',
        'Normal GroupDeleted: group writers removed from spec.groups: deleted from identity-idp',
      ]);
    });

    it('names a changed marker alone when only the marker differs', async () => {
      const realm = identityRealm('demo', withRealmSpec({ groups: [readers] }));
      idp.groups.set('readers', ['pets:read', groupMarker('demo', ['x:y'])]);
      await syncGroups(context(realm), new Set());
      expect(notes).to.deep.equal(['Normal GroupUpdated: group readers updated in identity-idp (its marker)']);
    });

    it('applies what it can, returns each failure and a group it may not take over, and lets other errors through', async () => {
      idp.groups.set('taken', ['pets:read']);
      idp.refuse = { match: /^POST \/service\/api\/v1\/groups$/, answer: json(400, { title: 'Bad Request' }) };
      const realm = identityRealm('demo', withRealmSpec({ groups: [readers, { name: 'taken', scopes: {} }] }));
      const result = await syncGroups(context(realm), new Set());
      expect(result.failures).to.deep.equal(['identity-idp answered 400 to creating group readers: Bad Request', 'group taken exists in identity-idp and is not managed by this realm; it is left as it is']);
      const broken: IdpSyncContext = { ...context(realm), announce: () => Promise.reject(new Error('API server down')) };
      idp.refuse = undefined;
      let thrown: unknown;
      try {
        await syncGroups(broken, new Set());
      } catch (error) {
        thrown = error;
      }
      expect((thrown as Error).message).to.equal('API server down');
    });
  });

  describe('the bootstrap admin', () => {
    const admin = { username: 'alice', groups: ['readers', 'admin'] };

    it('writes the password to an owned Secret first, creates the user in the admin group once, and is done', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ bootstrapAdmin: admin }))) as ServiceResource;
      const status = await syncBootstrapAdmin(context(realm), undefined, () => NOW);
      expect(status).to.deep.equal({ username: 'alice', createdTime: NOW.toISOString() });
      const password = secretText('demo-bootstrap-admin', 'password');
      expect(password).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(secretText('demo-bootstrap-admin', 'username')).to.equal('alice');
      expect(api.find('v1', 'Secret', 'demo-bootstrap-admin')?.metadata.ownerReferences).to.deep.equal([controllerReference(realm)]);
      expect(idp.users.get('alice')).to.deep.equal({ email: 'alice@demo.invalid', password, groups: ['admin', 'readers'] });
      expect(notes).to.deep.equal(['Normal BootstrapAdminCreated: user alice created in identity-idp (groups admin, readers); its initial password is in Secret demo-bootstrap-admin']);
      // Done: nothing is asked again, even with the Secret and the user gone.
      api.objects.clear();
      idp.users.clear();
      idp.calls.length = 0;
      expect(await syncBootstrapAdmin(context(realm), status, () => NOW)).to.equal(status);
      expect(idp.calls).to.deep.equal([]);
      expect(await syncBootstrapAdmin(context(identityRealm('demo')), undefined, () => NOW)).to.equal(undefined);
    });

    it('leaves a user that already exists alone and removes the password it wrote for nothing', async () => {
      idp.users.set('alice', { email: 'alice@example.com', password: 'the person\'s own', groups: [] });
      const realm = api.put(identityRealm('demo', withRealmSpec({ bootstrapAdmin: { username: 'alice', email: 'alice@example.com' } }))) as ServiceResource;
      expect(await syncBootstrapAdmin(context(realm), undefined, () => NOW)).to.deep.equal({ username: 'alice' });
      expect(api.find('v1', 'Secret', 'demo-bootstrap-admin')).to.equal(undefined);
      expect(idp.users.get('alice')?.password).to.equal('the person\'s own');
      expect(notes).to.deep.equal(['Normal BootstrapAdminExists: user alice already exists in identity-idp: left as it is, no password written']);
    });

    it('uses again the password of an earlier attempt that got no answer, and keeps it when the user turns out to exist', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ bootstrapAdmin: admin }))) as ServiceResource;
      idp.refuse = { match: /users/, answer: new Error('socket hang up') };
      expect((await failure(syncBootstrapAdmin(context(realm), undefined, () => NOW))).message).to.equal(`identity-idp at ${IDP.baseUrl} did not answer: socket hang up`);
      const password = secretText('demo-bootstrap-admin', 'password');
      idp.refuse = undefined;
      expect(await syncBootstrapAdmin(context(realm), undefined, () => NOW)).to.deep.include({ username: 'alice' });
      expect(idp.users.get('alice')?.password).to.equal(password);
      // The answer of that creation was lost: the user exists, and the Secret may hold its password.
      idp.users.set('bob', { email: 'bob@x.example', password: 'unknown', groups: [] });
      const other = api.put(identityRealm('other', withRealmSpec({ bootstrapAdmin: { username: 'bob' } }))) as ServiceResource;
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other-bootstrap-admin', namespace: 'default', ownerReferences: [controllerReference(other)] }, data: secretData({ username: 'bob', password: 'earlier attempt' }) });
      expect(await syncBootstrapAdmin(context(other), undefined, () => NOW)).to.deep.equal({ username: 'bob' });
      expect(notes.at(-1)).to.equal('Normal BootstrapAdminExists: user bob already exists in identity-idp: left as it is; Secret other-bootstrap-admin keeps the password of an earlier attempt, which may be its own');
      expect(api.find('v1', 'Secret', 'other-bootstrap-admin')).to.not.equal(undefined);
    });

    it('replaces its own Secret made for another username, and never touches a Secret that is not the realm\'s', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ bootstrapAdmin: admin }))) as ServiceResource;
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-bootstrap-admin', namespace: 'default', ownerReferences: [controllerReference(realm)] }, data: secretData({ username: 'carol', password: 'old' }) });
      await syncBootstrapAdmin(context(realm), { username: 'carol' }, () => NOW);
      expect(secretText('demo-bootstrap-admin', 'username')).to.equal('alice');
      expect(idp.users.get('alice')?.password).to.equal(secretText('demo-bootstrap-admin', 'password'));
      const other = api.put(identityRealm('other', withRealmSpec({ bootstrapAdmin: admin }))) as ServiceResource;
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other-bootstrap-admin', namespace: 'default' }, data: secretData({ username: 'alice', password: 'someone else\'s' }) });
      expect((await failure(syncBootstrapAdmin(context(other), undefined, () => NOW))).message).to.equal('Secret other-bootstrap-admin exists and is not owned by this IdentityRealm; bootstrap admin alice is not created');
    });

    it('fails when its Secret changed or appeared while it wrote it, and creates no user then', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ bootstrapAdmin: admin }))) as ServiceResource;
      const someone = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-bootstrap-admin', namespace: 'default', ownerReferences: [controllerReference(realm)] }, data: secretData({ username: 'carol', password: 'old' }) };
      api.failWith = (operation) => {
        if (operation === 'create') api.put(someone);
        return undefined;
      };
      expect((await failure(syncBootstrapAdmin(context(realm), undefined, () => NOW))).message).to.equal('Secret demo-bootstrap-admin changed while the operator wrote it; retrying');
      api.failWith = (operation) => {
        if (operation === 'update') api.put({ ...someone, data: secretData({ username: 'dave', password: 'other' }) });
        return undefined;
      };
      expect((await failure(syncBootstrapAdmin(context(realm), undefined, () => NOW))).message).to.equal('Secret demo-bootstrap-admin changed while the operator wrote it; retrying');
      expect(idp.users.size).to.equal(0);
    });
  });

  describe('the content step of a reconcile', () => {
    function step(resource: ServiceResource): ContentContext {
      return { resource, row: kindRow('IdentityRealm'), endpoint: AUTHZ, api, announce: () => Promise.resolve() };
    }

    it('finds identity-idp in the cluster from its TLS Secret when the realm runs it, and waits for that Secret', async () => {
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-identity-authz-tls', namespace: 'default' }, data: secretData({ 'ca.crt': 'PEM' }) });
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-operator-client', namespace: 'default' }, data: secretData({ clientSecret: 'generated' }) });
      const base = { baseUrl: AUTHZ, ca: 'PEM', clientId: 'cryptoutil-operator', clientSecret: 'generated' };
      // identity-idp runs and its TLS Secret is not there yet: nothing can be synced yet.
      expect(await clusterAdminAccess(step(identityRealm('demo')))).to.equal(undefined);
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-identity-idp-tls', namespace: 'default' }, data: secretData({ 'ca.crt': 'IDP PEM' }) });
      expect(await clusterAdminAccess(step(identityRealm('demo')))).to.deep.equal({ ...base, idp: { baseUrl: IDP.baseUrl, ca: 'IDP PEM' } });
      const withoutIdp = identityRealm('demo', withRealmSpec({ components: { idp: false, rs: false, rp: false, spa: false } }));
      expect(await clusterAdminAccess(step(withoutIdp))).to.deep.equal(base);
    });

    it('syncs groups and the bootstrap admin with the clients, in one status', async () => {
      let now = NOW;
      const sync = realmContentSync({ request: idp.request, locate: () => Promise.resolve(ACCESS), now: () => now, statusIntervalMs: 30_000 });
      const realm = api.put(identityRealm('demo', withRealmSpec({ groups: [readers], bootstrapAdmin: { username: 'alice' } }))) as ServiceResource;
      const first = await sync.sync(step(realm), {});
      expect(first).to.deep.equal({ managedGroups: 1, bootstrapAdmin: { username: 'alice', createdTime: NOW.toISOString() }, lastSyncTime: NOW.toISOString() });
      now = new Date(NOW.getTime() + 10_000);
      expect(await sync.sync(step(realm), first ?? {})).to.deep.equal(first);
      // The sync remembers the managed groups it saw: one deleted through the API is drift.
      idp.groups.delete('readers');
      const notes: string[] = [];
      await sync.sync({ ...step(realm), announce: (type, reason) => { notes.push(`${type} ${reason}`); return Promise.resolve(); } }, first ?? {});
      expect(notes).to.deep.equal(['Warning DriftReverted']);
      // Removing the last group still syncs once there were managed ones; the bootstrap admin stays done.
      const emptied = identityRealm('demo');
      expect(await sync.sync(step(emptied), { ...first, lastSyncTime: now.toISOString() })).to.deep.equal({ managedGroups: 0, bootstrapAdmin: first?.bootstrapAdmin, lastSyncTime: now.toISOString() });
      expect(idp.groups.size).to.equal(0);
      // A user that existed before is recorded without createdTime; the default clock stamps the sync.
      const kept = await realmContentSync({ request: idp.request, locate: () => Promise.resolve(ACCESS) }).sync(step(realm), { bootstrapAdmin: { username: 'alice' }, managedGroups: 1 });
      expect(kept).to.deep.include({ managedGroups: 1, bootstrapAdmin: { username: 'alice' } });
      expect(Date.parse(String(kept?.lastSyncTime))).to.be.closeTo(Date.now(), 60_000);
    });

    it('remembers a bootstrap admin it created in a sync that failed otherwise, and never asks for it again', async () => {
      idp.groups.set('taken', ['pets:read']);
      const sync = realmContentSync({ request: idp.request, locate: () => Promise.resolve(ACCESS), now: () => NOW });
      const realm = api.put(identityRealm('demo', withRealmSpec({ groups: [{ name: 'taken', scopes: {} }], bootstrapAdmin: { username: 'alice' } }))) as ServiceResource;
      expect((await failure(sync.sync(step(realm), {}))).message).to.equal('group taken exists in identity-idp and is not managed by this realm; it is left as it is');
      expect(idp.users.has('alice')).to.equal(true);
      idp.calls.length = 0;
      // No status was written; the next sync still knows the user is done.
      await failure(sync.sync(step(realm), {}));
      expect(idp.calls.filter((call) => call.includes('/users'))).to.deep.equal([]);
      idp.groups.clear();
      expect(await sync.sync(step(realm), {})).to.deep.include({ bootstrapAdmin: { username: 'alice', createdTime: NOW.toISOString() } });
    });

    it('fails naming identity-idp when the realm declares groups or an admin and runs no identity-idp, after syncing the clients', async () => {
      const sync = realmContentSync({ request: idp.request, locate: () => Promise.resolve({ ...ACCESS, idp: undefined }) });
      const realm = identityRealm('demo', withRealmSpec({ bootstrapAdmin: { username: 'alice' } }));
      expect((await failure(sync.sync(step(realm), {}))).message).to.equal('spec.groups and spec.bootstrapAdmin are kept in identity-idp, which this realm does not run (spec.components.idp)');
      const groupFailure = realmContentSync({ request: idp.request, locate: () => Promise.resolve(ACCESS) });
      idp.refuse = { match: /^GET \/service\/api\/v1\/groups/, answer: json(503, { title: 'Service Unavailable' }) };
      expect((await failure(groupFailure.sync(step(identityRealm('demo', withRealmSpec({ groups: [readers] }))), {}))).message).to.equal('identity-idp answered 503 to listing groups: Service Unavailable');
      idp.refuse = undefined;
      const thrown = realmContentSync({ request: idp.request, locate: () => Promise.resolve(ACCESS) });
      const broken = { ...step(identityRealm('demo', withRealmSpec({ groups: [readers] }))), announce: () => Promise.reject(new Error('API server down')) };
      let error: unknown;
      try {
        await thrown.sync(broken, {});
      } catch (caught) {
        error = caught;
      }
      expect((error as Error).message).to.equal('API server down');
    });
  });
});
