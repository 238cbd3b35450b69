import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { BadRequestError, ServiceUnavailableError } from '../template/errors/index.ts';
import { httpsJsonFetcher, type FetchJson } from '../template/auth/https-json.ts';
import { createTestIssuer, type TestIssuer } from '../template/testing/issuer.ts';
import { LoginRequestVerifier } from './login-request.ts';

const AUDIENCE = 'https://idp.example:8181';

function claims(issuer: TestIssuer, extra: JWTPayload = {}): JWTPayload {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: issuer.url, aud: AUDIENCE, jti: randomUUID(), iat, exp: iat + 600, client_id: 'app', scope: 'openid  email',
    prompt: ['consent'], return_to: `${issuer.url}/interaction/1`, ...extra,
  };
}

function verifier(issuer: string, fetchJson: FetchJson): LoginRequestVerifier {
  return new LoginRequestVerifier({ issuer, audience: () => AUDIENCE, fetchJson, clockSkewSeconds: 0 });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

describe('login requests from identity-authz (login-request+jwt)', () => {
  let es256: TestIssuer;
  let rs256: TestIssuer;
  before(async () => {
    es256 = await createTestIssuer();
    rs256 = await createTestIssuer({ alg: 'RS256' });
  });
  after(async () => {
    await es256.close();
    await rs256.close();
  });

  it('reads every member of a valid request, found through discovery and the JWKS', async () => {
    const payload = claims(es256, { client_name: 'App', login_hint: 'alice', max_age: 0, return_to: es256.url });
    const challenge = await es256.sign(payload, { typ: 'login-request+jwt' });
    const request = await verifier(es256.url, httpsJsonFetcher({ ca: es256.ca })).verify(challenge);
    expect(request).to.deep.equal({
      challenge, id: payload.jti, issuer: es256.url, issuedAt: payload.iat, clientId: 'app', clientName: 'App',
      scopes: ['openid', 'email'], prompt: ['consent'], returnTo: es256.url, redirectOrigins: [], loginHint: 'alice', maxAge: 0,
    });
    expect(es256.hits('/.well-known/openid-configuration')).to.equal(1);
  });

  it('reads redirect_origins, origins and private-use schemes only: nothing that could extend a CSP', async () => {
    const check = verifier(es256.url, httpsJsonFetcher({ ca: es256.ca }));
    const origins = ['https://app.example', 'https://app.example:8443', 'http://127.0.0.1:9000', 'https://[::1]:8443', 'com.example.app:'];
    const request = await check.verify(await es256.sign(claims(es256, { redirect_origins: origins }), { typ: 'login-request+jwt' }));
    expect(request.redirectOrigins).to.deep.equal(origins);
    for (const bad of ['https:', 'HTTP:', 'data:', 'https://a.example; script-src *', "'unsafe-inline'", '*', 'https://a.example/path', 7]) {
      const challenge = await es256.sign(claims(es256, { redirect_origins: [bad] }), { typ: 'login-request+jwt' });
      expect(await failure(check.verify(challenge)), String(bad)).to.be.instanceOf(BadRequestError);
    }
    const notList = await es256.sign(claims(es256, { redirect_origins: 'https://app.example' }), { typ: 'login-request+jwt' });
    expect(await failure(check.verify(notList))).to.be.instanceOf(BadRequestError);
  });

  it('accepts RS256 from an authz that signs with RSA', async () => {
    const challenge = await rs256.sign(claims(rs256), { typ: 'login-request+jwt' });
    const request = await verifier(rs256.url, httpsJsonFetcher({ ca: rs256.ca })).verify(challenge);
    expect(request.clientName).to.equal('app');
  });

  it('reads the level the login must reach (acr), and refuses a value that is not one of the suite\'s (400)', async () => {
    const check = verifier(es256.url, httpsJsonFetcher({ ca: es256.ca }));
    expect((await check.verify(await es256.sign(claims(es256, { acr: 'urn:cryptoutil:acr:mfa' }), { typ: 'login-request+jwt' }))).acr).to.equal('urn:cryptoutil:acr:mfa');
    for (const bad of ['urn:example:gold', 2, '']) {
      const refused = await failure(check.verify(await es256.sign(claims(es256, { acr: bad }), { typ: 'login-request+jwt' })));
      expect(refused, String(bad)).to.be.instanceOf(BadRequestError);
      expect((refused as Error).message).to.include('acr');
    }
  });

  it('refuses a wrong type or a non-string login_hint (400)', async () => {
    const check = verifier(es256.url, httpsJsonFetcher({ ca: es256.ca }));
    expect(await failure(check.verify(await es256.sign(claims(es256), { typ: 'JWT' })))).to.be.instanceOf(BadRequestError);
    expect(await failure(check.verify(await es256.sign(claims(es256, { login_hint: 7 }), { typ: 'login-request+jwt' })))).to.be.instanceOf(BadRequestError);
    expect(await failure(check.verify(null))).to.be.instanceOf(BadRequestError);
  });

  it('answers 503 while the authz keys cannot be fetched, and discovers again on the next request', async () => {
    const challenge = await es256.sign(claims(es256), { typ: 'login-request+jwt' });
    const real = httpsJsonFetcher({ ca: es256.ca });
    let down = true;
    const flaky: FetchJson = (url) => (down ? Promise.reject(new Error('connection refused')) : real(url));
    let offsetMs = 0;
    const check = new LoginRequestVerifier({ issuer: es256.url, audience: () => AUDIENCE, fetchJson: flaky, clockSkewSeconds: 0, now: () => Date.now() + offsetMs });
    const refused = await failure(check.verify(challenge));
    expect(refused).to.be.instanceOf(ServiceUnavailableError);
    expect((refused as ServiceUnavailableError).headers).to.deep.equal({ 'Retry-After': '5' });
    down = false;
    // The failure is answered again for a second without asking authz; then authz is asked again.
    expect(await failure(check.verify(challenge))).to.be.instanceOf(ServiceUnavailableError);
    offsetMs = 1_000;
    expect((await check.verify(challenge)).id).to.be.a('string');
  });

  it('answers 503 when auth.issuer is not configured', async () => {
    const refused = await failure(verifier('', httpsJsonFetcher()).verify('x.y.z'));
    expect(refused).to.be.instanceOf(ServiceUnavailableError);
    expect((refused as Error).message).to.include('auth.issuer');
  });
});
