import { expect } from 'chai';
import { createPostgresDatabase, type Scratch } from '../../template/testing/databases.ts';
import { query, startIdp, type IdpHarness } from '../testing/harness.ts';

interface User { id: string; username: string; email: string; locked: boolean; lockedUntil?: string; createdAt: string; updatedAt: string }

const ENGINES: readonly { readonly title: string; readonly scratch?: () => Promise<Scratch> }[] = [
  { title: 'SQLite' },
  { title: 'PostgreSQL', scratch: createPostgresDatabase },
];

for (const engine of ENGINES) {
  describe(`identity-idp users API on ${engine.title}`, () => {
    let idp: IdpHarness;
    let scratch: Scratch | undefined;
    before(async () => {
      scratch = await engine.scratch?.();
      idp = await startIdp(scratch === undefined ? {} : { databaseUrl: scratch.url });
    });
    after(async () => {
      await idp.close();
      await scratch?.drop();
    });

    it('POST /users creates a user with a UUIDv7 id and never returns the password or its hash (201)', async () => {
      const created = await idp.api('POST', '/users', { username: 'alice.smith', email: 'alice@example.com', password: 'correct horse battery' });
      expect(created.status, created.text).to.equal(201);
      const user = created.json as User;
      expect(user).to.include({ username: 'alice.smith', email: 'alice@example.com', locked: false });
      expect(user.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      expect(Object.keys(user).sort()).to.deep.equal(['createdAt', 'email', 'id', 'locked', 'updatedAt', 'username']);
      expect(created.text).not.to.include('correct horse').and.not.to.include('low-entropy');
      expect((await idp.api('GET', `/users/${user.id}`)).json).to.deep.equal(user);
    });

    it('stores the password only as a LowEntropyRandom hash', async () => {
      const created = (await idp.api('POST', '/users', { username: 'hashed', email: 'h@example.com', password: 'a very secret phrase' })).json as User;
      const rows = await query<{ password_hash: string }>(idp.databaseUrl, 'select password_hash from idp_users where id = ?', [created.id]);
      expect(rows[0]?.password_hash).to.match(/low-entropy-random/);
      expect(rows[0]?.password_hash).not.to.include('a very secret phrase');
    });

    it('refuses a taken username (409) and bad input (400)', async () => {
      await idp.api('POST', '/users', { username: 'taken', email: 't@example.com', password: 'long enough password' });
      const again = await idp.api('POST', '/users', { username: 'taken', email: 'u@example.com', password: 'long enough password' });
      expect(again.status).to.equal(409);
      expect(again.headers['content-type']).to.include('application/problem+json');
      const bad = [
        { username: 'ab', email: 'a@example.com', password: 'long enough password' },
        { username: 'x'.repeat(65), email: 'a@example.com', password: 'long enough password' },
        { username: 'white space', email: 'a@example.com', password: 'long enough password' },
        { username: 'fine', email: 'not-an-email', password: 'long enough password' },
        { username: 'fine', email: 'a@example.com', password: 'short' },
        { username: 'fine', email: 'a@example.com', password: 'p'.repeat(257) },
        { username: 'fine', email: 'a@example.com', password: 'long enough password', extra: 1 },
      ];
      for (const body of bad) {
        const answer = await idp.api('POST', '/users', body);
        expect(answer.status, JSON.stringify(body)).to.equal(400);
        expect(answer.text).not.to.include('long enough password');
      }
    });

    it('GET /users pages from 0, oldest first', async () => {
      for (const name of ['page-a', 'page-b', 'page-c']) await idp.api('POST', '/users', { username: name, email: `${name}@example.com`, password: 'long enough password' });
      const all = (await idp.api('GET', '/users?size=100')).json as { items: User[]; total: number; page: number; size: number };
      expect(all).to.include({ page: 0, size: 100 });
      expect(all.total).to.equal(all.items.length);
      const names = all.items.map((user) => user.username);
      expect(names.indexOf('page-a')).to.be.below(names.indexOf('page-c'));
      const second = (await idp.api('GET', '/users?page=1&size=1')).json as { items: User[] };
      expect(second.items).to.have.length(1);
      expect(second.items[0]?.username).to.equal(names[1]);
      expect((await idp.api('GET', '/users?size=101')).status).to.equal(400);
    });

    it('PUT /users/{id} changes email and password; the new password is the one that counts', async () => {
      const user = (await idp.api('POST', '/users', { username: 'changer', email: 'c@example.com', password: 'first password!!' })).json as User;
      const email = await idp.api('PUT', `/users/${user.id}`, { email: 'new@example.com' });
      expect(email.status).to.equal(200);
      expect(email.json).to.include({ id: user.id, email: 'new@example.com' });
      expect((await idp.api('PUT', `/users/${user.id}`, { password: 'second password!!' })).status).to.equal(200);
      expect((await idp.api('PUT', `/users/${user.id}`, {})).status).to.equal(400);
      expect((await idp.api('PUT', `/users/${user.id}`, { username: 'renamed' })).status).to.equal(400);
      expect((await idp.api('PUT', '/users/0190a0a0-0000-7000-8000-000000000000', { email: 'x@example.com' })).status).to.equal(404);
    });

    it('DELETE /users/{id} answers 204, then 404', async () => {
      const user = (await idp.api('POST', '/users', { username: 'leaver', email: 'l@example.com', password: 'long enough password' })).json as User;
      expect((await idp.api('DELETE', `/users/${user.id}`)).status).to.equal(204);
      expect((await idp.api('GET', `/users/${user.id}`)).status).to.equal(404);
      expect((await idp.api('DELETE', `/users/${user.id}`)).status).to.equal(404);
      expect((await idp.api('POST', `/users/${user.id}/unlock`)).status).to.equal(404);
      expect((await idp.api('GET', '/users/not-a-uuid')).status).to.equal(400);
    });

    it('concurrent joins of one group by one user all succeed, and leave one membership', async () => {
      await idp.api('POST', '/groups', { name: 'racers', scopes: ['pets:read'] });
      const user = (await idp.api('POST', '/users', { username: 'racer', email: 'r@example.com', password: 'long enough password' })).json as User;
      for (let round = 0; round < 3; round += 1) {
        const answers = await Promise.all(Array.from({ length: 8 }, () => idp.api('PUT', `/users/${user.id}/groups/racers`)));
        expect(answers.map((answer) => answer.status), answers.map((answer) => answer.text).join()).to.deep.equal(Array.from({ length: 8 }, () => 204));
        const rows = await query<{ n: number | string }>(idp.databaseUrl, 'select count(*) as n from idp_group_members where user_id = ? and group_name = ?', [user.id, 'racers']);
        expect(Number(rows[0]?.n)).to.equal(1);
        expect((await idp.api('DELETE', `/users/${user.id}/groups/racers`)).status).to.equal(204);
      }
    });

    it('needs scope idp:admin (403) and a token (401)', async () => {
      const other = await idp.token(['kms:read']);
      expect((await idp.api('GET', '/users', undefined, other)).status).to.equal(403);
      expect((await idp.api('GET', '/users', undefined, 'not-a-token')).status).to.equal(401);
    });
  });
}
