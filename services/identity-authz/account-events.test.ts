import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { JWTPayload } from 'jose';
import { httpsCall } from '../template/testing/service-harness.ts';
import { startAuthz, type AuthzHarness } from './testing/harness.ts';
import { issuedBeforeRevocation, revokeSubject } from './revocation.ts';
import { accountEventRoutes } from './account-events.ts';
import type { AuthzHost } from './host.ts';
import { openDatabase } from '../template/database/index.ts';
import { authzOwnEntities, RevokedSubject } from './entities.ts';
import { authzOwnMigrations } from './migrations.ts';

describe('identity-authz POST /account-events', () => {
  let authz: AuthzHarness;
  before(async () => { authz = await startAuthz(); });
  after(async () => { await authz.close(); });

  async function event(claims: JWTPayload = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return authz.idp.sign({ iss: authz.idp.url, aud: authz.issuer, jti: randomUUID(), iat: now, exp: now + 60, sub: 'someone', event: 'deleted', ...claims }, { typ: 'account-event+jwt' });
  }

  function post(body: string, type = 'application/jwt'): Promise<{ status: number; text: string }> {
    return httpsCall(authz.service.ca, 'POST', `${authz.issuer}/account-events`, { headers: { 'content-type': type }, body });
  }

  it('answers 204 to a valid event, 400 problem+json to a JSON body, a stale event or one without event', async () => {
    expect((await post(await event())).status).to.equal(204);
    const json = await post(JSON.stringify({ event: 'deleted' }), 'application/json');
    expect(json.status).to.equal(400);
    expect(json.text).to.include('application/jwt');
    const stale = await post(await event({ iat: Math.floor(Date.now() / 1000) - 600 }));
    expect(stale.status).to.equal(400);
    expect(stale.text).to.include('the account event from identity-idp is not valid (ERR_JWT_EXPIRED)');
    const bare = await post(await event({ event: undefined }));
    expect(bare.status).to.equal(400);
    expect(bare.text).to.include('(ERR_JWT_CLAIM_VALIDATION_FAILED)');
    const unknown = await post(await event({ event: 'renamed' }));
    expect(unknown.status).to.equal(400);
    expect(unknown.text).to.include('unknown account event');
    const once = await event();
    expect((await post(once)).status).to.equal(204);
    const replayed = await post(once);
    expect(replayed.status).to.equal(400);
    expect(replayed.text).to.include('already been used');
  });

  it('revokes the account the event names and remembers the event until it expires', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    // Line breaks around the JWS (as a file sent with `curl --data-binary` may have) leave the same event.
    expect((await post(`\n${await event({ jti, sub: 'leaving-user', exp: now + 45 })}\n`)).status).to.equal(204);
    const db = new DatabaseSync(join(authz.dataDir, 'authz.sqlite'));
    try {
      const subjects = db.prepare('select kind, subject from authz_revoked_subjects where subject = ?').all('leaving-user');
      expect(subjects.map((row) => ({ ...row }))).to.deep.equal([{ kind: 'account', subject: 'leaving-user' }]);
      const used = db.prepare('select expires_at from authz_used_login_results where jti = ?').all(jti);
      expect(used.map((row) => new Date(row.expires_at as string | number).getTime())).to.deep.equal([(now + 45) * 1000]);
    } finally {
      db.close();
    }
  });

  it('passes every request but POST /account-events on, untouched', async () => {
    const route = accountEventRoutes({} as unknown as AuthzHost);
    for (const [method, path] of [['POST', '/token'], ['POST', '/account-events/x'], ['GET', '/account-events'], ['PUT', '/account-events']]) {
      const ctx = { method, path, status: 404, state: {} } as unknown as Parameters<typeof route>[0];
      let passed = false;
      await route(ctx, () => { passed = true; return Promise.resolve(); });
      expect(passed, `${String(method)} ${String(path)}`).to.equal(true);
      expect(ctx.status).to.equal(404);
    }
  });

  it('leaves other methods and paths to the protocol routes', async () => {
    expect((await httpsCall(authz.service.ca, 'GET', `${authz.issuer}/account-events`)).status).to.equal(404);
  });
});

describe('identity-authz revocation cut-off', () => {
  it('covers tokens issued up to the second of the revocation, by account or by client, and no later ones', async () => {
    const database = await openDatabase({ url: 'sqlite::memory:', entities: [...authzOwnEntities], migrations: [...authzOwnMigrations], poolMax: 1 });
    try {
      await database.migrate();
      const em = database.orm.em.fork();
      const revoked: string[] = [];
      const storage = {
        revokeAccount: (id: string) => { revoked.push(`account ${id}`); return Promise.resolve(); },
        revokeClient: (id: string) => { revoked.push(`client ${id}`); return Promise.resolve(); },
      };
      await revokeSubject(em, storage, 'account', 'alice', new Date(10_500));
      await revokeSubject(em, storage, 'client', 'app', new Date(20_000));
      await revokeSubject(em, storage, 'account', 'alice', new Date(30_000));
      expect(revoked).to.deep.equal(['account alice', 'client app', 'account alice']);
      expect(await em.fork().count(RevokedSubject, {})).to.equal(2);
      const fresh = em.fork();
      expect(await issuedBeforeRevocation(fresh, { sub: 'alice', client_id: 'other', iat: 30 })).to.equal(true);
      expect(await issuedBeforeRevocation(fresh, { sub: 'alice', client_id: 'other', iat: 31 })).to.equal(false);
      expect(await issuedBeforeRevocation(fresh, { sub: 'bob', client_id: 'app', iat: 20 })).to.equal(true);
      expect(await issuedBeforeRevocation(fresh, { sub: 'bob', client_id: 'app', iat: 21 })).to.equal(false);
      expect(await issuedBeforeRevocation(fresh, { sub: 'bob', client_id: 'other', iat: 1 })).to.equal(false);
      // Either cut-off is enough: the account's covers this token though the client's does not.
      expect(await issuedBeforeRevocation(fresh, { sub: 'alice', client_id: 'app', iat: 25 })).to.equal(true);
    } finally {
      await database.close();
    }
  });
});
