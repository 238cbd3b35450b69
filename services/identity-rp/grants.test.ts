import { expect } from 'chai';
import type { IDToken } from 'openid-client';
import { refreshed, signedIn, type ValidatedResponse } from './grants.ts';

const CLAIMS: IDToken = { iss: 'https://authz.example', sub: 'alice', aud: 'rp', iat: 1, exp: 2, sid: 'op-session' };

interface Fields {
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly claims?: IDToken;
  readonly expires?: number;
}

function response({ claims, expires, ...tokens }: Fields): ValidatedResponse {
  return { access_token: 'at', ...tokens, claims: () => claims, expiresIn: () => expires };
}

describe('what identity-rp keeps of a token response', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('a sign-in: the subject, the OP session id, the expiry and the tokens', () => {
    const kept = signedIn(response({ refresh_token: 'rt', id_token: 'it', claims: CLAIMS, expires: 300 }), now);
    expect(kept.user).to.deep.equal({ subject: 'alice', sid: 'op-session', accessExpiresAt: new Date('2026-01-01T00:05:00Z') });
    expect(kept.tokens).to.deep.equal({ accessToken: 'at', refreshToken: 'rt', idToken: 'it' });
  });

  it('a sign-in without sid, refresh token or expires_in: empty sid, no refresh token, due at once', () => {
    const kept = signedIn(response({ id_token: 'it', claims: { iss: CLAIMS.iss, sub: CLAIMS.sub, aud: CLAIMS.aud, iat: CLAIMS.iat, exp: CLAIMS.exp } }), now);
    expect(kept.user).to.deep.equal({ subject: 'alice', sid: '', accessExpiresAt: now });
    expect(kept.tokens).to.deep.equal({ accessToken: 'at', idToken: 'it' });
  });

  it('refuses a sign-in without an ID token', () => {
    expect(() => signedIn(response({ claims: CLAIMS }), now)).to.throw(/no ID token/);
    expect(() => signedIn(response({ id_token: 'it' }), now)).to.throw(/no ID token/);
  });

  it('a refresh: the new tokens, keeping what the response leaves out', () => {
    expect(refreshed(response({ refresh_token: 'rt2', id_token: 'it2', expires: 60 }))).to.deep.equal({ accessToken: 'at', refreshToken: 'rt2', idToken: 'it2', expiresInSeconds: 60 });
    expect(refreshed(response({}))).to.deep.equal({ accessToken: 'at', expiresInSeconds: 0 });
  });
});
