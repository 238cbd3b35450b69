import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { IssuerKeys } from '../template/auth/issuer-keys.ts';
import { BadRequestError } from '../template/errors/index.ts';
import { LOGIN_RESULT_TYPE } from '../identity-idp/login-result.ts';
import { resourcesOf, verifyLoginResult, type LoginOptions } from './login.ts';
import { errorPage } from './pages.ts';
import type { KoaContextWithOIDC } from 'oidc-provider';

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
  });

  it('names a failure that is not the library\'s with a generic reason', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    let failure: unknown;
    try {
      await verifyLoginResult(await result(privateKey, {}), 'uid-1', options(() => Promise.reject(new TypeError('keys unavailable'))));
    } catch (error) {
      failure = error;
    }
    expect(String(failure)).to.include('ERR_LOGIN_RESULT_INVALID');
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
