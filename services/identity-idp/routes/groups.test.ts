import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startIdp, type IdpHarness } from '../testing/harness.ts';
import { createUser, PASSWORD, submitLogin } from '../testing/flow.ts';
import { entitledScopes } from '../groups.ts';

describe('identity-idp groups API', () => {
  let idp: IdpHarness;
  before(async () => { idp = await startIdp(); });
  after(async () => { await idp.close(); });

  it('lists the built-in groups first, then stored ones by name; reads one of each', async () => {
    expect((await idp.api('POST', '/groups', { name: 'zeta', scopes: ['kms:read', 'kms:read'] })).json).to.deep.equal({ name: 'zeta', scopes: ['kms:read'], builtIn: false });
    expect((await idp.api('POST', '/groups', { name: 'alpha', scopes: ['*'] })).status).to.equal(201);
    const names = ((await idp.api('GET', '/groups')).json as { items: { name: string }[] }).items.map((group) => group.name);
    expect(names.slice(0, 2)).to.deep.equal(['admin', 'users']);
    expect(names.indexOf('alpha')).to.be.lessThan(names.indexOf('zeta'));
    expect((await idp.api('GET', '/groups/admin')).json).to.deep.equal({ name: 'admin', scopes: ['*', '*:admin'], builtIn: true });
    expect((await idp.api('GET', '/groups/zeta')).json).to.deep.equal({ name: 'zeta', scopes: ['kms:read'], builtIn: false });
    expect((await idp.api('GET', '/groups/nobody')).status).to.equal(404);
  });

  it('refuses a taken or built-in name (409) and bad input (400)', async () => {
    expect((await idp.api('POST', '/groups', { name: 'taken', scopes: [] })).status).to.equal(201);
    expect((await idp.api('POST', '/groups', { name: 'taken', scopes: [] })).status).to.equal(409);
    expect((await idp.api('POST', '/groups', { name: 'admin', scopes: [] })).status).to.equal(409);
    for (const body of [{ name: 'Upper', scopes: [] }, { name: 'x', scopes: ['no-colon'] }, { name: 'x' }, { name: 'x', scopes: ['*:admin'] }, { name: 'x', scopes: ['kms:read', 'idp:admin'] }]) {
      expect((await idp.api('POST', '/groups', body)).status, JSON.stringify(body)).to.equal(400);
    }
  });

  it('changes and deletes a stored group; its members leave it', async () => {
    await idp.api('POST', '/groups', { name: 'editors', scopes: ['pets:read'] });
    const id = await createUser(idp, 'editor');
    expect((await idp.api('PUT', `/users/${id}/groups/editors`)).status).to.equal(204);
    expect((await idp.api('PUT', `/users/${id}/groups/editors`)).status).to.equal(204);
    expect((await idp.api('PUT', '/groups/editors', { scopes: ['pets:write'] })).json).to.deep.equal({ name: 'editors', scopes: ['pets:write'], builtIn: false });
    expect((await idp.api('PUT', '/groups/missing', { scopes: [] })).status).to.equal(404);
    expect((await idp.api('DELETE', '/groups/editors')).status).to.equal(204);
    expect((await idp.api('GET', `/users/${id}/groups`)).json).to.deep.equal({ items: ['users'] });
    expect((await idp.api('DELETE', '/groups/editors')).status).to.equal(404);
  });

  it('membership: unknown users, groups and non-members are refused', async () => {
    const id = await createUser(idp, 'member');
    const nobody = randomUUID();
    expect((await idp.api('GET', `/users/${nobody}/groups`)).status).to.equal(404);
    expect((await idp.api('PUT', `/users/${nobody}/groups/users`)).status).to.equal(404);
    expect((await idp.api('PUT', `/users/${id}/groups/nosuch`)).status).to.equal(400);
    expect((await idp.api('DELETE', `/users/${id}/groups/admin`)).status).to.equal(404);
    expect((await idp.api('DELETE', `/users/${id}/groups/users`)).status).to.equal(204);
    expect((await idp.api('GET', `/users/${id}/groups`)).json).to.deep.equal({ items: [] });
    expect((await idp.api('POST', '/users', { username: 'joiner', email: 'j@example.com', password: 'long enough password', groups: ['nosuch'] })).status).to.equal(400);
    expect((await idp.api('GET', '/users?size=100')).text).not.to.include('joiner');
  });

  it('the consent page lists what a stored group grants, and nothing it does not', async () => {
    await idp.api('POST', '/groups', { name: 'kms-writers', scopes: ['kms:write'] });
    await idp.api('POST', '/users', { username: 'writer', email: 'w@example.com', password: PASSWORD, groups: ['kms-writers'] });
    const browser = idp.browser();
    const challenge = await idp.challenge({ scope: 'openid kms:read kms:write' });
    expect((await submitLogin(browser, challenge, 'writer')).status).to.equal(303);
    const page = await browser.get(`/consent?login_challenge=${challenge}`);
    expect([...page.text.matchAll(/<li><code>([^<]*)<\/code><\/li>/g)].map((match) => match[1])).to.deep.equal(['openid', 'kms:write']);
  });

  it('an admin lock holds until an unlock, and a lock of an unknown user is 404', async () => {
    const id = await createUser(idp, 'lockable');
    const locked = (await idp.api('POST', `/users/${id}/lock`)).json as { locked: boolean };
    expect(locked.locked).to.equal(true);
    expect(((await idp.api('POST', `/users/${id}/unlock`)).json as { locked: boolean }).locked).to.equal(false);
    expect((await idp.api('POST', `/users/${randomUUID()}/lock`)).status).to.equal(404);
    expect((await idp.api('DELETE', `/users/${randomUUID()}`)).status).to.equal(404);
  });
});

describe('identity-idp entitledScopes', () => {
  it('OpenID scopes always, admin scopes only with the admin group, ordinary ones by * or by name', () => {
    const requested = ['openid', 'kms:read', 'kms:write', 'kms:admin'];
    expect(entitledScopes(requested, { admin: false, scopes: new Set(['kms:read']) })).to.deep.equal(['openid', 'kms:read']);
    expect(entitledScopes(requested, { admin: false, scopes: new Set(['*', 'kms:admin']) })).to.deep.equal(['openid', 'kms:read', 'kms:write']);
    expect(entitledScopes(requested, { admin: true, scopes: new Set(['*']) })).to.deep.equal(requested);
    expect(entitledScopes(requested, { admin: false, scopes: new Set() })).to.deep.equal(['openid']);
  });
});
