import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import Provider from 'oidc-provider';
import request from 'supertest';
import { barrierEntities, barrierMigrations, createBarrier, newUnsealShares } from '../../template/barrier/index.ts';
import { createHashService } from '../../template/hash/index.ts';
import { describeOnDatabases } from '../../template/testing/databases.ts';
import { createOidcStorage, storageEntities, storageMigrations } from './adapter.ts';

const options = { entities: [...barrierEntities, ...storageEntities], migrations: [...barrierMigrations, ...storageMigrations] };
const SECRET = randomBytes(32).toString('base64url');

describeOnDatabases('oidc-provider on the storage adapter', options, (db) => {
  let app: Parameters<typeof request>[0];

  before(async () => {
    const barrier = createBarrier({ orm: db().orm, threshold: 2 });
    await barrier.unseal((await newUnsealShares(2, 2)));
    const storage = createOidcStorage({
      orm: db().orm,
      reads: db().reads,
      barrier,
      hash: await createHashService({ pepper: randomBytes(32).toString('base64url') }),
      findClient: (clientId) => Promise.resolve(clientId === 'demo'
        ? { client_id: 'demo', client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], id_token_signed_response_alg: 'ES256' }
        : undefined),
    });
    const provider = new Provider('https://authz.test', {
      adapter: storage.Adapter,
      jwks: { keys: [{ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] },
      ttl: { ClientCredentials: 600 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true, allowedPolicy: () => true },
      },
    });
    app = provider.callback();
  });

  it('a client-credentials token is stored hashed and sealed, and introspects as active', async () => {
    const issued = await request(app).post('/token').auth('demo', SECRET).type('form').send({ grant_type: 'client_credentials' });
    expect(issued.status).to.equal(200);
    const accessToken = (issued.body as { access_token: string }).access_token;
    const rows = await db().orm.em.getConnection().execute<{ model: string; key: string; payload: Uint8Array }[]>('select model, key, payload from authz_oidc_payloads');
    expect(rows.map((row) => row.model)).to.deep.equal(['ClientCredentials']);
    expect(JSON.stringify(rows) + Buffer.from(rows[0]?.payload ?? []).toString('latin1')).to.not.include(accessToken);
    const introspection = await request(app).post('/token/introspection').auth('demo', SECRET).type('form').send({ token: accessToken });
    expect(introspection.body).to.include({ active: true, client_id: 'demo' });
    const unknown = await request(app).post('/token/introspection').auth('demo', SECRET).type('form').send({ token: 'abc' });
    expect(unknown.body).to.deep.equal({ active: false });
  });
});
