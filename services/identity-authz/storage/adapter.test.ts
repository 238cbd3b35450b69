import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  barrierEntities,
  barrierMigrations,
  BarrierIntegrityError,
  BarrierSealedError,
  createBarrier,
  newUnsealShares,
  type Barrier,
} from '../../template/barrier/index.ts';
import { InternalError } from '../../template/errors/index.ts';
import { createHashService, type HashService } from '../../template/hash/index.ts';
import { describeOnDatabases } from '../../template/testing/databases.ts';
import { createOidcStorage, payloadAad, STORED_MODELS, storageEntities, storageMigrations, type AdapterPayload, type OidcStorage } from './adapter.ts';

const options = { entities: [...barrierEntities, ...storageEntities], migrations: [...barrierMigrations, ...storageMigrations] };

/** A value no other row of the run holds, long like the library's own ids. */
function token(): string {
  return randomBytes(32).toString('base64url');
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => expect.fail('expected a rejection'), (error: unknown) => error);
}

interface Row { key: string; model: string; payload: Uint8Array; grant_key: string | null; uid_key: string | null; user_code_key: string | null; expires_at: unknown; consumed_at: unknown }

const CLIENT = { client_id: 'demo', grant_types: ['client_credentials'] };

describeOnDatabases('oidc-provider storage', options, (db, engine) => {
  let barrier: Barrier;
  let hash: HashService;
  let now: number;
  let storage: OidcStorage;
  const clientLookups: string[] = [];

  before(async () => {
    barrier = createBarrier({ orm: db().orm, threshold: 2 });
    await barrier.unseal((await newUnsealShares(3, 2)).slice(0, 2));
    hash = await createHashService({ pepper: randomBytes(32).toString('base64url') });
  });

  beforeEach(async () => {
    await db().orm.em.getConnection().execute('delete from authz_oidc_payloads');
    now = Date.UTC(2030, 0, 1);
    clientLookups.length = 0;
    storage = createOidcStorage({
      orm: db().orm,
      reads: db().reads,
      barrier,
      hash,
      now: () => now,
      findClient: (clientId) => {
        clientLookups.push(clientId);
        return Promise.resolve(clientId === 'demo' ? CLIENT : undefined);
      },
    });
  });

  const rows = (): Promise<Row[]> => db().orm.em.getConnection().execute<Row[]>('select * from authz_oidc_payloads');
  const adapter = (model: string) => new storage.Adapter(model);

  it('migrates: indexes on every look-up column and on expires_at', async () => {
    const sql = engine.kind === 'sqlite'
      ? "select name from sqlite_master where type = 'index' and tbl_name = 'authz_oidc_payloads' and name not like 'sqlite_%' order by name"
      : "select indexname as name from pg_indexes where tablename = 'authz_oidc_payloads' and indexname not like '%pkey' order by indexname";
    expect((await db().orm.em.getConnection().execute<{ name: string }[]>(sql)).map((row) => row.name)).to.deep.equal([
      'authz_oidc_payloads_account_key_index',
      'authz_oidc_payloads_client_key_index',
      'authz_oidc_payloads_expires_at_index',
      'authz_oidc_payloads_grant_key_index',
      'authz_oidc_payloads_uid_key_index',
      'authz_oidc_payloads_user_code_key_index',
    ]);
  });

  describe('every model the library persists', () => {
    it('covers the models of oidc-provider 9', () => {
      expect([...STORED_MODELS].sort()).to.deep.equal([
        'AccessToken', 'AuthorizationCode', 'BackchannelAuthenticationRequest', 'ClientCredentials', 'DeviceCode', 'Grant',
        'InitialAccessToken', 'Interaction', 'PreAuthorizedCode', 'PushedAuthorizationRequest', 'RefreshToken',
        'RegistrationAccessToken', 'ReplayDetection', 'Session',
      ]);
    });

    for (const model of STORED_MODELS) {
      it(`${model}: upsert then find, upsert overwrites, destroy removes`, async () => {
        const store = adapter(model);
        const id = token();
        const first: AdapterPayload = { jti: id, kind: model, iat: 1, nested: { scope: 'openid' }, list: [1, 'two'] };
        await store.upsert(id, first, 600);
        expect(await store.find(id)).to.deep.equal(first);
        // The same id under another model is another row.
        const otherModel = model === 'Grant' ? 'Session' : 'Grant';
        expect(await adapter(otherModel).find(id)).to.equal(undefined);
        const second: AdapterPayload = { jti: id, kind: model, iat: 2 };
        await store.upsert(id, second, 600);
        expect(await store.find(id)).to.deep.equal(second);
        expect(await rows()).to.have.length(1);
        expect((await rows())[0]?.model).to.equal(model);
        await store.destroy(id);
        expect(await store.find(id)).to.equal(undefined);
        expect(await rows()).to.deep.equal([]);
        // Destroying what is not there is not an error.
        await store.destroy(id);
      });
    }

    it('answers undefined for an id never stored, even a short one a client made up', async () => {
      expect(await adapter('AccessToken').find('x')).to.equal(undefined);
      expect(await adapter('AccessToken').find('')).to.equal(undefined);
    });

    it('refuses a model it does not know', () => {
      expect(() => adapter('Tokens')).to.throw(TypeError, /Tokens/);
    });
  });

  describe('expiry', () => {
    it('find() answers undefined once expiresIn seconds have passed', async () => {
      const store = adapter('AuthorizationCode');
      const id = token();
      await store.upsert(id, { jti: id }, 60);
      now += 59_999;
      expect(await store.find(id)).to.deep.equal({ jti: id });
      now += 1;
      expect(await store.find(id)).to.equal(undefined);
    });

    it('a payload upserted without expiresIn never expires', async () => {
      const store = adapter('Grant');
      const id = token();
      await store.upsert(id, { jti: id }, undefined);
      now += 10 * 365 * 86_400_000;
      expect(await store.find(id)).to.deep.equal({ jti: id });
      expect(await storage.sweep()).to.equal(0);
    });

    it('sweep() deletes the expired rows, counts them and keeps the rest', async () => {
      const at = adapter('AccessToken');
      const [a, b, c, d] = [token(), token(), token(), token()];
      await at.upsert(a, { jti: a }, 10);
      await at.upsert(b, { jti: b }, 20);
      await at.upsert(c, { jti: c }, 30);
      await at.upsert(d, { jti: d }, undefined);
      now += 20_000;
      expect(await storage.sweep()).to.equal(2);
      expect(await rows()).to.have.length(2);
      expect(await at.find(c)).to.deep.equal({ jti: c });
      expect(await storage.sweep()).to.equal(0);
    });
  });

  describe('consume', () => {
    it('find() reports the first consumption in epoch seconds; an upsert starts unconsumed', async () => {
      const store = adapter('RefreshToken');
      const id = token();
      await store.upsert(id, { jti: id }, 3600);
      expect(await store.find(id)).to.not.have.property('consumed');
      now += 1500;
      await store.consume(id);
      const consumedAt = Math.floor(now / 1000);
      expect(await store.find(id)).to.deep.equal({ jti: id, consumed: consumedAt });
      now += 5000;
      expect(await rejection(store.consume(id))).to.include({ error: 'invalid_grant' });
      expect((await store.find(id))?.consumed).to.equal(consumedAt);
      await store.upsert(id, { jti: id }, 3600);
      expect(await store.find(id)).to.deep.equal({ jti: id });
    });

    it('consuming an unknown id is refused and changes nothing', async () => {
      expect(await rejection(adapter('AuthorizationCode').consume(token()))).to.include({ error: 'invalid_grant' });
      expect(await rows()).to.deep.equal([]);
    });

    it('of 20 concurrent consumes one resolves; the rest are refused and revoke the grant (RFC 9700 §4.14.2)', async () => {
      const codes = adapter('AuthorizationCode');
      const grantId = token();
      const id = token();
      const other = token();
      await codes.upsert(id, { jti: id, grantId }, 60);
      await adapter('RefreshToken').upsert(other, { jti: other, grantId }, 60);
      await adapter('Grant').upsert(grantId, { jti: grantId }, 60);
      const unrelated = token();
      await adapter('Grant').upsert(unrelated, { jti: unrelated }, 60);
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => codes.consume(id)));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(1);
      const refusals = outcomes.flatMap((outcome) => outcome.status === 'rejected' ? [outcome.reason as unknown] : []);
      expect(refusals).to.have.length(19);
      for (const refusal of refusals) expect(refusal).to.include({ error: 'invalid_grant', error_detail: 'AuthorizationCode already used' });
      expect(await codes.find(id)).to.equal(undefined);
      expect(await adapter('RefreshToken').find(other)).to.equal(undefined);
      expect(await adapter('Grant').find(grantId)).to.equal(undefined);
      expect(await adapter('Grant').find(unrelated)).to.deep.equal({ jti: unrelated });
    });

    it('a refused consume of a row without a grant deletes nothing', async () => {
      const store = adapter('Interaction');
      const id = token();
      await store.upsert(id, { jti: id }, 60);
      await store.consume(id);
      expect(await rejection(store.consume(id))).to.include({ error: 'invalid_grant' });
      expect(await store.find(id)).to.include({ jti: id });
    });
  });

  describe('secondary look-ups', () => {
    it('findByUid finds a Session by its uid until it expires', async () => {
      const sessions = adapter('Session');
      const id = token();
      const uid = token();
      await sessions.upsert(id, { jti: id, uid, accountId: 'alice' }, 60);
      await sessions.upsert(token(), { uid: token() }, 60);
      expect(await sessions.findByUid(uid)).to.deep.equal({ jti: id, uid, accountId: 'alice' });
      expect(await sessions.findByUid(token())).to.equal(undefined);
      expect(await adapter('AccessToken').findByUid(uid)).to.equal(undefined);
      now += 60_000;
      expect(await sessions.findByUid(uid)).to.equal(undefined);
    });

    it('findByUserCode finds a DeviceCode by its user code (RFC 8628 §3.3)', async () => {
      const codes = adapter('DeviceCode');
      const id = token();
      await codes.upsert(id, { jti: id, userCode: 'BCDFGHJK', grantId: token() }, 600);
      expect(await codes.findByUserCode('BCDFGHJK')).to.deep.include({ jti: id, userCode: 'BCDFGHJK' });
      expect(await codes.findByUserCode('BCDFGHJL')).to.equal(undefined);
      expect(await adapter('Session').findByUserCode('BCDFGHJK')).to.equal(undefined);
      await codes.consume(id);
      expect((await codes.findByUserCode('BCDFGHJK'))?.consumed).to.equal(Math.floor(now / 1000));
    });

    it('a uid or user code in the payload of another model is not indexed', async () => {
      const interaction = adapter('Interaction');
      const id = token();
      const uid = token();
      await interaction.upsert(id, { jti: id, uid, userCode: 'WXYZWXYZ', grantId: token() }, 60);
      const [row] = await rows();
      expect([row?.uid_key, row?.user_code_key, row?.grant_key]).to.deep.equal([null, null, null]);
    });
  });

  describe('revokeByGrantId', () => {
    it('deletes every token of the grant across models, and nothing else', async () => {
      const grantId = token();
      const otherGrant = token();
      const revoked = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'];
      const ids = new Map<string, string>();
      for (const model of revoked) {
        const id = token();
        ids.set(model, id);
        await adapter(model).upsert(id, { jti: id, grantId }, 600);
      }
      const kept = token();
      await adapter('AccessToken').upsert(kept, { jti: kept, grantId: otherGrant }, 600);
      // The grant itself and its interaction are not tokens of the grant: revoke.js destroys the Grant separately.
      await adapter('Grant').upsert(grantId, { jti: grantId }, 600);
      const interaction = token();
      await adapter('Interaction').upsert(interaction, { jti: interaction, grantId }, 600);

      await adapter('RefreshToken').revokeByGrantId(grantId);
      for (const model of revoked) expect(await adapter(model).find(ids.get(model) ?? '')).to.equal(undefined);
      expect(await adapter('AccessToken').find(kept)).to.deep.equal({ jti: kept, grantId: otherGrant });
      expect(await adapter('Grant').find(grantId)).to.deep.equal({ jti: grantId });
      expect(await adapter('Interaction').find(interaction)).to.deep.equal({ jti: interaction, grantId });
      expect(await rows()).to.have.length(3);
      // Concurrent calls per model, as oidc-provider's revoke helper makes them, are harmless.
      await Promise.all(revoked.map((model) => adapter(model).revokeByGrantId(otherGrant)));
      expect(await rows()).to.have.length(2);
    });
  });

  describe('at rest', () => {
    it('the table holds neither ids, look-up values nor payload values in clear', async () => {
      const id = token();
      const uid = token();
      const grantId = token();
      const secret = token();
      const userCode = 'QRSTVWXZ';
      await adapter('Session').upsert(id, { jti: id, uid, accountId: `account-${secret}` }, 600);
      await adapter('DeviceCode').upsert(uid, { jti: uid, userCode, grantId, params: { code_challenge: secret } }, 600);
      await adapter('AccessToken').upsert(grantId, { jti: grantId, grantId, scope: `scope-${secret}` }, 600);
      const everything = (await rows()).map((row) => JSON.stringify(row) + Buffer.from(row.payload).toString('latin1')).join('\n');
      for (const value of [id, uid, grantId, secret, userCode, 'account-', 'scope-', 'code_challenge', 'accountId']) {
        expect(everything).to.not.include(value);
        expect(everything).to.not.include(Buffer.from(value).toString('hex'));
      }
      for (const row of await rows()) {
        expect(row.key).to.match(/^\$high-entropy-deterministic\$/);
      }
    });

    it('a payload copied onto another row does not decrypt', async () => {
      const a = token();
      const b = token();
      await adapter('AccessToken').upsert(a, { jti: a, scope: 'admin' }, 600);
      await adapter('AccessToken').upsert(b, { jti: b, scope: 'read' }, 600);
      const [first, second] = await rows();
      const connection = db().orm.em.getConnection();
      await connection.execute('update authz_oidc_payloads set payload = ? where key = ?', [Buffer.from(first?.payload ?? []), second?.key]);
      const results = await Promise.allSettled([adapter('AccessToken').find(a), adapter('AccessToken').find(b)]);
      const failures = results.filter((result) => result.status === 'rejected').map((result) => result.reason as unknown);
      expect(failures).to.have.length(1);
      expect(failures[0]).to.be.instanceOf(BarrierIntegrityError);
      expect(payloadAad('k')).to.equal('authz_oidc_payloads/k');
    });

    it('a sealed barrier refuses reads and writes with BarrierSealedError', async () => {
      const sealed = createOidcStorage({ orm: db().orm, reads: db().reads, barrier: createBarrier({ orm: db().orm, threshold: 2 }), hash, findClient: () => Promise.resolve(undefined) });
      const id = token();
      await adapter('AccessToken').upsert(id, { jti: id }, 600);
      const store = new sealed.Adapter('AccessToken');
      expect(await rejection(store.find(id))).to.be.instanceOf(BarrierSealedError);
      expect(await rejection(store.upsert(token(), { jti: 'x' }, 600))).to.be.instanceOf(BarrierSealedError);
      expect(await rows()).to.have.length(1);
    });
  });

  describe('Client', () => {
    it('answers from findClient and stores nothing', async () => {
      const clients = adapter('Client');
      expect(await clients.find('demo')).to.deep.equal(CLIENT);
      expect(await clients.find('nobody')).to.equal(undefined);
      expect(clientLookups).to.deep.equal(['demo', 'nobody']);
      expect(await clients.findByUid('demo')).to.equal(undefined);
      expect(await clients.findByUserCode('demo')).to.equal(undefined);
      for (const write of [clients.upsert('demo', { client_id: 'demo' }, 60), clients.consume('demo'), clients.destroy('demo'), clients.revokeByGrantId('g')]) {
        expect(await rejection(write)).to.be.instanceOf(InternalError);
      }
      expect(await rows()).to.deep.equal([]);
    });
  });
});
