import { expect } from 'chai';
import { errors, type JWTPayload } from 'jose';
import { UnauthorizedError } from '../errors/index.ts';
import { accessCredentials, insufficientScope } from './bearer.ts';
import { boundKeyOf, principalFromClaims, verificationFailure } from './claims.ts';

/** The 401 a call throws: its detail and challenge. */
function refusal(call: () => unknown): { detail: string | undefined; challenge: string | undefined } {
  try {
    call();
  } catch (error) {
    expect(error).to.be.instanceOf(UnauthorizedError);
    const problem = error as UnauthorizedError;
    return { detail: problem.message, challenge: problem.headers['WWW-Authenticate'] };
  }
  throw new Error('expected a 401');
}

const SERVICE: JWTPayload = { sub: 'svc', client_id: 'svc', gty: 'client_credentials', exp: 100 };

describe('the Authorization header (RFC 6750 §2.1, RFC 9449 §7.1)', () => {
  it('reads either scheme, in any case, with one or more spaces before the token', () => {
    expect(accessCredentials('Bearer abc.DEF-_~+/==')).to.deep.equal({ scheme: 'Bearer', token: 'abc.DEF-_~+/==' });
    expect(accessCredentials('bearer  t')).to.deep.equal({ scheme: 'Bearer', token: 't' });
    expect(accessCredentials('DPoP t')).to.deep.equal({ scheme: 'DPoP', token: 't' });
    expect(accessCredentials('dpop t')).to.deep.equal({ scheme: 'DPoP', token: 't' });
  });

  it('answers a missing or foreign scheme with the bare challenge', () => {
    for (const header of [undefined, '', 'Basic dXNlcjpwdw==', 'xBearer t', 'Bearerx t']) {
      expect(refusal(() => accessCredentials(header)), String(header)).to.deep.equal({ detail: 'a bearer access token is required', challenge: 'Bearer' });
    }
  });

  it('answers a malformed token with invalid_token', () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a=b', 'Bearer tök', 'DPoP a\tb', 'Bearer a Bearer b']) {
      expect(refusal(() => accessCredentials(header)), header).to.deep.equal({
        detail: 'the Authorization header is not a well-formed bearer token', challenge: 'Bearer error="invalid_token"',
      });
    }
  });

  it('names every missing scope, and every required one in the challenge', () => {
    const forbidden = insufficientScope(['kms:read', 'kms:write'], ['kms:read', 'kms:write']);
    expect(forbidden.status).to.equal(403);
    expect(forbidden.message).to.equal('the token lacks the scope kms:read kms:write');
    expect(forbidden.headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="kms:read kms:write"' });
  });
});

describe('from claims to a principal (RFC 9068 §2.2)', () => {
  it('reads scope as space-separated, dropping empty items, or scp as a string array', () => {
    expect([...principalFromClaims({ ...SERVICE, scope: ' a  b ' }).scopes]).to.deep.equal(['a', 'b']);
    expect([...principalFromClaims({ ...SERVICE, scp: ['a', 'b'] }).scopes]).to.deep.equal(['a', 'b']);
    expect([...principalFromClaims({ ...SERVICE, scp: ['a', 2] }).scopes]).to.deep.equal([]);
    expect([...principalFromClaims({ ...SERVICE, scp: [2, 'a'] }).scopes]).to.deep.equal([]);
    expect([...principalFromClaims({ ...SERVICE, scp: 'a' }).scopes]).to.deep.equal([]);
    expect(principalFromClaims(SERVICE)).to.include({ subject: 'svc', clientId: 'svc', kind: 'service', expiresAt: 100 });
    expect(principalFromClaims({ ...SERVICE, sub: 'user', gty: 'authorization_code' }).kind).to.equal('browser');
  });

  it('carries the key a DPoP-bound token is bound to (RFC 9449 §6.1), and none for a bearer token', () => {
    expect(principalFromClaims({ ...SERVICE, cnf: { jkt: 'thumb' } }).boundKey).to.equal('thumb');
    expect(principalFromClaims(SERVICE)).to.not.have.property('boundKey');
  });

  it('refuses a sub or client_id that is not a string', () => {
    const detail = 'the token sub and client_id claims must be strings';
    expect(refusal(() => principalFromClaims({ ...SERVICE, sub: 1 as unknown as string })).detail).to.equal(detail);
    expect(refusal(() => principalFromClaims({ ...SERVICE, client_id: 1 }))).to.deep.equal({ detail, challenge: 'Bearer error="invalid_token"' });
  });

  it('refuses a gty that is not one of the two grant names, a non-string one included', () => {
    for (const gty of [1, ['client_credentials'], 'refresh_token', 'toString']) {
      expect(refusal(() => principalFromClaims({ ...SERVICE, gty })).detail, String(gty)).to.match(/^the token gty claim names a grant type/);
    }
  });
});

describe('the key a token is bound to (RFC 9449 §6.1)', () => {
  it('is cnf.jkt, or none without cnf', () => {
    expect(boundKeyOf({ cnf: { jkt: 'thumb' } })).to.equal('thumb');
    expect(boundKeyOf({})).to.equal(undefined);
  });

  it('refuses any other confirmation', () => {
    const detail = 'the token cnf claim binds it in a way this service cannot check (only DPoP cnf.jkt is supported)';
    for (const cnf of [null, 'thumb', { jkt: '' }, { jkt: 1 }, { 'x5t#S256': 'x' }]) {
      expect(refusal(() => boundKeyOf({ cnf })), JSON.stringify(cnf)).to.deep.equal({ detail, challenge: 'Bearer error="invalid_token"' });
    }
  });
});

describe('verification failures as 401 details', () => {
  it('names a malformed token, and only jose errors by their code', () => {
    expect(verificationFailure(new errors.JWTInvalid('bad'), 'urn:a').message).to.equal('the token is malformed');
    expect(verificationFailure(new errors.JWSInvalid('bad'), 'urn:a').message).to.equal('the token is malformed');
    expect(verificationFailure(Object.assign(new Error('x'), { code: 'ERR_JWT_EXPIRED' }), 'urn:a').message).to.equal('the token is invalid');
    expect(verificationFailure('not an error', 'urn:a').headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  });
});
