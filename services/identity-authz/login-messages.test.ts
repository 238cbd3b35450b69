import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { IssuerKeys } from '../template/auth/issuer-keys.ts';
import { BadRequestError } from '../template/errors/index.ts';
import { LOGIN_RESULT_TYPE } from '../identity-idp/login-result.ts';
import { ACR_MFA, ACR_PHR, ACR_PWD } from '../identity-idp/acr.ts';
import { openDatabase, type Database } from '../template/database/index.ts';
import { Account, authzOwnEntities, UsedLoginResult } from './entities.ts';
import { loginRedirect, rememberAccount, resourcesOf, spendLoginResult, verifyLoginResult, type LoginOptions } from './login.ts';
import { authzOwnMigrations } from './migrations.ts';
import { errorPage } from './pages.ts';
import { STEP_UP_CHECK } from './provider.ts';
import type { Client, KoaContextWithOIDC, Provider } from 'oidc-provider';

const ISSUER = 'https://authz.example.test';
const IDP = 'https://idp.example.test';

/** Verification needs identity-idp's keys only; our own signing key plays no part. */
function options(resolve: IssuerKeys['resolve']): LoginOptions {
  return { issuer: ISSUER, idpUrl: IDP, signingKey: {}, idpKeys: { resolve }, clockSkewSeconds: 0 };
}

async function result(key: CryptoKey, claims: Readonly<Record<string, unknown>>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'user-1', challenge: 'uid-1', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: LOGIN_RESULT_TYPE }).setIssuer(IDP).setAudience(ISSUER)
    .setJti(randomUUID()).setIssuedAt(now).setExpirationTime(now + 60).sign(key);
}

describe('identity-idp login results as identity-authz reads them', () => {
  it('fills what a minimal result leaves out: no scopes, no claims, password as the method, iat as auth time', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const verified = await verifyLoginResult(await result(privateKey, {}), 'uid-1', options(() => Promise.resolve(publicKey)));
    expect(verified).to.deep.include({ subject: 'user-1', scopes: [], claims: {}, amr: ['pwd'], denied: false });
    expect(verified.authTime).to.be.a('number');
  });

  it('keeps only string methods, and refuses results for another sign-in', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const keys = options(() => Promise.resolve(publicKey));
    const verified = await verifyLoginResult(await result(privateKey, { amr: ['pwd', 7, 'otp'], scope: 'openid  pets:read' }), 'uid-1', keys);
    expect(verified.amr).to.deep.equal(['pwd', 'otp']);
    expect(verified.scopes).to.deep.equal(['openid', 'pets:read']);
    let failure: unknown;
    try { await verifyLoginResult(await result(privateKey, {}), 'uid-2', keys); } catch (error) { failure = error; }
    expect(failure).to.be.instanceOf(BadRequestError);
    expect(String(failure)).to.include('the login result belongs to another sign-in');
    let unbound: unknown;
    try { await verifyLoginResult(await result(privateKey, { challenge: undefined }), 'uid-1', keys); } catch (error) { unbound = error; }
    expect(String(unbound)).to.include('the login result from identity-idp is not valid (ERR_JWT_CLAIM_VALIDATION_FAILED)');
  });

  it('names a failure that is not the library\'s with a generic reason', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    let failure: unknown;
    try {
      await verifyLoginResult(await result(privateKey, {}), 'uid-1', options(() => Promise.reject(new TypeError('keys unavailable'))));
    } catch (error) {
      failure = error;
    }
    expect(String(failure)).to.include('the login result from identity-idp is not valid (ERR_LOGIN_RESULT_INVALID)');
  });

  it('reads the resource parameter in each of its shapes (RFC 8707 §2)', () => {
    expect(resourcesOf({ resource: 'urn:cryptoutil:learn-ps' })).to.deep.equal(['urn:cryptoutil:learn-ps']);
    expect(resourcesOf({ resource: ['urn:a', 3, 'urn:b'] })).to.deep.equal(['urn:a', 'urn:b']);
    expect(resourcesOf({})).to.deep.equal([]);
  });

  it('shows an error without a description as its code alone', () => {
    const ctx = {} as KoaContextWithOIDC;
    errorPage(ctx, { error: 'invalid_request' });
    expect(ctx.body).to.include('<strong>invalid_request</strong>').and.not.include('<p></p>');
  });
});

describe('identity-authz loginRedirect (the signed login request identity-idp receives)', () => {
  const NOW = 1_800_000_000;
  let signingKey: JWK;
  let publicKey: CryptoKey;

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    signingKey = { ...await exportJWK(pair.privateKey), alg: 'ES256', kid: 'authz-1' };
    publicKey = pair.publicKey;
  });

  const client = {
    clientName: 'Console', redirectUris: ['https://app.example/cb', 'com.example.app:/cb', 'https://app.example/other'],
    metadata: () => ({ resource_scopes: { 'urn:cryptoutil:sm-kms': ['kms:read'] } }),
  } as unknown as Client;

  type Interaction = Parameters<typeof loginRedirect>[1];

  /** The request for an interaction the library asks `promptName` of; its URL, header and claims. */
  async function redirect(promptName: string, params: Readonly<Record<string, unknown>>, exp = NOW + 3600, found: Client | null = client, nowSeconds: number | null = NOW) {
    const provider = { Client: { find: (id: string) => Promise.resolve(id === 'c' ? found ?? undefined : undefined) } } as unknown as Provider;
    // 'step-up': the login prompt for our acr check alone; the library's own reasons otherwise.
    const prompt = promptName === 'step-up' ? { name: 'login', reasons: [STEP_UP_CHECK] } : { name: promptName, reasons: [promptName === 'login' ? 'no_session' : 'op_scopes_missing'] };
    const interaction = { uid: 'uid-7', exp, prompt, params: { client_id: 'c', ...params } } as unknown as Interaction;
    const url = await loginRedirect(provider, interaction, { ...options(() => Promise.resolve(publicKey)), signingKey, ...(nowSeconds === null ? {} : { now: () => nowSeconds * 1000 }) });
    const prefix = `${IDP}/login?login_challenge=`;
    expect(url.startsWith(prefix), url).to.equal(true);
    const jws = decodeURIComponent(url.slice(prefix.length));
    expect(url.slice(prefix.length)).to.equal(encodeURIComponent(jws));
    const { payload, protectedHeader } = await jwtVerify(jws, publicKey, { currentDate: new Date((nowSeconds ?? Date.now() / 1000) * 1000) });
    return { payload, protectedHeader };
  }

  it('names the client, the scopes consent may offer and the way back, signed by our key for identity-idp', async () => {
    const { payload, protectedHeader } = await redirect('consent', { scope: 'openid kms:read kms:admin', resource: 'urn:cryptoutil:sm-kms', login_hint: '', max_age: '' });
    expect(protectedHeader).to.deep.equal({ alg: 'ES256', kid: 'authz-1', typ: 'login-request+jwt' });
    expect(payload).to.deep.equal({
      client_id: 'c', client_name: 'Console', scope: 'openid kms:read', prompt: ['consent'],
      return_to: `${ISSUER}/interaction/uid-7/callback`, redirect_origins: ['https://app.example', 'com.example.app:'],
      iss: ISSUER, aud: IDP, jti: 'uid-7', iat: NOW, exp: NOW + 600,
    });
  });

  it('asks for a login when the library needs one or the client sent prompt=login, and passes login_hint and max_age on', async () => {
    expect((await redirect('login', {})).payload.prompt).to.deep.equal(['login', 'consent']);
    expect((await redirect('consent', { prompt: 'consent login' })).payload.prompt).to.deep.equal(['login', 'consent']);
    expect((await redirect('consent', { prompt: 'consent' })).payload.prompt).to.deep.equal(['consent']);
    const { payload } = await redirect('login', { login_hint: 'alice', max_age: '0' }, NOW + 30);
    expect(payload).to.include({ login_hint: 'alice', max_age: 0, exp: NOW + 30 });
    // Parameters that are not strings are not passed on.
    const odd = (await redirect('consent', { login_hint: 7, max_age: 300, prompt: ['login'] })).payload;
    expect(odd.prompt).to.deep.equal(['consent']);
    expect(odd).not.to.have.any.keys('login_hint', 'max_age');
  });

  it('asks for the level the login must reach, and no new login when the session is only too weak (a step-up)', async () => {
    const stepUp = (await redirect('step-up', { acr_values: `urn:example:gold ${ACR_MFA}` })).payload;
    expect(stepUp).to.include({ acr: ACR_MFA });
    expect(stepUp.prompt).to.deep.equal(['consent']);
    // Our check beside one of the library's (max_age): the password again.
    expect((await redirect('login', { acr_values: ACR_PHR, max_age: '0' })).payload).to.deep.include({ acr: ACR_PHR, prompt: ['login', 'consent'] });
    expect((await redirect('consent', { acr_values: ACR_PWD })).payload).to.not.have.property('acr');
    const strict = { clientName: 'Strict', redirectUris: [], metadata: () => ({ resource_scopes: {}, mfa_policy: 'required' }) } as unknown as Client;
    expect((await redirect('consent', {}, NOW + 3600, strict)).payload).to.include({ acr: ACR_MFA });
    expect((await redirect('consent', { acr_values: ACR_PHR }, NOW + 3600, strict)).payload).to.include({ acr: ACR_PHR });
  });

  it('offers only OpenID scopes and no redirect origin for a client the library cannot find, and uses the wall clock by default', async () => {
    const { payload } = await redirect('login', { scope: 'openid kms:read' }, NOW + 3600, null);
    expect(payload).to.include({ scope: 'openid' }).and.not.to.have.property('client_name');
    expect(payload.redirect_origins).to.deep.equal([]);
    const before = Math.floor(Date.now() / 1000);
    const walled = await redirect('login', {}, 4_000_000_000, client, null);
    expect(walled.payload.iat).to.be.within(before, Math.floor(Date.now() / 1000));
  });
});

describe('identity-authz login results: what a result says, and where it is kept', () => {
  let database: Database;
  before(async () => {
    database = await openDatabase({ url: 'sqlite::memory:', entities: [...authzOwnEntities], migrations: [...authzOwnMigrations], poolMax: 1 });
    await database.migrate();
  });
  after(async () => { await database.close(); });

  it('takes auth_time, claims and a refusal from the result as they are', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const keys = options(() => Promise.resolve(publicKey));
    const now = Math.floor(Date.now() / 1000);
    const full = await verifyLoginResult(await result(privateKey, { auth_time: now - 50, claims: { email: 'a@example.test' }, error: 'access_denied' }), 'uid-1', keys);
    expect(full).to.deep.include({ authTime: now - 50, claims: { email: 'a@example.test' }, denied: true });
    const bareToken = await result(privateKey, { auth_time: 'earlier', claims: null, error: 'login_required' });
    const bare = await verifyLoginResult(bareToken, 'uid-1', keys);
    expect(bare).to.deep.include({ authTime: decodeJwt(bareToken).iat, claims: {}, denied: false });
  });

  it('remembers a result once until it expires, and keeps the latest claims of an account', async () => {
    const spent = { jti: randomUUID(), expiresAt: 1_900_000_000, subject: 'user-9', authTime: 0, amr: [], scopes: [], claims: { email: 'old@example.test' }, denied: false };
    await spendLoginResult(database.orm.em.fork(), spent);
    let again: unknown;
    try { await spendLoginResult(database.orm.em.fork(), spent); } catch (error) { again = error; }
    expect(again).to.be.instanceOf(BadRequestError);
    expect(String(again)).to.include('this login result has already been used');
    const rows = await database.orm.em.fork().find(UsedLoginResult, { jti: spent.jti });
    expect(rows.map((row) => row.expiresAt.getTime())).to.deep.equal([1_900_000_000_000]);
    await rememberAccount(database.orm.em.fork(), spent);
    const remembered = await database.orm.em.fork().findOneOrFail(Account, { id: 'user-9' });
    expect(remembered.claims).to.deep.equal({ email: 'old@example.test' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await rememberAccount(database.orm.em.fork(), { ...spent, claims: { email: 'new@example.test' } });
    const accounts = await database.orm.em.fork().find(Account, { id: 'user-9' });
    expect(accounts.map((account) => account.claims)).to.deep.equal([{ email: 'new@example.test' }]);
    // The account was made once: only the claims and updatedAt change.
    expect(accounts.map((account) => account.createdAt.getTime())).to.deep.equal([remembered.createdAt.getTime()]);
    expect(accounts[0]?.updatedAt.getTime()).to.be.above(remembered.updatedAt.getTime());
  });

  it('remembers a new account signing in twice at once without a conflict', async () => {
    const first = { jti: randomUUID(), expiresAt: 1_900_000_000, subject: 'user-10', authTime: 0, amr: [], scopes: [], claims: { email: 'a@example.test' }, denied: false };
    await Promise.all(Array.from({ length: 6 }, () => rememberAccount(database.orm.em.fork(), first)));
    const accounts = await database.orm.em.fork().find(Account, { id: 'user-10' });
    expect(accounts.map((account) => account.claims)).to.deep.equal([{ email: 'a@example.test' }]);
    expect(accounts[0]?.createdAt).to.be.instanceOf(Date);
  });
});
