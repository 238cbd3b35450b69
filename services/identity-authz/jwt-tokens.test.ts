import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import { openDatabase, type Database } from '../template/database/index.ts';
import { authzOwnEntities, RevokedSubject, RevokedToken } from './entities.ts';
import { jwtTokenEndpoints } from './jwt-tokens.ts';
import { authzOwnMigrations } from './migrations.ts';

const ISSUER = 'https://authz.example.test';
const SKEW_SECONDS = 5;

/** A client as the library hands it over: its id and the resource scopes it may hold. */
function clientOf(clientId: string): Client {
  return { clientId, metadata: () => ({ resource_scopes: {} }) } as unknown as Client;
}

interface Answer { status: number; body: unknown }

describe('identity-authz introspection and revocation of its own JWT access tokens (RFC 7662, RFC 7009)', () => {
  let database: Database;
  let privateKey: CryptoKey;
  let jwks: JSONWebKeySet;
  let middleware: ReturnType<typeof jwtTokenEndpoints>;
  const nowSeconds = (): number => Math.floor(Date.now() / 1000);

  before(async () => {
    database = await openDatabase({ url: 'sqlite::memory:', entities: [...authzOwnEntities], migrations: [...authzOwnMigrations], poolMax: 1 });
    await database.migrate();
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    jwks = { keys: [{ ...await exportJWK(pair.publicKey), alg: 'ES256', kid: 'authz-1' }] };
    middleware = jwtTokenEndpoints({ issuer: ISSUER, jwks: () => jwks, fork: () => database.orm.em.fork(), clockSkewSeconds: SKEW_SECONDS });
  });
  after(async () => { await database.close(); });

  let counter = 0;
  /** An access token as the provider issues it, with `claims` laid over the usual ones (undefined drops one). */
  function token(claims: Readonly<Record<string, unknown>> = {}, typ = 'at+jwt'): Promise<string> {
    counter += 1;
    const now = nowSeconds();
    const merged: Readonly<Record<string, unknown>> = {
      iss: ISSUER, sub: 'user-1', client_id: 'app', aud: 'urn:cryptoutil:learn-ps', jti: `jti-${String(counter)}-${String(now)}`,
      iat: now, exp: now + 300, scope: 'pets:read', ...claims,
    };
    const payload: JWTPayload = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
    return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'authz-1', typ }).sign(privateKey);
  }

  /** Runs the middleware after a provider answer (default: the refusal of a structured token). */
  async function call(route: string | undefined, oidc: Readonly<Record<string, unknown>>, answer: Answer = { status: 400, body: { error: 'unsupported_token_type' } }): Promise<Answer> {
    const ctx = { status: answer.status, body: answer.body, oidc: route === undefined ? undefined : { route, ...oidc } } as unknown as KoaContextWithOIDC;
    await middleware(ctx, () => Promise.resolve());
    return { status: ctx.status, body: ctx.body };
  }

  /** `client` null: no client was authenticated. */
  const introspect = (value: string, client: Client | null = clientOf('app')): Promise<Answer> => call('introspection', { params: { token: value }, client: client ?? undefined });
  const revoke = (value: string, client: Client | null = clientOf('app')): Promise<Answer> => call('revocation', { params: { token: value }, client: client ?? undefined });

  it('answers a valid token of ours as active with exactly its claims and Bearer', async () => {
    const now = nowSeconds();
    const value = await token({ jti: 'claims-1', iat: now, exp: now + 300 });
    expect(await introspect(value)).to.deep.equal({
      status: 200,
      body: {
        iss: ISSUER, sub: 'user-1', client_id: 'app', aud: 'urn:cryptoutil:learn-ps', jti: 'claims-1', iat: now, exp: now + 300, scope: 'pets:read',
        active: true, token_type: 'Bearer',
      },
    });
  });

  it('names a token bound to a DPoP key (cnf.jkt) DPoP, and any other cnf Bearer (RFC 9449 §6.2)', async () => {
    const typeOf = async (cnf: unknown): Promise<unknown> => ((await introspect(await token({ cnf }))).body as { token_type?: unknown }).token_type;
    expect(await typeOf({ jkt: 'thumbprint' })).to.equal('DPoP');
    expect(await typeOf({ 'x5t#S256': 'thumbprint' })).to.equal('Bearer');
    expect(await typeOf(null)).to.equal('Bearer');
    expect(await typeOf('jkt')).to.equal('Bearer');
  });

  it('answers inactive (200) to a token of another type, issuer or key, or one without jti, exp or client_id', async () => {
    const { privateKey: otherKey } = await generateKeyPair('ES256');
    const now = nowSeconds();
    const refused = [
      await token({}, 'JWT'),
      await token({}, 'login-result+jwt'),
      await token({ iss: 'https://elsewhere.example.test' }),
      await token({ jti: undefined }),
      await token({ exp: undefined }),
      await token({ client_id: undefined }),
      await new SignJWT({ iss: ISSUER, sub: 'user-1', client_id: 'app', jti: 'foreign', iat: now, exp: now + 300 })
        .setProtectedHeader({ alg: 'ES256', kid: 'authz-1', typ: 'at+jwt' }).sign(otherKey),
      'not-a-token',
    ];
    for (const value of refused) expect(await introspect(value)).to.deep.equal({ status: 200, body: { active: false } });
  });

  it('allows the configured clock skew past exp, and no more', async () => {
    const now = nowSeconds();
    expect((await introspect(await token({ iat: now - 100, exp: now - 2 }))).body).to.include({ active: true });
    expect((await introspect(await token({ iat: now - 100, exp: now - 30 }))).body).to.deep.equal({ active: false });
  });

  it('answers inactive to a caller that may not see the token, and to no authenticated caller', async () => {
    const value = await token();
    expect(await introspect(value, clientOf('someone-else'))).to.deep.equal({ status: 200, body: { active: false } });
    expect(await introspect(value, null)).to.deep.equal({ status: 200, body: { active: false } });
  });

  it('revokes a token for its own client only: one row with its jti and expiry, then inactive', async () => {
    const now = nowSeconds();
    const value = await token({ jti: 'revoke-me', exp: now + 120 });
    expect(await revoke(value, clientOf('intruder'))).to.deep.equal({
      status: 400, body: { error: 'unauthorized_client', error_description: 'the token was issued to another client' },
    });
    expect(await revoke(value, null)).to.deep.include({ status: 400 });
    expect(await database.orm.em.fork().count(RevokedToken, { jti: 'revoke-me' })).to.equal(0);
    expect((await introspect(value)).body).to.include({ active: true });

    expect(await revoke(value)).to.deep.equal({ status: 200, body: '' });
    expect(await revoke(value)).to.deep.equal({ status: 200, body: '' });
    const rows = await database.orm.em.fork().find(RevokedToken, { jti: 'revoke-me' });
    expect(rows.map((row) => [row.jti, row.expiresAt.getTime()])).to.deep.equal([['revoke-me', (now + 120) * 1000]]);
    expect(await introspect(value)).to.deep.equal({ status: 200, body: { active: false } });
  });

  it('answers an invalid token at revocation with 200 and writes nothing (RFC 7009 §2.2)', async () => {
    const before = await database.orm.em.fork().count(RevokedToken, {});
    expect(await revoke('not-a-token')).to.deep.equal({ status: 200, body: '' });
    expect(await revoke(await token({}, 'JWT'))).to.deep.equal({ status: 200, body: '' });
    expect(await database.orm.em.fork().count(RevokedToken, {})).to.equal(before);
  });

  it('answers inactive to a token issued before its account was revoked, not to one whose jti alone is unknown', async () => {
    const now = nowSeconds();
    const value = await token({ sub: 'revoked-user', iat: now - 10 });
    expect((await introspect(value)).body).to.include({ active: true });
    const em = database.orm.em.fork();
    em.create(RevokedSubject, { kind: 'account', subject: 'revoked-user', revokedAt: new Date(now * 1000) });
    await em.flush();
    expect(await introspect(value)).to.deep.equal({ status: 200, body: { active: false } });
  });

  it('leaves every other answer and route as the library gave it', async () => {
    const value = await token();
    const untouched: [string | undefined, Answer][] = [
      ['introspection', { status: 400, body: { error: 'invalid_request' } }],
      ['introspection', { status: 400, body: undefined }],
      ['introspection', { status: 200, body: { error: 'unsupported_token_type' } }],
      ['revocation', { status: 401, body: { error: 'unsupported_token_type' } }],
      ['token', { status: 400, body: { error: 'unsupported_token_type' } }],
      [undefined, { status: 400, body: { error: 'unsupported_token_type' } }],
    ];
    for (const [route, answer] of untouched) {
      expect(await call(route, { params: { token: value }, client: clientOf('app') }, answer), String(route)).to.deep.equal(answer);
    }
  });

  it('treats a refusal without a token parameter as an invalid token', async () => {
    expect(await call('introspection', { client: clientOf('app') })).to.deep.equal({ status: 200, body: { active: false } });
    expect(await call('revocation', { client: clientOf('app') })).to.deep.equal({ status: 200, body: '' });
  });
});
