import { expect } from 'chai';
import fc from 'fast-check';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { Account, authzOwnEntities, OauthClient } from './entities.ts';
import { authzOwnMigrations } from './migrations.ts';
import { readAccountClaims, readClient } from './reads.ts';

const scopes = fc.array(fc.constantFrom('openid', 'profile', 'pets:read', 'kms:encrypt'), { maxLength: 4 });
const uris = fc.array(fc.webUrl(), { maxLength: 3 });

const clientInput = fc.record({
  name: fc.string({ minLength: 1, maxLength: 30 }).filter((name) => !name.includes('\u0000')),
  secretHash: fc.option(fc.base64String({ minLength: 4, maxLength: 60 }), { nil: null }),
  authMethod: fc.constantFrom('client_secret_basic', 'client_secret_post', 'private_key_jwt'),
  grantTypes: fc.subarray(['authorization_code', 'client_credentials', 'refresh_token']),
  redirectUris: uris,
  postLogoutRedirectUris: uris,
  openidScopes: scopes,
  resourceScopes: fc.dictionary(fc.constantFrom('urn:cryptoutil:learn-ps', 'urn:cryptoutil:sm-kms'), scopes),
  jwks: fc.option(fc.constant({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] }), { nil: null }),
  accessTokenTtlSeconds: fc.integer({ min: 1, max: 86_400 }),
  refreshTokenTtlSeconds: fc.integer({ min: 1, max: 86_400 * 30 }),
  backchannelLogoutUri: fc.option(fc.webUrl({ validSchemes: ['https'] }), { nil: null }),
  backchannelLogoutSessionRequired: fc.boolean(),
  mfa: fc.constantFrom('required', 'optional'),
});

let serial = 0;

describeOnDatabases('identity-authz prepared reads give what the ORM gives', { entities: authzOwnEntities, migrations: authzOwnMigrations }, (db) => {
  it('a client by id, for any client (property)', async () => {
    await fc.assert(
      fc.asyncProperty(clientInput, async (input) => {
        serial += 1;
        const em = db().fork();
        em.create(OauthClient, { id: `client-${String(serial)}`, ...input });
        await em.flush();
        const fromOrm = await db().fork().findOneOrFail(OauthClient, `client-${String(serial)}`);
        const expected = Object.fromEntries(Object.entries(fromOrm).filter(([name]) => name !== 'createdAt' && name !== 'updatedAt'));
        expect(await readClient(db().reads, fromOrm.id)).to.deep.equal({ ...expected, jwks: fromOrm.jwks ?? null, secretHash: fromOrm.secretHash ?? null, backchannelLogoutUri: fromOrm.backchannelLogoutUri ?? null });
      }),
      { numRuns: 40 },
    );
    expect(await readClient(db().reads, 'no-such-client')).to.equal(undefined);
  });

  it('an account\'s claims, for any claims (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 10 }).filter((key) => !key.includes('\u0000')), fc.jsonValue({ maxDepth: 2 }).filter((value) => !JSON.stringify(value).includes('\\u0000'))), async (claims) => {
        serial += 1;
        const em = db().fork();
        em.create(Account, { id: `account-${String(serial)}`, claims });
        await em.flush();
        const fromOrm = await db().fork().findOneOrFail(Account, `account-${String(serial)}`);
        expect(await readAccountClaims(db().reads, fromOrm.id)).to.deep.equal(fromOrm.claims);
      }),
      { numRuns: 40 },
    );
    expect(await readAccountClaims(db().reads, 'nobody')).to.equal(undefined);
  });
});
