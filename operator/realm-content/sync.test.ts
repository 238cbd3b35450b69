import { expect } from 'chai';
import { kindRow } from '../kinds.ts';
import type { ServiceAnswer, ServiceRequest } from '../controllers/service-fetch.ts';
import { ReconcileProblem } from '../controllers/problem.ts';
import type { ServiceResource } from '../resources/types.ts';
import { controllerReference, secretData } from '../resources/ownership.ts';
import { MemoryApi } from '../testing/memory-api.ts';
import { identityRealm, withRealmSpec } from '../testing/fixtures.ts';
import { AuthzAdmin, type AdminAccess } from './admin.ts';
import { clusterAdminAccess, realmContentSync, type ContentContext } from './index.ts';
import { bodyDigest, desiredBody, managedName } from './plan.ts';
import { syncRealmContent, type SyncContext } from './sync.ts';

const ACCESS: AdminAccess = { baseUrl: 'https://demo-identity-authz.default.svc:8180', ca: 'CA', clientId: 'cryptoutil-operator', clientSecret: 's3cret' };
const PS = 'urn:cryptoutil:learn-ps';

function json(status: number, body?: unknown): ServiceAnswer {
  return { status, body: new Uint8Array(Buffer.from(body === undefined ? '' : JSON.stringify(body))) };
}

/**
 * identity-authz's client API as far as the sync uses it, in memory: the real service is exercised
 * by operator/realm-content.kube-sim.test.ts; this one answers what the real one rarely does.
 */
class FakeAuthz {
  readonly clients = new Map<string, Record<string, unknown>>();
  readonly calls: string[] = [];
  /** Answers this instead, for the calls whose `METHOD path` it matches. */
  refuse: { readonly match: RegExp; readonly answer: ServiceAnswer | Error } | undefined;
  tokenRequests = 0;

  readonly request: ServiceRequest = (method, url, options) => {
    const path = url.replace(ACCESS.baseUrl, '');
    this.calls.push(`${method} ${path}`);
    if (this.refuse?.match.test(`${method} ${path}`) === true) {
      const { answer } = this.refuse;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    }
    if (path === '/token') {
      this.tokenRequests += 1;
      const expected = `Basic ${Buffer.from('cryptoutil-operator:s3cret').toString('base64')}`;
      return Promise.resolve(options.headers?.authorization === expected ? json(200, { access_token: 'token' }) : json(401, { error: 'invalid_client' }));
    }
    expect(options.headers?.authorization).to.equal('Bearer token');
    return Promise.resolve(this.#api(method, path.replace('/service/api/v1', ''), options.body));
  };

  #api(method: string, path: string, body: string | undefined): ServiceAnswer {
    const input = body === undefined ? {} : JSON.parse(body) as Record<string, unknown>;
    const list = /^\/clients\?page=(\d+)&size=(\d+)$/.exec(path);
    if (list !== null) {
      const page = Number(list[1]);
      const size = Number(list[2]);
      const all = [...this.clients.values()];
      return json(200, { items: all.slice(page * size, (page + 1) * size), page, size, total: all.length });
    }
    if (method === 'POST' && path === '/clients') {
      this.clients.set(String(input.clientId), input);
      return json(201, { clientId: input.clientId, clientSecret: `secret-${String(this.clients.size)}` });
    }
    const id = decodeURIComponent(path.split('/')[2] ?? '');
    if (method === 'POST') return json(200, { clientId: id, clientSecret: 'rotated' });
    if (method === 'PUT') {
      this.clients.set(id, input);
      return json(200, input);
    }
    const existed = this.clients.delete(id);
    return json(existed ? 204 : 404);
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

function secretText(api: MemoryApi, name: string, key: string): string | undefined {
  const value = (api.find('v1', 'Secret', name)?.data as Record<string, string> | undefined)?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

describe('realm content sync', () => {
  const billing = { name: 'billing', grantTypes: ['client_credentials' as const], scopes: { [PS]: ['pets:read'] } };
  let authz: FakeAuthz;
  let api: MemoryApi;
  let notes: string[];

  function context(resource: ServiceResource): SyncContext {
    return { resource, row: kindRow('IdentityRealm'), api, admin: new AuthzAdmin(ACCESS, authz.request), announce: (type, reason, note) => { notes.push(`${type} ${reason}: ${note}`); return Promise.resolve(); } };
  }

  beforeEach(() => {
    authz = new FakeAuthz();
    api = new MemoryApi();
    notes = [];
  });

  describe('identity-authz admin API', () => {
    it('fetches one token per session and pages through every client', async () => {
      for (let index = 0; index < 150; index += 1) authz.clients.set(`c${String(index).padStart(3, '0')}`, { clientId: `c${String(index)}`, name: 'x' });
      const admin = new AuthzAdmin(ACCESS, authz.request);
      expect(await admin.listClients()).to.have.length(150);
      await admin.deleteClient('c001');
      expect(authz.tokenRequests).to.equal(1);
      expect(authz.calls).to.deep.equal(['POST /token', 'GET /service/api/v1/clients?page=0&size=100', 'GET /service/api/v1/clients?page=1&size=100', 'DELETE /service/api/v1/clients/c001']);
      // A client already gone is not an error.
      await admin.deleteClient('c001');
    });

    it('says when the operator client is refused a token, without its secret', async () => {
      const problem = await failure(new AuthzAdmin({ ...ACCESS, clientSecret: 'wrong' }, authz.request).listClients());
      expect(problem.reason).to.equal('RealmContentSyncFailed');
      expect(problem.message).to.equal('identity-authz refused the operator client cryptoutil-operator a token for identity-authz (HTTP 401); is its Secret the one identity-authz was started with?');
      authz.refuse = { match: /token/, answer: json(200, { token_type: 'Bearer' }) };
      expect((await failure(new AuthzAdmin(ACCESS, authz.request).listClients())).message).to.match(/refused the operator client cryptoutil-operator a token for identity-authz \(HTTP 200\)/);
    });

    it('says when identity-authz does not answer at all', async () => {
      authz.refuse = { match: /token/, answer: new Error('getaddrinfo ENOTFOUND demo-identity-authz.default.svc') };
      expect((await failure(new AuthzAdmin(ACCESS, authz.request).listClients())).message).to.equal('identity-authz at https://demo-identity-authz.default.svc:8180 did not answer: getaddrinfo ENOTFOUND demo-identity-authz.default.svc');
    });

    it('names the call and the problem detail (else its title) of a refusal', async () => {
      const admin = new AuthzAdmin(ACCESS, authz.request);
      const body = { clientId: 'billing', name: 'billing', tokenEndpointAuthMethod: 'client_secret_basic' as const, grantTypes: [], redirectUris: [], postLogoutRedirectUris: [], openidScopes: [], resourceScopes: {}, accessTokenTtlSeconds: 900, mfa: 'optional' as const };
      authz.refuse = { match: /^POST \/service\/api\/v1\/clients$/, answer: json(400, { title: 'Bad Request', detail: 'urn:x is no resource' }) };
      expect((await failure(admin.createClient(body))).message).to.equal('identity-authz answered 400 to creating client billing: urn:x is no resource');
      authz.refuse = { match: /^PUT/, answer: json(409, { title: 'Conflict' }) };
      expect((await failure(admin.updateClient(body))).message).to.equal('identity-authz answered 409 to updating client billing: Conflict');
      authz.refuse = { match: /secret$/, answer: { status: 502, body: new Uint8Array(Buffer.from('<html>bad gateway</html>')) } };
      expect((await failure(admin.rotateSecret('billing'))).message).to.equal('identity-authz answered 502 to rotating the secret of client billing');
      authz.refuse = { match: /^DELETE/, answer: json(500, null) };
      expect((await failure(admin.deleteClient('billing'))).message).to.equal('identity-authz answered 500 to deleting client billing');
    });
  });

  describe('applying the plan', () => {
    it('creates the Secret once with the client secret, rewrites it on rotation, and only remembers a settings change', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ clients: [billing] }))) as ServiceResource;
      expect(await syncRealmContent(context(realm))).to.deep.equal({ managedClients: 1, applied: 1 });
      expect(secretText(api, 'demo-client-billing', 'clientSecret')).to.equal('secret-1');
      expect(secretText(api, 'demo-client-billing', 'clientId')).to.equal('billing');
      expect(await syncRealmContent(context(realm))).to.deep.equal({ managedClients: 1, applied: 0 });
      const rotated = { ...realm, spec: { ...realm.spec, clients: [{ ...billing, rotateSecret: 'a' }] } } as ServiceResource;
      expect(await syncRealmContent(context(rotated))).to.deep.equal({ managedClients: 1, applied: 1 });
      expect(secretText(api, 'demo-client-billing', 'clientSecret')).to.equal('rotated');
      expect(api.find('v1', 'Secret', 'demo-client-billing')?.metadata.annotations).to.deep.include({ 'cryptoutil.io/rotate-secret': 'a' });
      expect(notes.map((note) => note.split(':')[0])).to.deep.equal(['Normal ClientCreated', 'Normal ClientSecretRotated']);
    });

    it('applies what it can, then fails naming each client it could not keep', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ clients: [billing, { ...billing, name: 'other' }, { ...billing, name: 'third' }] }))) as ServiceResource;
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-client-other', namespace: 'default' }, data: secretData({ clientSecret: 'mine' }) });
      authz.clients.set('third', { clientId: 'third', name: 'third' });
      const problem = await failure(syncRealmContent(context(realm)));
      expect(problem.message).to.equal('Secret demo-client-other exists and is not owned by this IdentityRealm; client other is left as it is; client third exists in identity-authz and is not managed by this realm; it is left as it is');
      expect(authz.clients.has('billing')).to.equal(true);
      await api.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'demo-client-other' });
      authz.refuse = { match: /^POST \/service\/api\/v1\/clients$/, answer: json(400, { detail: 'no' }) };
      expect((await failure(syncRealmContent(context(realm)))).message).to.equal('identity-authz answered 400 to creating client other: no; client third exists in identity-authz and is not managed by this realm; it is left as it is');
    });

    it('lets any other error through as it is (the API server failing is retried, not reported)', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ clients: [billing] }))) as ServiceResource;
      const broken = new Error('API server unavailable');
      for (const failing of ['create', 'get']) {
        api.failWith = (operation) => (operation === failing ? broken : undefined);
        try {
          await syncRealmContent(context(realm));
          expect.fail('expected a failure');
        } catch (error) {
          expect(error, failing).to.equal(broken);
        }
      }
    });

    it('fails when the Secret changed under its write, and writes nothing when it vanished before a remember', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ clients: [billing] }))) as ServiceResource;
      await syncRealmContent(context(realm));
      const rotated = { ...realm, spec: { ...realm.spec, clients: [{ ...billing, rotateSecret: 'b' }] } } as ServiceResource;
      api.failWith = (operation, ref) => {
        if (operation === 'update' && ref.name === 'demo-client-billing') {
          const secret = api.find('v1', 'Secret', 'demo-client-billing');
          if (secret !== undefined) api.put({ ...secret, metadata: { ...secret.metadata, annotations: { changed: 'by someone' } } });
        }
        return undefined;
      };
      expect((await failure(syncRealmContent(context(rotated)))).message).to.equal('Secret demo-client-billing changed while the operator wrote it; retrying');
      api.failWith = () => undefined;
      await syncRealmContent(context(rotated));
      // A settings change that identity-authz already has is only remembered; the Secret goes between read and write.
      const edited = { ...rotated, spec: { ...rotated.spec, accessTokenTtlSeconds: 600 } } as ServiceResource;
      authz.clients.set('billing', { ...authz.clients.get('billing'), accessTokenTtlSeconds: 600 });
      let reads = 0;
      api.failWith = (operation, ref) => {
        if (operation === 'get' && ref.name === 'demo-client-billing' && ++reads === 2) api.objects.delete('v1/Secret/default/demo-client-billing');
        return undefined;
      };
      expect(await syncRealmContent(context(edited))).to.deep.equal({ managedClients: 1, applied: 1 });
      expect(api.find('v1', 'Secret', 'demo-client-billing')).to.equal(undefined);
    });

    it('reverts drift with a Warning, applies a spec change as an update, and rotates when the Secret is gone', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ clients: [billing] }))) as ServiceResource;
      await syncRealmContent(context(realm));
      authz.clients.set('billing', { ...authz.clients.get('billing'), resourceScopes: {} });
      await syncRealmContent(context(realm));
      expect(authz.clients.get('billing')?.resourceScopes).to.deep.equal({ [PS]: ['pets:read'] });
      const edited = { ...realm, spec: { ...realm.spec, accessTokenTtlSeconds: 600 } } as ServiceResource;
      await syncRealmContent(context(edited));
      api.objects.delete('v1/Secret/default/demo-client-billing');
      await syncRealmContent(context(edited));
      expect(secretText(api, 'demo-client-billing', 'clientSecret')).to.equal('rotated');
      authz.clients.delete('billing');
      await syncRealmContent(context(edited));
      expect(secretText(api, 'demo-client-billing', 'clientSecret')).to.equal('secret-1');
      expect(notes.slice(1)).to.deep.equal([
        'Warning DriftReverted: client billing was changed through identity-authz\'s API (resourceScopes); reverted to spec.clients',
        'Normal ClientUpdated: client billing updated in identity-authz (accessTokenTtlSeconds)',
        'Normal ClientSecretRotated: client billing has a new secret (its Secret was missing); the old one is refused',
        'Warning DriftReverted: client billing was deleted through identity-authz\'s API; created again with a new secret (its secret is in Secret demo-client-billing)',
      ]);
    });

    it('annotates a Secret of the realm that remembers nothing, without a new secret', async () => {
      const realm = api.put(identityRealm('demo', withRealmSpec({ clients: [billing] }))) as ServiceResource;
      authz.clients.set('billing', { ...desiredBody('demo', billing, 900) });
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-client-billing', namespace: 'default', ownerReferences: [controllerReference(realm)] }, data: secretData({ clientSecret: 'kept' }) });
      expect(await syncRealmContent(context(realm))).to.deep.equal({ managedClients: 1, applied: 1 });
      expect(secretText(api, 'demo-client-billing', 'clientSecret')).to.equal('kept');
      expect(api.find('v1', 'Secret', 'demo-client-billing')?.metadata.annotations).to.deep.equal({ 'cryptoutil.io/client-settings': bodyDigest(desiredBody('demo', billing, 900)) });
      expect(notes).to.deep.equal([]);
    });

    it('deletes a client removed from the spec even when its Secret is already gone', async () => {
      const bare: Record<string, unknown> = { ...identityRealm('demo').spec };
      delete bare.accessTokenTtlSeconds;
      const realm = api.put({ ...identityRealm('demo'), spec: bare }) as ServiceResource;
      authz.clients.set('old', { clientId: 'old', name: managedName('demo', 'old') });
      expect(await syncRealmContent(context(realm))).to.deep.equal({ managedClients: 0, applied: 1 });
      expect(authz.clients.has('old')).to.equal(false);
      expect(notes).to.deep.equal(['Normal ClientDeleted: client old removed from spec.clients: deleted from identity-authz with its Secret']);
    });
  });

  describe('the content step of a reconcile', () => {
    function step(resource: ServiceResource): ContentContext {
      return { resource, row: kindRow('IdentityRealm'), endpoint: ACCESS.baseUrl, api, announce: () => Promise.resolve() };
    }

    it('finds identity-authz in the cluster from its TLS Secret and the operator client Secret', async () => {
      // A realm without identity-idp: the idp's part is in sync-idp.test.ts.
      const realm = identityRealm('demo', withRealmSpec({ components: { idp: false, rs: false, rp: false, spa: false } }));
      expect(await clusterAdminAccess(step(realm))).to.equal(undefined);
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-identity-authz-tls', namespace: 'default' }, data: secretData({ 'ca.crt': 'PEM' }) });
      expect(await clusterAdminAccess(step(realm))).to.equal(undefined);
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-operator-client', namespace: 'default' }, data: secretData({ clientSecret: 'generated' }) });
      expect(await clusterAdminAccess(step(realm))).to.deep.equal({ baseUrl: ACCESS.baseUrl, ca: 'PEM', clientId: 'cryptoutil-operator', clientSecret: 'generated' });
    });

    it('asks nothing of a realm that never declared clients, and nothing while identity-authz cannot be found', async () => {
      const sync = realmContentSync({ request: authz.request, locate: () => Promise.resolve(undefined) });
      expect(await sync.sync(step(identityRealm('demo')), {})).to.equal(undefined);
      expect(await sync.sync(step(identityRealm('demo')), { managedClients: 0 })).to.equal(undefined);
      expect(await realmContentSync({ request: authz.request }).sync(step(identityRealm('demo', withRealmSpec({ clients: [billing] }))), {})).to.equal(undefined);
      expect(authz.calls).to.deep.equal([]);
    });

    it('moves lastSyncTime when a sync changed something or the last one is older than the interval', async () => {
      let now = new Date('2026-03-01T10:00:00.000Z');
      const sync = realmContentSync({ request: authz.request, locate: () => Promise.resolve(ACCESS), now: () => now, statusIntervalMs: 30_000 });
      const realm = identityRealm('demo', withRealmSpec({ clients: [billing] }));
      expect(await sync.sync(step(realm), {})).to.deep.equal({ managedClients: 1, lastSyncTime: '2026-03-01T10:00:00.000Z' });
      now = new Date('2026-03-01T10:00:10.000Z');
      expect(await sync.sync(step(realm), { lastSyncTime: '2026-03-01T10:00:00.000Z' })).to.deep.equal({ managedClients: 1, lastSyncTime: '2026-03-01T10:00:00.000Z' });
      now = new Date('2026-03-01T10:00:31.000Z');
      expect(await sync.sync(step(realm), { lastSyncTime: '2026-03-01T10:00:00.000Z' })).to.deep.equal({ managedClients: 1, lastSyncTime: '2026-03-01T10:00:31.000Z' });
      // Removing the last client still syncs once there were managed ones: it is deleted.
      expect(await sync.sync(step(identityRealm('demo', withRealmSpec({ clients: [] }))), { managedClients: 1, lastSyncTime: '2026-03-01T10:00:31.000Z' })).to.deep.equal({ managedClients: 0, lastSyncTime: '2026-03-01T10:00:31.000Z' });
      expect(authz.clients.size).to.equal(0);
    });
  });
});
