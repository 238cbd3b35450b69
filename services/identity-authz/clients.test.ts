import { expect } from 'chai';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { openDatabase } from '../template/database/index.ts';
import { createPostgresDatabase, type Scratch } from '../template/testing/databases.ts';
import { ADMIN_CLIENT_ID, LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from './testing/harness.ts';
import { checkChosenClientId } from './clients.ts';
import { ValidationError } from '../template/errors/index.ts';

const REDIRECT_URI = 'https://console.example.test/callback';

function clientBody(extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    name: 'Console', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [REDIRECT_URI],
    openidScopes: ['openid'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] }, ...extra,
  };
}

/** The same behaviour on both engines: the clients API stores what it shows, and never a secret. */
function clientsApiSuite(start: () => Promise<AuthzHarness>, scanForSecret: (authz: AuthzHarness, secret: string) => Promise<boolean>): void {
  let authz: AuthzHarness;
  before(async () => { authz = await start(); });
  after(async () => { await authz.close(); });

  it('creates a client, shows its secret once and keeps only a hash of it', async () => {
    const created = await authz.api('POST', '/clients', clientBody({ clientId: 'console-app' }));
    expect(created.status, created.text).to.equal(201);
    const body = created.json as Record<string, unknown>;
    expect(body).to.include({ clientId: 'console-app', name: 'Console', tokenEndpointAuthMethod: 'client_secret_basic', accessTokenTtlSeconds: 3600 });
    const secret = String(body.clientSecret);
    expect(secret).to.match(/^[A-Za-z0-9_-]{43}$/);
    const read = await authz.api('GET', '/clients/console-app');
    expect(read.status).to.equal(200);
    expect(read.json).to.not.have.any.keys('clientSecret', 'secretHash');
    expect(await scanForSecret(authz, secret)).to.equal(false);

    const duplicate = await authz.api('POST', '/clients', clientBody({ clientId: 'console-app' }));
    expect(duplicate.status).to.equal(409);
  });

  it('lists, updates, rotates the secret of and deletes clients', async () => {
    const created = await authz.api('POST', '/clients', clientBody({ grantTypes: ['client_credentials'], redirectUris: [], openidScopes: [] }));
    const { clientId, clientSecret } = created.json as { clientId: string; clientSecret: string };
    expect(clientId).to.match(/^[0-9a-f-]{36}$/);
    const list = await authz.api('GET', '/clients?page=0&size=100');
    expect((list.json as { items: { clientId: string }[] }).items.map((item) => item.clientId)).to.include(clientId);

    const updated = await authz.api('PUT', `/clients/${clientId}`, { name: 'Renamed', grantTypes: ['client_credentials'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] }, accessTokenTtlSeconds: 300 });
    expect(updated.status, updated.text).to.equal(200);
    expect(updated.json).to.include({ name: 'Renamed', accessTokenTtlSeconds: 300 });
    const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', alg: 'ES256' }] };
    const toJwt = await authz.api('PUT', `/clients/${clientId}`, { name: 'Renamed', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'private_key_jwt', jwks, resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
    expect(toJwt.status, toJwt.text).to.equal(200);
    expect((await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: clientId, secret: clientSecret })).status).to.equal(401);
    const back = await authz.api('PUT', `/clients/${clientId}`, { name: 'Renamed', grantTypes: ['client_credentials'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read', 'pets:write'] }, accessTokenTtlSeconds: 300 });
    expect(back.status, back.text).to.equal(200);
    expect((await authz.api('PUT', `/clients/${clientId}`, { clientId: 'other', name: 'x', grantTypes: ['client_credentials'] })).status).to.equal(400);

    const rotated = await authz.api('POST', `/clients/${clientId}/secret`);
    expect(rotated.status).to.equal(200);
    const newSecret = (rotated.json as { clientSecret: string }).clientSecret;
    expect(newSecret).to.not.equal(clientSecret);
    const oldWorks = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: clientId, secret: clientSecret });
    expect(oldWorks.status).to.equal(401);
    const newWorks = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: clientId, secret: newSecret });
    expect(newWorks.status, newWorks.text).to.equal(200);

    expect((await authz.api('DELETE', `/clients/${clientId}`)).status).to.equal(204);
    expect((await authz.api('GET', `/clients/${clientId}`)).status).to.equal(404);
    expect((await authz.api('POST', `/clients/${clientId}/secret`)).status).to.equal(404);
    const gone = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: clientId, secret: newSecret });
    expect(gone.status).to.equal(401);
  });

  it('refuses settings that could not work, naming each field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [clientBody({ resourceScopes: { 'urn:cryptoutil:nowhere': ['x'] } }), '/body/resourceScopes/urn:cryptoutil:nowhere'],
      [clientBody({ resourceScopes: { [LEARN_PS_RESOURCE]: ['kms:admin'] } }), `/body/resourceScopes/${LEARN_PS_RESOURCE}`],
      [clientBody({ redirectUris: [] }), '/body/redirectUris'],
      [clientBody({ openidScopes: [] }), '/body/openidScopes'],
      [clientBody({ grantTypes: ['refresh_token'] }), '/body/grantTypes'],
      [clientBody({ tokenEndpointAuthMethod: 'private_key_jwt' }), '/body/jwks'],
    ];
    for (const [body, pointer] of cases) {
      const answer = await authz.api('POST', '/clients', body);
      expect(answer.status, JSON.stringify(body)).to.equal(400);
      expect(JSON.stringify(answer.json)).to.include(pointer);
    }
    const implicit = await authz.api('POST', '/clients', clientBody({ grantTypes: ['implicit'] }));
    expect(implicit.status).to.equal(400);
    // The library's own checks: a web client's redirect URI must be https and carry no fragment.
    const fragment = await authz.api('POST', '/clients', clientBody({ redirectUris: ['https://console.example.test/cb#x'] }));
    expect(fragment.status).to.equal(400);
    expect((fragment.json as { type: string }).type).to.be.a('string');
  });

  it('rotates no secret for a private_key_jwt client', async () => {
    const created = await authz.api('POST', '/clients', clientBody({
      grantTypes: ['client_credentials'], redirectUris: [], openidScopes: [], tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', alg: 'ES256' }] },
    }));
    expect(created.status, created.text).to.equal(201);
    const { clientId } = created.json as { clientId: string };
    expect((await authz.api('POST', `/clients/${clientId}/secret`)).status).to.equal(409);
    // Moving to a secret method: the secret comes from a rotation.
    const moved = await authz.api('PUT', `/clients/${clientId}`, { name: 'now basic', grantTypes: ['client_credentials'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] } });
    expect(moved.status, moved.text).to.equal(200);
    const rotated = await authz.api('POST', `/clients/${clientId}/secret`);
    const secret = (rotated.json as { clientSecret: string }).clientSecret;
    const token = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE }, { id: clientId, secret });
    expect(token.status, token.text).to.equal(200);
  });

  it('needs the authz:admin scope', async () => {
    const answer = await authz.get('/service/api/v1/clients');
    expect(answer.status).to.equal(401);
  });
}

describe('identity-authz clients API (/service/api/v1/clients)', function () {
  this.timeout(60_000);

  describe('on SQLite', () => {
    clientsApiSuite(() => startAuthz(), (authz, secret) => {
      const db = new DatabaseSync(join(authz.dataDir, 'authz.sqlite'), { readOnly: true });
      try {
        const rows = db.prepare('select * from authz_clients').all();
        return Promise.resolve(JSON.stringify(rows).includes(secret));
      } finally {
        db.close();
      }
    });
  });

  describe('on PostgreSQL', () => {
    let scratch: Scratch;
    clientsApiSuite(async () => {
      scratch = await createPostgresDatabase();
      const authz = await startAuthz({ databaseUrl: scratch.url });
      return { ...authz, close: async () => { await authz.close(); await scratch.drop(); } };
    }, async (_authz, secret) => {
      const db = await openDatabase({ url: scratch.url, entities: [], migrations: [] });
      try {
        const rows = await db.orm.em.getConnection().execute<Record<string, unknown>[]>('select * from authz_clients');
        return JSON.stringify(rows).includes(secret);
      } finally {
        await db.close();
      }
    });
  });
});

describe('clients the configuration defines', function () {
  this.timeout(60_000);
  const signIn = {
    id: 'configured-rp', secret: 'a-secret-of-at-least-thirty-two-characters', redirectUris: ['https://rp.example.test/bff/callback'],
    postLogoutRedirectUris: [], openidScopes: ['openid'], resourceScopes: { [LEARN_PS_RESOURCE]: ['pets:read'] },
  };
  let authz: AuthzHarness;
  before(async () => { authz = await startAuthz({ extra: { authz: { signInClients: [signIn] } } }); });
  after(async () => { await authz.close(); });

  it('keep their secret and their existence: the API can neither rotate nor delete them', async () => {
    for (const [id, setting] of [[ADMIN_CLIENT_ID, 'authz.bootstrapClient'], [signIn.id, 'authz.signInClients']] as const) {
      expect((await authz.api('GET', `/clients/${id}`)).status).to.equal(200);
      const refusals = [
        await authz.api('POST', `/clients/${id}/secret`),
        await authz.api('DELETE', `/clients/${id}`),
      ];
      for (const refusal of refusals) {
        expect(refusal.status, refusal.text).to.equal(409);
        expect(refusal.headers['content-type']).to.equal('application/problem+json');
        expect((refusal.json as { detail: string }).detail).to.equal(`client ${id} is defined by the configuration (${setting}): its secret and its existence change only there`);
      }
    }
    // The operator's client still works, with the secret it was configured with.
    expect(await authz.adminToken()).to.be.a('string');
    const token = await authz.form('/token', { grant_type: 'authorization_code', code: 'none', redirect_uri: signIn.redirectUris[0] ?? '' }, { id: signIn.id, secret: signIn.secret });
    expect((token.json as { error: string }).error).to.equal('invalid_grant');
    // Another client is still the API's to change.
    const other = await authz.api('POST', '/clients', clientBody());
    expect((await authz.api('DELETE', `/clients/${(other.json as { clientId: string }).clientId}`)).status).to.equal(204);
  });
});

describe('chosen client ids (docs/tokens.md)', () => {
  it('refuses a UUID-shaped id in any case, the shape of user ids, and takes any other', () => {
    expect(() => { checkChosenClientId('0190A2B3-C4D5-7E6F-8091-A2B3C4D5E6F7'); }).to.throw(ValidationError);
    expect(() => { checkChosenClientId('3f0c9a52-1b7e-4d2a-9c61-8e5f7a2b4c10'); }).to.throw(ValidationError);
    checkChosenClientId('billing-0190a2b3-c4d5-7e6f-8091-a2b3c4d5e6f7');
    checkChosenClientId('demo-app');
    checkChosenClientId(undefined);
  });
});
