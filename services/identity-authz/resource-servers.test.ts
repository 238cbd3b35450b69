import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { createPostgresDatabase, describeOnDatabases, type Scratch } from '../template/testing/databases.ts';
import { isUniqueViolation } from '../template/database/errors.ts';
import { ValidationError } from '../template/errors/index.ts';
import { authzOwnEntities, ResourceServer } from './entities.ts';
import { authzOwnMigrations } from './migrations.ts';
import { AUTHZ_RESOURCE, LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from './testing/harness.ts';
import { DECLARED_MAX_AGE_MS, ResourceServers } from './resource-servers.ts';
import type { EntityManager } from '@mikro-orm/core';

const ORDERS = 'https://orders.example.test/api';

function orders(extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { name: 'orders', identifier: ORDERS, description: 'Orders API', scopes: ['invoices:write', 'invoices:read'], ...extra };
}

interface Problem { readonly detail: string }

function resourceServersSuite(start: () => Promise<AuthzHarness>): void {
  let authz: AuthzHarness;
  before(async () => { authz = await start(); });
  after(async () => { await authz.close(); });

  async function token(client: { id: string; secret: string }, fields: Readonly<Record<string, string>>): Promise<{ status: number; json: Record<string, unknown> }> {
    const answer = await authz.form('/token', { grant_type: 'client_credentials', ...fields }, client);
    return { status: answer.status, json: answer.json as Record<string, unknown> };
  }

  async function verified(accessToken: unknown, audience: string): Promise<Record<string, unknown>> {
    const jwks = (await authz.get('/jwks')).json as JSONWebKeySet;
    return (await jwtVerify(String(accessToken), createLocalJWKSet(jwks), { issuer: authz.issuer, audience })).payload;
  }

  it('creates, shows, lists, changes and deletes a declared resource server', async () => {
    const created = await authz.api('POST', '/resource-servers', orders({ managedBy: 'IdentityRealm demo abc' }));
    expect(created.status, created.text).to.equal(201);
    expect(created.json).to.deep.include({ name: 'orders', identifier: ORDERS, description: 'Orders API', scopes: ['invoices:read', 'invoices:write'], managedBy: 'IdentityRealm demo abc', builtIn: false });
    expect((await authz.api('GET', '/resource-servers/orders')).json).to.deep.equal(created.json);

    const list = await authz.api('GET', '/resource-servers?page=0&size=100');
    const page = list.json as { items: { name: string; builtIn: boolean; scopes: string[] }[]; total: number };
    // The built-in ones first, by name, then the declared ones.
    expect(page.items.map((item) => [item.name, item.builtIn])).to.deep.equal([['identity-authz', true], ['learn-ps', true], ['sm-kms', true], ['orders', false]]);
    expect(page.total).to.equal(4);
    expect(page.items[1]?.scopes).to.include('pets:read');
    // A page may span both parts, and one wholly within the built-in ones reads only the count.
    expect(((await authz.api('GET', '/resource-servers?page=1&size=3')).json as { items: { name: string }[] }).items.map((item) => item.name)).to.deep.equal(['orders']);
    expect(((await authz.api('GET', '/resource-servers?page=0&size=3')).json)).to.deep.include({ total: 4 })
      .and.nested.property('items.length', 3);
    expect(((await authz.api('GET', '/resource-servers?page=1&size=2')).json as { items: { name: string }[] }).items.map((item) => item.name)).to.deep.equal(['sm-kms', 'orders']);
    expect((await authz.api('GET', '/resource-servers/learn-ps')).json).to.deep.include({ identifier: LEARN_PS_RESOURCE, builtIn: true, managedBy: null, description: 'Built-in: learn-ps' });

    const changed = await authz.api('PUT', '/resource-servers/orders', orders({ description: 'Orders', scopes: ['invoices:read'], managedBy: null }));
    expect(changed.status, changed.text).to.equal(200);
    expect(changed.json).to.deep.include({ description: 'Orders', scopes: ['invoices:read'], managedBy: null });
    expect((await authz.api('DELETE', '/resource-servers/orders')).status).to.equal(204);
    expect((await authz.api('GET', '/resource-servers/orders')).status).to.equal(404);
    expect((await authz.api('DELETE', '/resource-servers/orders')).status).to.equal(404);
    expect((await authz.api('PUT', '/resource-servers/orders', orders())).status).to.equal(404);
  });

  it('refuses what cannot be, naming it', async () => {
    const refusals: [string, string, unknown, number, string][] = [
      ['POST', '/resource-servers', orders({ identifier: 'urn:cryptoutil:orders' }), 400, 'belong to the built-in resource servers'],
      ['POST', '/resource-servers', orders({ name: 'learn-ps', identifier: 'urn:example:learn-ps' }), 409, 'learn-ps is the name of a built-in resource server'],
      ['POST', '/resource-servers', orders({ identifier: 'http://orders.example.test' }), 400, 'identifier'],
      ['POST', '/resource-servers', orders({ identifier: 'https://orders.example.test/#frag' }), 400, 'identifier'],
      ['POST', '/resource-servers', orders({ scopes: [] }), 400, 'scopes'],
      ['POST', '/resource-servers', orders({ scopes: ['read'] }), 400, 'scopes'],
      ['POST', '/resource-servers', orders({ scopes: ['invoices:read', 'invoices:read'] }), 400, 'scopes'],
      ['POST', '/resource-servers', orders({ name: 'Orders' }), 400, 'name'],
      ['POST', '/resource-servers', orders({ extra: true }), 400, 'extra'],
      ['PUT', '/resource-servers/learn-ps', orders({ name: 'learn-ps' }), 409, 'learn-ps is a built-in resource server'],
      ['DELETE', '/resource-servers/identity-authz', undefined, 409, 'identity-authz is a built-in resource server'],
    ];
    for (const [method, path, body, status, detail] of refusals) {
      const answer = await authz.api(method, path, body);
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}: ${answer.text}`).to.equal(status);
      expect(answer.headers['content-type']).to.equal('application/problem+json');
      expect(answer.text).to.include(detail);
    }
    expect((await authz.api('POST', '/resource-servers', orders({ name: 'invoices', identifier: 'urn:example:invoices' }))).status).to.equal(201);
    const duplicates = [
      await authz.api('POST', '/resource-servers', orders({ name: 'invoices' })),
      await authz.api('POST', '/resource-servers', orders({ name: 'bills', identifier: 'urn:example:invoices' })),
    ];
    for (const answer of duplicates) expect(answer.status, answer.text).to.equal(409);
    const renamed = await authz.api('PUT', '/resource-servers/invoices', orders({ name: 'bills', identifier: 'urn:example:invoices' }));
    expect(renamed.status).to.equal(400);
    expect((renamed.json as Problem).detail).to.equal('name cannot change: it must equal the path');
    // A scope belongs to one resource server: a built-in one's, or another declared one's, is refused.
    for (const [scope, owner] of [['pets:read', LEARN_PS_RESOURCE], ['invoices:write', 'urn:example:invoices']]) {
      const clash = await authz.api('POST', '/resource-servers', orders({ name: 'clash', identifier: 'urn:example:clash', scopes: ['clash:read', scope] }));
      expect(clash.status, clash.text).to.equal(400);
      expect(clash.text).to.include(`${String(scope)} is a scope of ${String(owner)} already; a scope belongs to one resource server`).and.include('/body/scopes/1');
    }
    const clashing = await authz.api('PUT', '/resource-servers/invoices', orders({ name: 'invoices', identifier: 'urn:example:invoices', scopes: ['pets:write'] }));
    expect(clashing.status).to.equal(400);
    expect((await authz.api('PUT', '/resource-servers/invoices', orders({ name: 'invoices', identifier: 'urn:example:invoices', scopes: ['invoices:read'] }))).status).to.equal(200);
    const upper = await authz.api('POST', '/resource-servers', orders({ name: 'upper', identifier: 'urn:CRYPTOUTIL:learn-ps', scopes: ['upper:read'] }));
    expect(upper.status).to.equal(400);
    expect(upper.text).to.include('belong to the built-in resource servers');
    const moved = await authz.api('PUT', '/resource-servers/invoices', orders({ name: 'invoices', identifier: 'urn:example:bills' }));
    expect(moved.status).to.equal(400);
    expect((moved.json as Problem).detail).to.equal('identifier cannot change; create a new resource server');
    expect((await authz.api('DELETE', '/resource-servers/invoices')).status).to.equal(204);
    expect((await authz.get('/service/api/v1/resource-servers')).status).to.equal(401);
  });

  it('creates one resource server of a name, and one of an identifier, under concurrent requests', async () => {
    const byName = await Promise.all(Array.from({ length: 6 }, (_, index) => authz.api('POST', '/resource-servers', orders({ name: 'racing', identifier: `urn:example:racing-${String(index)}`, scopes: [`racing${String(index)}:read`] }))));
    expect(byName.map((answer) => answer.status).sort(), byName.map((answer) => `${String(answer.status)} ${answer.text}`).join('\n')).to.deep.equal([201, 409, 409, 409, 409, 409]);
    const byIdentifier = await Promise.all(Array.from({ length: 6 }, (_, index) => authz.api('POST', '/resource-servers', orders({ name: `racer-${String(index)}`, identifier: 'urn:example:raced', scopes: [`racer${String(index)}:read`] }))));
    expect(byIdentifier.map((answer) => answer.status).sort(), byIdentifier.map((answer) => `${String(answer.status)} ${answer.text}`).join('\n')).to.deep.equal([201, 409, 409, 409, 409, 409]);
    const names = ((await authz.api('GET', '/resource-servers?size=100')).json as { items: { identifier: string }[] }).items.map((item) => item.identifier);
    expect(names.filter((identifier) => identifier.startsWith('urn:example:rac'))).to.have.length(2);
  });

  it('issues tokens for a declared resource: its identifier as audience, the client\'s scopes it still has', async () => {
    expect((await authz.api('POST', '/resource-servers', orders({ name: 'shop', identifier: 'https://shop.example.test', scopes: ['shop:read', 'shop:write'] }))).status).to.equal(201);
    const unknownScope = await authz.api('POST', '/clients', {
      name: 'Shop worker', grantTypes: ['client_credentials'], resourceScopes: { 'https://shop.example.test': ['shop:delete'] },
    });
    expect(unknownScope.status).to.equal(400);
    const created = await authz.api('POST', '/clients', {
      name: 'Shop worker', grantTypes: ['client_credentials'], resourceScopes: { 'https://shop.example.test': ['shop:read', 'shop:write'], [LEARN_PS_RESOURCE]: ['pets:read'] },
    });
    expect(created.status, created.text).to.equal(201);
    const client = { id: (created.json as { clientId: string }).clientId, secret: (created.json as { clientSecret: string }).clientSecret };

    const first = await token(client, { resource: 'https://shop.example.test' });
    expect(first.status, JSON.stringify(first.json)).to.equal(200);
    expect(await verified(first.json.access_token, 'https://shop.example.test')).to.include({ scope: 'shop:read shop:write', client_id: client.id });
    // Without a resource, scopes that belong to it alone name it.
    const named = await token(client, { scope: 'shop:read' });
    expect(await verified(named.json.access_token, 'https://shop.example.test')).to.include({ scope: 'shop:read' });

    // A scope the resource server drops is no longer issued, though the client still lists it.
    expect((await authz.api('PUT', '/resource-servers/shop', orders({ name: 'shop', identifier: 'https://shop.example.test', scopes: ['shop:read'] }))).status).to.equal(200);
    const narrowed = await token(client, { resource: 'https://shop.example.test' });
    expect(await verified(narrowed.json.access_token, 'https://shop.example.test')).to.include({ scope: 'shop:read' });
    expect((await token(client, { resource: 'https://shop.example.test', scope: 'shop:write' })).status).to.equal(400);

    // A resource server some client holds scopes for stays until the client lets go.
    const refused = await authz.api('DELETE', '/resource-servers/shop');
    expect(refused.status).to.equal(409);
    expect((refused.json as Problem).detail).to.equal(`clients ${client.id} hold scopes for https://shop.example.test; remove them first`);
    const updated = await authz.api('PUT', `/clients/${client.id}`, { name: 'Shop worker', grantTypes: ['client_credentials'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
    expect(updated.status, updated.text).to.equal(200);
    expect((await authz.api('DELETE', '/resource-servers/shop')).status).to.equal(204);
    const gone = await token(client, { resource: 'https://shop.example.test' });
    expect(gone.status).to.equal(400);
    expect(gone.json.error).to.equal('invalid_target');
    expect((await token(client, { resource: LEARN_PS_RESOURCE })).status).to.equal(200);
  });

  it('never leaves a client holding scopes for a resource server deleted at the same moment', async () => {
    for (let round = 0; round < 10; round += 1) {
      const name = `fleeting-${String(round)}`;
      const identifier = `urn:example:${name}`;
      const scope = `fleeting${String(round)}:read`;
      expect((await authz.api('POST', '/resource-servers', orders({ name, identifier, scopes: [scope] }))).status).to.equal(201);
      const [deleted, ...made] = await Promise.all([
        authz.api('DELETE', `/resource-servers/${name}`),
        ...Array.from({ length: 3 }, () => authz.api('POST', '/clients', { name: 'Fleeting', grantTypes: ['client_credentials'], resourceScopes: { [identifier]: [scope] } })),
      ]);
      const outcome = `delete ${String(deleted.status)}, creates ${made.map((answer) => String(answer.status)).join(' ')}`;
      // Either the delete won and every create was refused, or a create won and the delete was.
      expect([204, 409], outcome).to.include(deleted.status);
      expect(made.map((answer) => answer.status), outcome).to.deep.equal(made.map(() => deleted.status === 204 ? 400 : 201));
      if (deleted.status === 204) continue;
      for (const answer of made) expect((await authz.api('DELETE', `/clients/${(answer.json as { clientId: string }).clientId}`)).status).to.equal(204);
      expect((await authz.api('DELETE', `/resource-servers/${name}`)).status).to.equal(204);
    }
  });

  it('names at most five clients that hold a resource\'s scopes', async () => {
    expect((await authz.api('POST', '/resource-servers', orders({ name: 'popular', identifier: 'urn:example:popular' }))).status).to.equal(201);
    for (let index = 0; index < 7; index += 1) {
      const made = await authz.api('POST', '/clients', { clientId: `holder-${String(index)}`, name: 'Holder', grantTypes: ['client_credentials'], resourceScopes: { 'urn:example:popular': ['invoices:read'] } });
      expect(made.status, made.text).to.equal(201);
    }
    const refused = await authz.api('DELETE', '/resource-servers/popular');
    expect((refused.json as Problem).detail).to.equal('clients holder-0, holder-1, holder-2, holder-3, holder-4 and 2 more hold scopes for urn:example:popular; remove them first');
    // The built-in resources are unchanged, and the admin client still reaches identity-authz.
    expect((await token({ id: 'admin-client', secret: authz.adminSecret }, { resource: AUTHZ_RESOURCE })).status).to.equal(200);
  });
}

describe('identity-authz resource servers API (/service/api/v1/resource-servers)', function () {
  this.timeout(60_000);

  describe('on SQLite', () => {
    resourceServersSuite(() => startAuthz());
  });

  describe('on PostgreSQL', () => {
    resourceServersSuite(async () => {
      const scratch: Scratch = await createPostgresDatabase();
      const authz = await startAuthz({ databaseUrl: scratch.url });
      return { ...authz, close: async () => { await authz.close(); await scratch.drop(); } };
    });
  });
});

describe('the resource catalogue of one process', () => {
  it('reads the declared rows at most once a second, at once after a local write, and again after a failed read', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const rows = [{ identifier: 'urn:example:a', scopes: ['a:read'] }];
    const em = { find: () => { reads += 1; return fail ? Promise.reject(new Error('database down')) : Promise.resolve(rows); } } as unknown as EntityManager;
    const servers = new ResourceServers({ builtIns: () => Promise.resolve(new Map([['urn:cryptoutil:x', ['x:read']]])), fork: () => em, now: () => now });
    expect([...await servers.catalog()]).to.deep.equal([['urn:cryptoutil:x', ['x:read']], ['urn:example:a', ['a:read']]]);
    now = DECLARED_MAX_AGE_MS - 1;
    await servers.catalog();
    expect(reads).to.equal(1);
    now = DECLARED_MAX_AGE_MS;
    await servers.catalog();
    expect(reads).to.equal(2);
    servers.changed();
    await servers.catalog();
    expect(reads).to.equal(3);
    fail = true;
    servers.changed();
    let failure: unknown;
    try {
      await servers.catalog();
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.an('error').with.property('message', 'database down');
    fail = false;
    // Within the same second: the failed read is not kept.
    expect([...(await servers.catalog()).keys()]).to.include('urn:example:a');
    expect(reads).to.equal(5);
  });
});

describeOnDatabases('a create after the checks read a row another request has just committed', { entities: authzOwnEntities, migrations: authzOwnMigrations }, (db) => {
  it('fails on the key instead of updating that row (the checks read past the identity map)', async () => {
    const servers = new ResourceServers({ builtIns: () => Promise.resolve(new Map()), fork: () => db().fork() });
    const request = db().fork();
    // This request found no row of the name; then the other request's row is committed before its checks read.
    const other = db().fork();
    other.create(ResourceServer, { name: 'racing', identifier: 'urn:example:first', description: '', scopes: ['first:read'], managedBy: null });
    await other.flush();
    expect([...(await servers.othersThan(request, 'urn:example:second')).keys()]).to.deep.equal(['urn:example:first']);
    request.create(ResourceServer, { name: 'racing', identifier: 'urn:example:second', description: '', scopes: ['second:read'], managedBy: null });
    const error = await request.flush().then(() => undefined, (reason: unknown) => reason);
    expect(isUniqueViolation(error), String(error)).to.equal(true);
    expect((await db().fork().find(ResourceServer, { name: 'racing' })).map((row) => row.identifier)).to.deep.equal(['urn:example:first']);
  });
});

describeOnDatabases('holding the declared resource servers a client write names', { entities: authzOwnEntities, migrations: authzOwnMigrations }, (db) => {
  it('passes for built-in, empty and present ones, refuses (400) naming the ones gone, and forgets the cached catalogue then', async () => {
    let reads = 0;
    const servers = new ResourceServers({ builtIns: () => Promise.resolve(new Map([['urn:cryptoutil:x', ['x:read']]])), fork: () => { reads += 1; return db().fork(); } });
    const em = db().fork();
    const kept = em.create(ResourceServer, { name: 'kept', identifier: 'urn:example:kept', description: '', scopes: ['kept:read'], managedBy: null });
    await em.flush();
    const before = (await db().fork().findOneOrFail(ResourceServer, { name: 'kept' })).updatedAt;
    await new Promise((done) => { setTimeout(done, 5); });
    await servers.hold(db().fork(), {});
    await servers.hold(db().fork(), { 'urn:cryptoutil:x': ['x:read'], 'urn:example:gone': [], 'urn:example:kept': ['kept:read'] });
    await servers.catalog();
    expect(reads).to.equal(1);
    const error = await servers.hold(db().fork(), { 'urn:example:kept': ['kept:read'], 'urn:example:gone': ['gone:read'], 'urn:example:also-gone': ['gone:write'] }).then(() => undefined, (reason: unknown) => reason);
    expect(error).to.be.instanceOf(ValidationError).with.property('status', 400);
    expect((error as ValidationError).message).to.equal('/body/resourceScopes/urn:example:gone unknown resource: it was deleted meanwhile');
    expect((error as ValidationError).errors).to.deep.equal([
      { pointer: '/body/resourceScopes/urn:example:gone', message: 'unknown resource: it was deleted meanwhile' },
      { pointer: '/body/resourceScopes/urn:example:also-gone', message: 'unknown resource: it was deleted meanwhile' },
    ]);
    await servers.catalog();
    expect(reads, 'the catalogue is read again').to.equal(2);
    // The hold changes nothing in the row it holds.
    expect(await db().fork().findOneOrFail(ResourceServer, { name: 'kept' })).to.deep.include({ identifier: kept.identifier, description: '', updatedAt: before });
  });
});
