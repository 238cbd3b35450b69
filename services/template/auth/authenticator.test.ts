import { expect } from 'chai';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import Koa from 'koa';
import request from 'supertest';
import { listOperations, loadOpenApiDocument } from '../openapi/document.ts';
import { operationRouter } from '../openapi/router.ts';
import { createHash, randomUUID } from 'node:crypto';
import { ForbiddenError, ProblemError, ServiceUnavailableError, UnauthorizedError } from '../errors/index.ts';
import type { RequestState, TokenKind } from '../service.ts';
import { createTestIssuer, type TestIssuer } from '../testing/issuer.ts';
import { createAuthenticator, httpsJsonFetcher, type Authenticator, type AuthenticatorOptions } from './index.ts';

const AUDIENCE = 'urn:cryptoutil:learn-ps';

/** Rejections of `authenticate`, for assertions on class, status, detail and headers. */
async function refusal(run: Promise<unknown>): Promise<ProblemError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof ProblemError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('bearer token authentication (RFC 6750, RFC 9068)', () => {
  let issuer: TestIssuer;
  let fetched: string[];
  let fetchFails: boolean;
  let offsetMs: number;

  const now = (): number => Date.now() + offsetMs;

  function authenticator(overrides: Partial<AuthenticatorOptions> = {}): Authenticator {
    const fetchJson = httpsJsonFetcher({ ca: issuer.ca });
    return createAuthenticator({
      issuer: issuer.url,
      audience: AUDIENCE,
      clockSkewSeconds: 30,
      now,
      fetchJson: (url) => {
        fetched.push(new URL(url).pathname);
        return fetchFails ? Promise.reject(new Error(`GET ${url} failed`)) : fetchJson(url);
      },
      ...overrides,
    });
  }

  /** Claims of a valid service token, to be altered one at a time. */
  function claims(extra: JWTPayload = {}): JWTPayload {
    const seconds = Math.floor(Date.now() / 1000);
    return { iss: issuer.url, aud: AUDIENCE, sub: 'svc', client_id: 'svc', gty: 'client_credentials', scope: 'pets:read', iat: seconds, exp: seconds + 300, jti: randomUUID(), ...extra };
  }

  const service = (scopes: readonly string[] = ['pets:read', 'pets:write']): Promise<string> =>
    issuer.serviceToken({ clientId: 'billing', audience: AUDIENCE, scopes });
  const user = (): Promise<string> => issuer.userToken({ subject: 'alice', clientId: 'console', audience: AUDIENCE, scopes: ['pets:read'] });

  beforeEach(async () => {
    issuer = await createTestIssuer();
    fetched = [];
    fetchFails = false;
    offsetMs = 0;
  });
  afterEach(async () => {
    await issuer.close();
  });

  describe('valid tokens', () => {
    it('accepts a client-credentials token on /service and describes the caller', async () => {
      const principal = await authenticator().authenticate(`Bearer ${await service()}`, 'service', ['pets:read']);
      expect(principal).to.include({ subject: 'billing', clientId: 'billing', kind: 'service' });
      expect([...principal.scopes]).to.deep.equal(['pets:read', 'pets:write']);
      expect(principal.expiresAt).to.be.closeTo(Date.now() / 1000 + 300, 5);
      expect(fetched).to.deep.equal(['/.well-known/openid-configuration', '/jwks']);
    });

    it('accepts a user token on /browser', async () => {
      const principal = await authenticator().authenticate(`Bearer ${await user()}`, 'browser', ['pets:read']);
      expect(principal).to.include({ subject: 'alice', clientId: 'console', kind: 'browser' });
    });

    it('accepts a case-insensitive scheme, an scp array and typ application/at+jwt', async () => {
      const token = await issuer.sign(claims({ scope: undefined, scp: ['pets:read'] }), { typ: 'application/at+jwt' });
      const principal = await authenticator().authenticate(`bearer ${token}`, 'service', ['pets:read']);
      expect([...principal.scopes]).to.deep.equal(['pets:read']);
    });

    it('treats a token without scope claims as carrying no scopes', async () => {
      const token = await issuer.sign(claims({ scope: undefined }));
      expect((await authenticator().authenticate(`Bearer ${token}`, 'service', [])).scopes.size).to.equal(0);
    });

    it('verifies RS256 tokens', async () => {
      const rsa = await createTestIssuer({ alg: 'RS256' });
      try {
        const auth = createAuthenticator({ issuer: rsa.url, audience: AUDIENCE, clockSkewSeconds: 0, ca: rsa.ca });
        const token = await rsa.serviceToken({ clientId: 'c', audience: AUDIENCE, scopes: [] });
        expect((await auth.authenticate(`Bearer ${token}`, 'service', [])).clientId).to.equal('c');
      } finally {
        await rsa.close();
      }
    });

    it('uses a configured jwksUri without discovery', async () => {
      const auth = authenticator({ jwksUri: issuer.jwksUri });
      await auth.authenticate(`Bearer ${await service()}`, 'service', []);
      expect(fetched).to.deep.equal(['/jwks']);
    });
  });

  describe('kind and scope (403)', () => {
    const wrongKind: [string, () => Promise<string>, TokenKind][] = [
      ['a user token on /service', user, 'service'],
      ['a client-credentials token on /browser', () => service(), 'browser'],
    ];
    for (const [what, token, kind] of wrongKind) {
      it(`refuses ${what}`, async () => {
        const error = await refusal(authenticator().authenticate(`Bearer ${await token()}`, kind, []));
        expect(error).to.be.instanceOf(ForbiddenError);
        expect(error.message).to.include(`/${kind} routes take`);
      });
    }

    it('refuses a missing scope with an insufficient_scope challenge naming the needed scopes (RFC 6750 §3.1)', async () => {
      const error = await refusal(authenticator().authenticate(`Bearer ${await service(['pets:read'])}`, 'service', ['pets:read', 'pets:admin']));
      expect(error).to.be.instanceOf(ForbiddenError);
      expect(error.message).to.equal('the token lacks the scope pets:admin');
      expect(error.headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="pets:read pets:admin"' });
    });
  });

  describe('missing or bad tokens (401)', () => {
    const headers: [string, string | undefined, string][] = [
      ['no header', undefined, 'Bearer'],
      ['another scheme', 'Basic dXNlcjpwYXNz', 'Bearer'],
      ['a scheme without token', 'Bearer', 'Bearer error="invalid_token"'],
      ['two tokens', 'Bearer a b', 'Bearer error="invalid_token"'],
    ];
    for (const [what, header, challenge] of headers) {
      it(`answers ${what} with the challenge ${challenge}`, async () => {
        const error = await refusal(authenticator().authenticate(header, 'service', []));
        expect(error).to.be.instanceOf(UnauthorizedError);
        expect(error.headers).to.deep.equal({ 'WWW-Authenticate': challenge });
        expect(fetched).to.deep.equal([]);
      });
    }

    const seconds = (): number => Math.floor(Date.now() / 1000);
    const bad: [string, () => Promise<string>, string][] = [
      ['an expired token', () => issuer.sign(claims({ exp: seconds() - 31 })), 'the token has expired'],
      ['a token not valid for longer than the clock skew', () => issuer.sign(claims({ nbf: seconds() + 60 })), 'the token is not valid yet'],
      ['a token from another issuer', () => issuer.sign(claims({ iss: 'https://elsewhere.example' })), 'the token was issued by an issuer this service does not trust'],
      ['a token for another audience', () => issuer.sign(claims({ aud: 'urn:cryptoutil:sm-kms' })), `the token is meant for another audience: request one with resource=${AUDIENCE}`],
      ['an ID token or other JWT (typ)', () => issuer.sign(claims(), { typ: 'JWT' }), 'the token is not a JWT access token (RFC 9068 §2.1: typ must be at+jwt)'],
      ['a token without jti', () => issuer.sign(claims({ jti: undefined })), 'the token lacks the jti claim'],
      ['a token with a non-numeric iat', () => issuer.sign(claims({ iat: 'yesterday' as unknown as number })), 'the token iat claim is invalid'],
      ['a token whose sub is not a string', () => issuer.sign(claims({ sub: 42 as unknown as string })), 'the token sub and client_id claims must be strings'],
      ['an HS256 token', () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new Uint8Array(32)), 'the token is signed with an algorithm this service does not accept'],
      ['a token with a forged payload', async () => {
        const [header, , signature] = (await issuer.sign(claims())).split('.');
        return `${String(header)}.${Buffer.from(JSON.stringify(claims({ scope: 'pets:admin' }))).toString('base64url')}.${String(signature)}`;
      }, 'the token signature is invalid'],
      ['something that is not a JWT', () => Promise.resolve('abc.def.ghi'), 'the token is malformed'],
      // Issue 12 §7: an opaque token (a token request without resource) is told how to get a JWT.
      ['an opaque token', () => Promise.resolve('G7sTqYvOq1c0cXrj2x8pDk6uHnV3b9WmFzLaE4iRt5Q'), `this service needs a JWT access token (RFC 9068), and this token is not a JWT: request it from the issuer with resource=${AUDIENCE}`],
      ['a JWE', () => Promise.resolve('aa.bb.cc.dd.ee'), `this service needs a JWT access token (RFC 9068), and this token is not a JWT: request it from the issuer with resource=${AUDIENCE}`],
    ];
    for (const [what, token, detail] of bad) {
      it(`refuses ${what} with invalid_token and a detail that does not echo the token`, async () => {
        const value = await token();
        const error = await refusal(authenticator().authenticate(`Bearer ${value}`, 'service', []));
        expect(error).to.be.instanceOf(UnauthorizedError);
        expect(error.message).to.equal(detail);
        expect(error.headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });
        expect(JSON.stringify(error)).not.to.include(value);
      });
    }

    it('tolerates exp and nbf within the clock skew', async () => {
      const seconds = Math.floor(Date.now() / 1000);
      const auth = authenticator();
      await auth.authenticate(`Bearer ${await issuer.sign(claims({ exp: seconds - 20 }))}`, 'service', []);
      await auth.authenticate(`Bearer ${await issuer.sign(claims({ nbf: seconds + 20 }))}`, 'service', []);
    });

    it('answers 401 when the issuer publishes a key that cannot be used', async () => {
      const token = await service();
      const auth = authenticator({
        fetchJson: () => Promise.resolve({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: decodeKid(token), alg: 'ES256' }] }),
        jwksUri: issuer.jwksUri,
      });
      expect((await refusal(auth.authenticate(`Bearer ${token}`, 'service', []))).message).to.equal('the token is invalid');
    });
  });

  describe('JWKS refresh on an unknown kid', () => {
    it('refetches once the cooldown has passed and accepts the rotated key', async () => {
      const auth = authenticator();
      await auth.authenticate(`Bearer ${await service()}`, 'service', []);
      await issuer.rotateKey();
      const rotated = await service();
      const early = await refusal(auth.authenticate(`Bearer ${rotated}`, 'service', []));
      expect(early.message).to.equal('the token is signed with a key the issuer does not publish');
      expect(fetched.filter((path) => path === '/jwks')).to.have.length(1);
      offsetMs = 31_000;
      await auth.authenticate(`Bearer ${rotated}`, 'service', []);
      expect(fetched.filter((path) => path === '/jwks')).to.have.length(2);
      expect(fetched.filter((path) => path.startsWith('/.well-known'))).to.have.length(1);
    });

    it('refuses the unknown kid when the refetch fails', async () => {
      const auth = authenticator({ refreshCooldownMs: 0 });
      await auth.authenticate(`Bearer ${await service()}`, 'service', []);
      await issuer.rotateKey();
      fetchFails = true;
      const error = await refusal(auth.authenticate(`Bearer ${await service()}`, 'service', []));
      expect(error.message).to.equal('the token is signed with a key the issuer does not publish');
    });

    it('refetches a JWKS older than its maximum age, and keeps the old one while the issuer is down', async () => {
      const auth = authenticator({ keysMaxAgeMs: 60_000, cacheSize: 0 });
      const token = await service();
      await auth.authenticate(`Bearer ${token}`, 'service', []);
      offsetMs = 61_000;
      await auth.authenticate(`Bearer ${token}`, 'service', []);
      expect(fetched.filter((path) => path === '/jwks')).to.have.length(2);
      offsetMs = 122_000;
      fetchFails = true;
      await auth.authenticate(`Bearer ${token}`, 'service', []);
      expect(fetched.filter((path) => path === '/jwks')).to.have.length(3);
    });

    it('shares one JWKS fetch between concurrent first requests', async () => {
      const auth = authenticator();
      const token = `Bearer ${await service()}`;
      await Promise.all([auth.authenticate(token, 'service', []), auth.authenticate(token, 'service', []), auth.authenticate(token, 'service', [])]);
      expect(fetched).to.deep.equal(['/.well-known/openid-configuration', '/jwks']);
    });
  });

  describe('verification cache', () => {
    // keysMaxAgeMs 0 makes every signature verification fetch the JWKS: the fetch count is the spy.
    it('skips signature verification for a cached token, yet checks kind and scope again', async () => {
      const auth = authenticator({ keysMaxAgeMs: 0 });
      const token = `Bearer ${await service(['pets:read'])}`;
      await auth.authenticate(token, 'service', ['pets:read']);
      await issuer.rotateKey(); // the signing key is gone: a verification now would fail
      const count = fetched.length;
      expect((await auth.authenticate(token, 'service', ['pets:read'])).clientId).to.equal('billing');
      expect(await refusal(auth.authenticate(token, 'browser', []))).to.be.instanceOf(ForbiddenError);
      expect(await refusal(auth.authenticate(token, 'service', ['pets:write']))).to.be.instanceOf(ForbiddenError);
      expect(fetched).to.have.length(count);
    });

    it('is bounded: the least recently used token is verified again', async () => {
      const auth = authenticator({ cacheSize: 2, keysMaxAgeMs: 0 });
      const [first, second, third] = [`Bearer ${await service()}`, `Bearer ${await service(['a'])}`, `Bearer ${await service(['b'])}`];
      for (const token of [first, second, third]) {
        await auth.authenticate(token, 'service', []);
      }
      await issuer.rotateKey();
      const count = fetched.length;
      await auth.authenticate(third, 'service', []);
      await auth.authenticate(second, 'service', []);
      expect(fetched).to.have.length(count);
      expect((await refusal(auth.authenticate(first, 'service', []))).message).to.equal('the token is signed with a key the issuer does not publish');
      expect(fetched.length).to.be.greaterThan(count);
    });

    it('drops a token at exp, so an expired token is refused even after it was cached', async () => {
      const auth = authenticator();
      const token = `Bearer ${await issuer.serviceToken({ clientId: 'c', audience: AUDIENCE, scopes: [], expiresIn: 60 })}`;
      await auth.authenticate(token, 'service', []);
      offsetMs = 95_000;
      expect((await refusal(auth.authenticate(token, 'service', []))).message).to.equal('the token has expired');
    });
  });

  describe('token kind from gty (not sub == client_id)', () => {
    it('takes a user token whose sub equals its client id as a user token', async () => {
      const token = await issuer.userToken({ subject: 'console', clientId: 'console', audience: AUDIENCE, scopes: [] });
      expect((await authenticator().authenticate(`Bearer ${token}`, 'browser', [])).kind).to.equal('browser');
      expect(await refusal(authenticator().authenticate(`Bearer ${token}`, 'service', []))).to.be.instanceOf(ForbiddenError);
    });

    it('takes a client-credentials token whose sub differs from its client id as a service token', async () => {
      const token = await issuer.sign(claims({ sub: 'someone', gty: 'client_credentials' }));
      expect((await authenticator().authenticate(`Bearer ${token}`, 'service', [])).kind).to.equal('service');
    });

    const refused: [string, JWTPayload, string][] = [
      ['without gty', { gty: undefined }, 'the token lacks the gty claim'],
      ['with an unknown gty', { gty: 'password' }, 'names a grant type this service does not accept'],
      ['with a gty that is not a string', { gty: 7 }, 'names a grant type this service does not accept'],
      ['bound by another confirmation method', { cnf: { 'x5t#S256': 'abc' } }, 'only DPoP cnf.jkt is supported'],
      ['with a cnf that is not an object', { cnf: 'jkt' }, 'only DPoP cnf.jkt is supported'],
    ];
    for (const [what, extra, detail] of refused) {
      it(`refuses a token ${what} (401 invalid_token)`, async () => {
        const error = await refusal(authenticator().authenticate(`Bearer ${await issuer.sign(claims(extra))}`, 'service', []));
        expect(error).to.be.instanceOf(UnauthorizedError);
        expect(error.message).to.include(detail);
        expect(error.headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      });
    }
  });

  describe('DPoP-bound tokens (RFC 9449)', () => {
    const PUBLIC_URL = 'https://pets.example:8443//'; // trailing slashes are dropped
    const PATH = '/service/api/v1/pets';
    let key: { privateKey: CryptoKey; jwk: JWK; jkt: string };

    beforeEach(async () => {
      const pair = await generateKeyPair('ES256');
      const jwk = await exportJWK(pair.publicKey);
      key = { privateKey: pair.privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
    });

    const bound = (): Promise<string> => issuer.serviceToken({ clientId: 'billing', audience: AUDIENCE, scopes: ['pets:read'], jkt: key.jkt });
    const proof = (token: string, method = 'GET'): Promise<string> => new SignJWT({ jti: randomUUID(), htm: method, htu: `https://pets.example:8443${PATH}`, ath: createHash('sha256').update(token).digest('base64url') })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk }).setIssuedAt(Math.floor(now() / 1000)).sign(key.privateKey);
    const dpopAuthenticator = (): Authenticator => authenticator({ publicUrl: () => PUBLIC_URL });

    it('accepts the DPoP scheme (any case) with a proof for the request, checking the proof again when the token is cached', async () => {
      const auth = dpopAuthenticator();
      const token = await bound();
      const principal = await auth.authenticate(`DPoP ${token}`, 'service', ['pets:read'], { method: 'GET', path: PATH, dpop: await proof(token) });
      expect(principal).to.include({ clientId: 'billing', kind: 'service' });
      await auth.authenticate(`dpop ${token}`, 'service', [], { method: 'GET', path: PATH, dpop: await proof(token) });
      const error = await refusal(auth.authenticate(`DPoP ${token}`, 'service', [], { method: 'DELETE', path: PATH, dpop: await proof(token) }));
      expect(error.message).to.equal('the DPoP proof htm does not match the request method');
      expect(error.headers['WWW-Authenticate']).to.match(/^DPoP error="invalid_dpop_proof", algs="ES256 /);
    });

    it('refuses a bound token sent as a bearer token, even with a good proof', async () => {
      const token = await bound();
      const error = await refusal(dpopAuthenticator().authenticate(`Bearer ${token}`, 'service', [], { method: 'GET', path: PATH, dpop: await proof(token) }));
      expect(error).to.be.instanceOf(UnauthorizedError);
      expect(error.message).to.include('bound to a DPoP key');
      expect(error.headers['WWW-Authenticate']).to.match(/^DPoP error="invalid_token", algs=/);
    });

    it('refuses the DPoP scheme with a bearer token', async () => {
      const token = await service();
      const error = await refusal(dpopAuthenticator().authenticate(`DPoP ${token}`, 'service', [], { method: 'GET', path: PATH, dpop: await proof(token) }));
      expect(error.message).to.equal('the token is not bound to a DPoP key: send it with the Bearer scheme');
      expect(error.headers['WWW-Authenticate']).to.match(/^DPoP error="invalid_token"/);
    });

    it('refuses a bound token where the request or the public URL is unknown', async () => {
      const token = await bound();
      const noUrl = await refusal(authenticator().authenticate(`DPoP ${token}`, 'service', [], { method: 'GET', path: PATH, dpop: await proof(token) }));
      expect(noUrl.message).to.equal('DPoP-bound tokens cannot be checked here');
      const noRequest = await refusal(dpopAuthenticator().authenticate(`DPoP ${token}`, 'service', []));
      expect(noRequest.message).to.equal('DPoP-bound tokens cannot be checked here');
    });

    it('limits iat to the configured window and the replay cache to its capacity', async () => {
      const auth = authenticator({ publicUrl: () => PUBLIC_URL, dpopWindowSeconds: 10, dpopReplayCapacity: 1 });
      const token = await bound();
      const stale = await proof(token);
      offsetMs = 11_000;
      expect((await refusal(auth.authenticate(`DPoP ${token}`, 'service', [], { method: 'GET', path: PATH, dpop: stale }))).message).to.include('within 10 seconds');
      await auth.authenticate(`DPoP ${token}`, 'service', [], { method: 'GET', path: PATH, dpop: await proof(token) });
      expect(await refusal(auth.authenticate(`DPoP ${token}`, 'service', [], { method: 'GET', path: PATH, dpop: await proof(token) }))).to.be.instanceOf(ServiceUnavailableError);
    });
  });

  describe('through the operation router', () => {
    async function api(): Promise<Koa<RequestState>> {
      const document = await loadOpenApiDocument(new URL('../openapi/fixtures/widgets.yaml', import.meta.url));
      const handlers = Object.fromEntries(listOperations(document).map(({ operationId }) => [operationId, (ctx: Koa.ParameterizedContext<RequestState>) => {
        ctx.body = { caller: ctx.state.principal?.subject ?? null };
      }]));
      const app = new Koa<RequestState>();
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          if (!(error instanceof ProblemError)) {
            throw error;
          }
          ctx.status = error.status;
          ctx.set(error.headers);
          ctx.body = { detail: error.message };
        }
      });
      app.use(operationRouter({ document, handlers, authenticate: authenticator().authenticate }));
      return app;
    }

    it('answers 401 with a challenge, 403 for the wrong kind or scope, 200 for the right token', async () => {
      const app = (await api()).callback();
      const missing = await request(app).get('/service/api/v1/widgets').expect(401);
      expect(missing.headers['www-authenticate']).to.equal('Bearer');
      await request(app).get('/service/api/v1/widgets').set('Authorization', 'Bearer not-a-jwt').expect(401)
        .expect('WWW-Authenticate', 'Bearer error="invalid_token"');
      const readOnly = `Bearer ${await service(['widgets:read'])}`;
      await request(app).get('/browser/api/v1/widgets').set('Authorization', readOnly).expect(403);
      await request(app).post('/service/api/v1/widgets').set('Authorization', readOnly).send({}).expect(403)
        .expect('WWW-Authenticate', 'Bearer error="insufficient_scope", scope="widgets:write"');
      const ok = await request(app).get('/service/api/v1/widgets').set('Authorization', readOnly).expect(200);
      expect(ok.body).to.deep.equal({ caller: 'billing' });
      const browser = await request(app).get('/browser/api/v1/widgets')
        .set('Authorization', `Bearer ${await issuer.userToken({ subject: 'alice', clientId: 'console', audience: AUDIENCE, scopes: ['widgets:read'] })}`)
        .expect(200);
      expect(browser.body).to.deep.equal({ caller: 'alice' });
    });
  });

  describe('issuer availability and configuration', () => {
    it('answers 503 while the issuer keys cannot be loaded, and readiness says why', async () => {
      fetchFails = true;
      const auth = authenticator();
      expect(auth.name).to.equal('issuer');
      const unavailable = await refusal(auth.authenticate(`Bearer ${await service()}`, 'service', []));
      expect(unavailable).to.be.instanceOf(ServiceUnavailableError);
      expect(unavailable.message).to.equal('the token issuer\'s signing keys cannot be loaded');
      const check = await auth.check();
      expect(check.ok).to.equal(false);
      expect(check.detail).to.include('cannot load the issuer\'s signing keys');
      fetchFails = false;
      // A failed first load is answered again for a second without asking the issuer.
      expect((await auth.check()).ok).to.equal(false);
      offsetMs = 1_000;
      expect(await auth.check()).to.deep.equal({ ok: true, detail: 'signing keys loaded: 1' });
    });

    it('trusts only the public roots for the issuer when no CA is given', async () => {
      const auth = createAuthenticator({ issuer: issuer.url, audience: AUDIENCE, clockSkewSeconds: 30 });
      expect(await refusal(auth.authenticate(`Bearer ${await service()}`, 'service', []))).to.be.instanceOf(ServiceUnavailableError);
      expect((await auth.check()).detail).to.match(/self-signed certificate/);
    });

    it('answers 401 to every protected request when no issuer is configured', async () => {
      const auth = createAuthenticator({ issuer: '', audience: AUDIENCE, clockSkewSeconds: 30 });
      const error = await refusal(auth.authenticate(`Bearer ${await service()}`, 'service', []));
      expect(error).to.be.instanceOf(UnauthorizedError);
      expect(error.message).to.equal('no token issuer is configured (auth.issuer)');
      expect(await auth.check()).to.deep.equal({ ok: false, detail: 'auth.issuer is not configured' });
      const endpoints = auth.endpoints();
      expect(endpoints).to.be.instanceOf(Promise);
      expect(await endpoints).to.equal(undefined);
      expect(auth.name).to.equal('issuer');
    });

    it('names the issuer\'s discovered token and authorization endpoints (for Swagger UI)', async () => {
      const auth = authenticator({ jwksUri: issuer.jwksUri });
      expect(await auth.endpoints()).to.deep.equal({ tokenEndpoint: `${issuer.url}/token`, authorizationEndpoint: `${issuer.url}/auth` });
      expect(await auth.endpoints()).to.deep.equal({ tokenEndpoint: `${issuer.url}/token`, authorizationEndpoint: `${issuer.url}/auth` });
      expect(fetched).to.deep.equal(['/.well-known/openid-configuration']);
    });

    it('assumes identity-authz\'s paths while the issuer cannot be reached, and asks again next time', async () => {
      fetchFails = true;
      const auth = authenticator();
      expect(await auth.endpoints()).to.deep.equal({ tokenEndpoint: `${issuer.url}/token`, authorizationEndpoint: `${issuer.url}/auth` });
      const triedFirst = fetched.length;
      fetchFails = false;
      await auth.endpoints();
      expect(fetched.slice(triedFirst)).to.deep.equal(['/.well-known/openid-configuration']);
    });

    it('takes the endpoints the metadata names, wherever they are', async () => {
      const elsewhere = { issuer: 'https://authz.example/realm', jwks_uri: 'https://keys.example/jwks', token_endpoint: 'https://tokens.example/oauth/token', authorization_endpoint: 'https://login.example/authorize' };
      const auth = createAuthenticator({ issuer: elsewhere.issuer, audience: AUDIENCE, clockSkewSeconds: 30, fetchJson: () => Promise.resolve(elsewhere) });
      expect(await auth.endpoints()).to.deep.equal({ tokenEndpoint: 'https://tokens.example/oauth/token', authorizationEndpoint: 'https://login.example/authorize' });
      const partial = createAuthenticator({ issuer: 'https://authz.example/realm/', audience: AUDIENCE, clockSkewSeconds: 30, fetchJson: () => Promise.resolve({ ...elsewhere, issuer: 'https://authz.example/realm/', token_endpoint: undefined, authorization_endpoint: 'http://login.example/authorize' }) });
      expect(await partial.endpoints()).to.deep.equal({ tokenEndpoint: 'https://authz.example/realm/token', authorizationEndpoint: 'https://authz.example/realm/auth' });
      const unreachable = createAuthenticator({ issuer: 'https://authz.example/realm//', audience: AUDIENCE, clockSkewSeconds: 30, fetchJson: () => Promise.reject(new Error('down')) });
      expect(await unreachable.endpoints()).to.deep.equal({ tokenEndpoint: 'https://authz.example/realm/token', authorizationEndpoint: 'https://authz.example/realm/auth' });
    });

    const misconfigured: [string, Partial<AuthenticatorOptions>, RegExp][] = [
      ['a plain-HTTP issuer', { issuer: 'http://issuer.example' }, /auth\.issuer must be an https URL/],
      ['a plain-HTTP JWKS URL', { issuer: 'https://issuer.example', jwksUri: 'http://issuer.example/jwks' }, /auth\.jwksUri must be an https URL/],
      ['an empty audience', { issuer: 'https://issuer.example', audience: '' }, /auth\.audience must not be empty/],
    ];
    for (const [what, options, message] of misconfigured) {
      it(`refuses ${what} at construction`, () => {
        expect(() => createAuthenticator({ issuer: '', audience: AUDIENCE, clockSkewSeconds: 30, ...options })).to.throw(message);
      });
    }
  });
});

function decodeKid(token: string): string {
  const [header] = token.split('.');
  return (JSON.parse(Buffer.from(String(header), 'base64url').toString('utf8')) as { kid: string }).kid;
}
