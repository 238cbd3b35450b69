import { expect } from 'chai';
import { usernameOf } from './session.ts';

const jwt = (payload: unknown): string => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

describe('the username /bff/session shows', () => {
  it('is preferred_username of the ID token', () => {
    expect(usernameOf(jwt({ sub: 'u1', preferred_username: 'alice' }))).to.equal('alice');
  });

  it('is absent when the claim is missing, empty or no string, or the token unreadable', () => {
    for (const token of [jwt({ sub: 'u1' }), jwt({ preferred_username: '' }), jwt({ preferred_username: 7 }), jwt(null), jwt('text'), 'no-dots', 'a.!!!.c', '']) {
      expect(usernameOf(token), token).to.equal(undefined);
    }
  });
});
