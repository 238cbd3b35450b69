/** The checks of a logout token (OpenID Connect Back-Channel Logout 1.0 §2.6), one refusal each. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTPayload, type JWTVerifyGetKey, type CryptoKey } from 'jose';
import { InvalidLogoutToken, LOGOUT_EVENT, LOGOUT_TOKEN_MAX_AGE_SECONDS, verifyLogoutToken, type LogoutTokenOptions } from './logout-tokens.ts';

const ISSUER = 'https://authz.example';
const CLIENT = 'identity-rp';

describe('identity-rp logout token validation (Back-Channel Logout 1.0 §2.6)', () => {
  let key: CryptoKey;
  let stranger: CryptoKey;
  let options: LogoutTokenOptions;
  before(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    stranger = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...await exportJWK(pair.publicKey), kid: 'k1', alg: 'ES256' };
    options = { issuer: ISSUER, audience: CLIENT, keys: createLocalJWKSet({ keys: [jwk] }), clockSkewSeconds: 5 };
  });

  function claims(overrides: JWTPayload = {}): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    return { iss: ISSUER, aud: CLIENT, iat: now, exp: now + 120, jti: randomUUID(), sub: 'ada', sid: 'sid-1', events: { [LOGOUT_EVENT]: {} }, ...overrides };
  }

  /** `typ: null` leaves the header without one. */
  function sign(payload: JWTPayload, signWith = key, typ: string | null = 'logout+jwt'): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'k1', ...(typ === null ? {} : { typ }) }).sign(signWith);
  }

  /** The refusal's jose or own code, with the claim a failed claim check names. */
  async function refusal(token: string | Promise<string>): Promise<string> {
    const error = await verifyLogoutToken(await token, options).then(() => undefined, (reason: unknown) => reason);
    expect(error).to.be.instanceOf(InvalidLogoutToken);
    const { code, claim } = error as InvalidLogoutToken;
    return claim === undefined ? code : `${code} ${claim}`;
  }

  it('accepts a valid token: sid, sub, a replay key from the jti, kept until exp plus the skew', async () => {
    const payload = claims({ jti: 'jti-1' });
    const request = await verifyLogoutToken(await sign(payload), options);
    expect(request).to.include({ sid: 'sid-1', sub: 'ada' });
    expect(request.replayKey).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(request.acceptableUntil.getTime()).to.equal((Number(payload.exp) + 5) * 1000);
    const again = await verifyLogoutToken(await sign(claims({ jti: 'jti-1' }), key, null), options);
    expect(again.replayKey, 'the same jti, the same key; no typ is fine').to.equal(request.replayKey);
    const sidOnly = await verifyLogoutToken(await sign(claims({ sub: undefined }), key, 'application/logout+jwt'), options);
    expect(sidOnly).to.not.have.property('sub');
    const subOnly = await verifyLogoutToken(await sign(claims({ sid: undefined })), { ...options, now: Date.now });
    expect(subOnly).to.not.have.property('sid');
  });

  it('refuses a bad signature, a wrong audience or issuer, an expired or stale token, and a missing jti', async () => {
    expect(await refusal(sign(claims(), stranger))).to.equal('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    expect(await refusal(sign(claims({ aud: 'another-client' })))).to.equal('ERR_JWT_CLAIM_VALIDATION_FAILED aud');
    expect(await refusal(sign(claims({ iss: 'https://evil.example' })))).to.equal('ERR_JWT_CLAIM_VALIDATION_FAILED iss');
    const past = Math.floor(Date.now() / 1000) - 600;
    expect(await refusal(sign(claims({ iat: past, exp: past + 60 })))).to.equal('ERR_JWT_EXPIRED exp');
    expect(await refusal(sign(claims({ iat: past - LOGOUT_TOKEN_MAX_AGE_SECONDS, exp: past + 3600 })))).to.equal('ERR_JWT_EXPIRED iat');
    expect(await refusal(sign(claims({ jti: undefined })))).to.equal('ERR_JWT_CLAIM_VALIDATION_FAILED jti');
    expect(await refusal('not.a.token')).to.equal('ERR_JWS_INVALID');
  });

  it('refuses a nonce, a missing or malformed event, neither sid nor sub, and another typ', async () => {
    expect(await refusal(sign(claims({ nonce: 'n' })))).to.equal('ERR_LOGOUT_NONCE');
    expect(await refusal(sign(claims({ events: undefined })))).to.equal('ERR_LOGOUT_EVENT');
    expect(await refusal(sign(claims({ events: { 'urn:other': {} } })))).to.equal('ERR_LOGOUT_EVENT');
    expect(await refusal(sign(claims({ events: { [LOGOUT_EVENT]: 'yes' } })))).to.equal('ERR_LOGOUT_EVENT');
    expect(await refusal(sign(claims({ events: { [LOGOUT_EVENT]: [] } })))).to.equal('ERR_LOGOUT_EVENT');
    expect(await refusal(sign(claims({ events: null })))).to.equal('ERR_LOGOUT_EVENT');
    expect(await refusal(sign(claims({ sid: undefined, sub: undefined })))).to.equal('ERR_LOGOUT_SUBJECT');
    expect(await refusal(sign(claims({ sid: '', sub: '' })))).to.equal('ERR_LOGOUT_SUBJECT');
    expect(await refusal(sign(claims(), key, 'JWT'))).to.equal('ERR_LOGOUT_TYP');
  });

  it('lets a failure to get the keys through as it is (not a bad token)', async () => {
    const unreachable: JWTVerifyGetKey = () => Promise.reject(new Error('JWKS unreachable'));
    const error = await verifyLogoutToken(await sign(claims()), { ...options, keys: unreachable }).then(() => undefined, (reason: unknown) => reason);
    expect(error).to.be.instanceOf(Error).and.not.instanceOf(InvalidLogoutToken);
  });
});
