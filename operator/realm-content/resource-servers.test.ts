import { expect } from 'chai';
import type { RealmResource } from '../api/kinds.ts';
import { ReconcileProblem } from '../controllers/problem.ts';
import type { ServiceResource } from '../resources/types.ts';
import { AuthzAdmin } from './admin.ts';
import type { ServiceRequest } from '../controllers/service-fetch.ts';
import {
  applyResourceServerOps, desiredBody, planRealmResourceServers, planResourceServers, settingsDigest, type ActualResourceServer, type ResourceServerBody,
} from './resource-servers.ts';

const orders: RealmResource = { name: 'orders', identifier: 'https://orders.example.test', scopes: ['invoices:write', 'invoices:read'] };

function actual(body: ResourceServerBody, extra: Partial<ActualResourceServer> = {}): ActualResourceServer {
  return { ...body, builtIn: false, ...extra };
}

describe('the resource server plan of a realm', () => {
  it('marks what it sends with the realm and a digest of the settings that ignores the order of scopes', () => {
    const body = desiredBody('demo', orders);
    expect(body).to.deep.equal({ name: 'orders', identifier: 'https://orders.example.test', description: '', scopes: ['invoices:read', 'invoices:write'], managedBy: `IdentityRealm demo ${settingsDigest(orders)}` });
    expect(settingsDigest({ ...orders, scopes: ['invoices:read', 'invoices:write'] })).to.equal(settingsDigest(orders));
    expect(settingsDigest({ ...orders, description: 'x' })).to.not.equal(settingsDigest(orders));
    expect(desiredBody('demo', { ...orders, unmanaged: true }).managedBy).to.equal(null);
  });

  it('creates what is missing, updates what differs (spec or drift), deletes managed ones no longer declared, and never takes over', () => {
    const builtIn = actual({ name: 'learn-ps', identifier: 'urn:cryptoutil:learn-ps', description: 'Built-in: learn-ps', scopes: ['pets:read'], managedBy: null }, { builtIn: true });
    const stale = actual({ ...desiredBody('demo', orders), name: 'invoices', identifier: 'urn:example:invoices' });
    const foreign = actual({ ...desiredBody('other', orders), name: 'shipping', identifier: 'urn:example:shipping' });
    const returns: RealmResource = { name: 'returns', identifier: 'urn:example:returns', scopes: ['returns:read'] };
    const manual: RealmResource = { name: 'manual', identifier: 'urn:example:manual', scopes: ['manual:read'], unmanaged: true };
    const declared: RealmResource[] = [
      orders,
      { name: 'shipping', identifier: 'urn:example:shipping', scopes: ['ship:read'] },
      returns,
      manual,
      { name: 'kept', identifier: 'urn:example:kept', scopes: ['kept:read'], unmanaged: true },
    ];
    const changedBySpec = actual({ ...desiredBody('demo', { ...orders, scopes: ['invoices:read'] }) });
    const plan = planResourceServers({
      realm: 'demo', declared, known: new Set(['returns']),
      actual: [builtIn, stale, foreign, changedBySpec, actual({ name: 'kept', identifier: 'urn:example:kept', description: 'mine', scopes: ['kept:write'], managedBy: null })],
    });
    expect(plan.ops).to.deep.equal([
      { op: 'update', body: desiredBody('demo', orders), cause: 'spec', fields: ['scopes'] },
      { op: 'create', body: desiredBody('demo', returns), recreated: true },
      { op: 'create', body: desiredBody('demo', manual), recreated: false },
    ]);
    expect(plan.deletions).to.deep.equal([{ op: 'delete', name: 'invoices' }]);
    expect(plan.conflicts).to.deep.equal(['shipping']);
    expect(plan).to.deep.include({ managed: 2, present: ['orders', 'returns'] });
  });

  it('calls a change under the current marker drift, leaves an unchanged one alone, and replaces one whose identifier was changed behind its back', () => {
    const body = desiredBody('demo', orders);
    const drifted = planResourceServers({ realm: 'demo', declared: [orders], known: new Set(), actual: [actual({ ...body, description: 'by hand' })] });
    expect(drifted.ops).to.deep.equal([{ op: 'update', body, cause: 'drift', fields: ['description'] }]);
    const markerOnly = planResourceServers({ realm: 'demo', declared: [orders], known: new Set(), actual: [actual({ ...body, managedBy: 'IdentityRealm demo old' })] });
    expect(markerOnly.ops).to.deep.equal([{ op: 'update', body, cause: 'spec', fields: [] }]);
    expect(planResourceServers({ realm: 'demo', declared: [orders], known: new Set(), actual: [actual(body)] }).ops).to.deep.equal([]);
    const moved = planResourceServers({ realm: 'demo', declared: [orders], known: new Set(), actual: [actual({ ...body, identifier: 'urn:example:elsewhere' })] });
    expect(moved.ops).to.deep.equal([{ op: 'delete', name: 'orders' }, { op: 'create', body, recreated: false }]);
  });
});

describe('applying resource server operations', () => {
  const resource = { metadata: { name: 'demo', namespace: 'default', uid: 'u', generation: 1 }, spec: { replicas: 1, resources: [orders] } } as unknown as ServiceResource;

  function fakeAdmin(calls: string[], failOn?: string, error: Error = new ReconcileProblem('RealmContentSyncFailed', `identity-authz answered 409 to ${String(failOn)}`)): AuthzAdmin {
    const record = (call: string): Promise<void> => {
      calls.push(call);
      return call === failOn ? Promise.reject(error) : Promise.resolve();
    };
    return {
      listResourceServers: () => Promise.resolve([]),
      createResourceServer: (body: ResourceServerBody) => record(`create ${body.name}`),
      updateResourceServer: (body: ResourceServerBody) => record(`update ${body.name}`),
      deleteResourceServer: (name: string) => record(`delete ${name}`),
    } as unknown as AuthzAdmin;
  }

  it('announces each operation, goes on past a refused one and returns its problem', async () => {
    const calls: string[] = [];
    const notes: string[] = [];
    const context = { resource, admin: fakeAdmin(calls, 'update orders'), announce: (type: string, reason: string, note: string) => { notes.push(`${type} ${reason}: ${note}`); return Promise.resolve(); } };
    const plan = await planRealmResourceServers(context, new Set());
    expect(plan.ops).to.have.length(1);
    const body = desiredBody('demo', orders);
    const failures = await applyResourceServerOps(context, [
      { op: 'create', body, recreated: true },
      { op: 'update', body, cause: 'spec', fields: ['scopes'] },
      { op: 'update', body: { ...body, name: 'drifted' }, cause: 'drift', fields: [] },
      { op: 'delete', name: 'gone' },
      { op: 'create', body: { ...body, name: 'fresh' }, recreated: false },
      { op: 'update', body: { ...body, name: 'fine' }, cause: 'spec', fields: ['scopes'] },
    ]);
    expect(calls).to.deep.equal(['create orders', 'update orders', 'update drifted', 'delete gone', 'create fresh', 'update fine']);
    expect(failures).to.deep.equal(['identity-authz answered 409 to update orders']);
    expect(notes).to.deep.equal([
      'Warning DriftReverted: resource server orders was deleted through identity-authz\'s API; created again',
      'Warning DriftReverted: resource server drifted was changed through identity-authz\'s API (its marker); reverted to spec.resources',
      'Normal ResourceServerDeleted: resource server gone not in spec.resources as it is: deleted from identity-authz',
      'Normal ResourceServerCreated: resource server fresh (https://orders.example.test) created in identity-authz',
      'Normal ResourceServerUpdated: resource server fine updated in identity-authz (scopes)',
    ]);
  });

  it('lets any other error through', async () => {
    const context = { resource, admin: fakeAdmin([], 'delete gone', new TypeError('a bug')), announce: () => Promise.resolve() };
    let thrown: unknown;
    try {
      await applyResourceServerOps(context, [{ op: 'delete', name: 'gone' }]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(TypeError);
  });
});

describe('identity-authz resource server API as the operator calls it', () => {
  function serving(count: number, calls: string[]): ServiceRequest {
    const all = Array.from({ length: count }, (_, index) => ({ name: `r${String(index)}`, identifier: `urn:example:r${String(index)}`, description: '', scopes: ['r:read'], managedBy: null, builtIn: false }));
    return (method, url) => {
      const path = url.replace('https://authz.test', '');
      calls.push(`${method} ${path}`);
      const answer = (status: number, body?: unknown): Promise<{ status: number; body: Uint8Array }> => Promise.resolve({ status, body: new Uint8Array(Buffer.from(body === undefined ? '' : JSON.stringify(body))) });
      if (path === '/token') return answer(200, { access_token: 'token' });
      const page = /page=(\d+)&size=(\d+)$/.exec(path);
      if (page !== null) {
        const [from, size] = [Number(page[1]) * Number(page[2]), Number(page[2])];
        return answer(200, { items: all.slice(from, from + size), page: Number(page[1]), size, total: all.length });
      }
      return answer(method === 'POST' ? 201 : method === 'PUT' ? 200 : 204);
    };
  }
  const access = { baseUrl: 'https://authz.test', ca: 'CA', clientId: 'op', clientSecret: 's' };

  it('pages through every resource server, stopping at a short page or at the total', async () => {
    for (const [count, pages] of [[150, 2], [100, 1], [0, 1]] as const) {
      const calls: string[] = [];
      expect(await new AuthzAdmin(access, serving(count, calls)).listResourceServers()).to.have.length(count);
      expect(calls.filter((call) => call.includes('/resource-servers?'))).to.have.length(pages);
    }
  });

  it('creates, updates and deletes through the paths of the API', async () => {
    const calls: string[] = [];
    const admin = new AuthzAdmin(access, serving(0, calls));
    const body = desiredBody('demo', orders);
    await admin.createResourceServer(body);
    await admin.updateResourceServer(body);
    await admin.deleteResourceServer('orders');
    expect(calls).to.deep.equal(['POST /token', 'POST /service/api/v1/resource-servers', 'PUT /service/api/v1/resource-servers/orders', 'DELETE /service/api/v1/resource-servers/orders']);
  });
});
