// @ts-nocheck
import { expect } from 'chai';
import { request } from 'node:https';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { httpsJsonFetcher } from '../auth/https-json.ts';
import { createTestIssuer, type TestIssuer } from './issuer.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
}

function post(issuer: TestIssuer, form: Record<string, string>, authorization?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(issuer.tokenEndpoint, {
      method: 'POST',
      ca: issuer.ca,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
    }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> }); });
    });
    outgoing.on('error', reject);
    outgoing.end(new URLSearchParams(form).toString());
  });
}

// RFC 6749 §2.3.1: form-urlencode, then Basic.
const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('test issuer (OAuth 2.1 authorization server stand-in)', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await createTestIssuer();
    issuer.addClient('demo client', 'p@ss:word', ['pets:read', 'pets:write']);
  });
  after(async () => {
    await issuer.close();
  });

  it('publishes discovery metadata and a JWKS over HTTPS trusted through its own certificate', async () => {
    const fetchJson = httpsJsonFetcher({ ca: issuer.ca });
    const metadata = await fetchJson(`${issuer.url}/.well-known/openid-configuration`);
    expect(metadata).to.include({ issuer: issuer.url, jwks_uri: issuer.jwksUri, token_endpoint: issuer.tokenEndpoint });
    expect(await fetchJson(`${issuer.url}/.well-known/oauth-authorization-server`)).to.deep.equal(metadata);
    const jwks = await fetchJson(issuer.jwksUri) as { keys: { kty: string; alg: string; kid: string; d?: string }[] };
    expect(jwks.keys).to.have.length(1);
    expect(jwks.keys[0]).to.include({ kty: 'EC', alg: 'ES256' }).and.not.to.have.property('d');
    expect(issuer.hits('/jwks')).to.equal(1);
    await fetchJson(`${issuer.url}/nothing`).then(() => { throw new Error('expected 404'); }, (error: unknown) => {
      expect(String(error)).to.include('answered 404');
    });
  });

  it('signs RFC 9068 service and user tokens', async () => {
    const service = await issuer.serviceToken({ clientId: 'svc', audience: 'urn:cryptoutil:learn-ps', scopes: ['a', 'b'], expiresIn: 60 });
    expect(decodeProtectedHeader(service)).to.include({ typ: 'at+jwt', alg: 'ES256' });
    const claims = decodeJwt(service);
    expect(claims).to.include({ iss: issuer.url, sub: 'svc', client_id: 'svc', aud: 'urn:cryptoutil:learn-ps', scope: 'a b', gty: 'client_credentials' });
    expect(claims.cnf).to.equal(undefined);
    expect(Number(claims.exp) - Number(claims.iat)).to.equal(60);
    expect(claims.jti).to.be.a('string');
    const user = decodeJwt(await issuer.userToken({ subject: 'alice', clientId: 'spa', audience: 'urn:cryptoutil:learn-ps', scopes: [] }));
    expect(user).to.include({ sub: 'alice', client_id: 'spa', scope: '', gty: 'authorization_code' });
    const bound = decodeJwt(await issuer.userToken({ subject: 'alice', clientId: 'spa', audience: 'urn:cryptoutil:learn-ps', scopes: [], jkt: 'thumbprint' }));
    expect(bound.cnf).to.deep.equal({ jkt: 'thumbprint' });
  });

  it('replaces its key on rotation', async () => {
    const fetchJson = httpsJsonFetcher({ ca: issuer.ca });
    const before = decodeProtectedHeader(await issuer.sign({}));
    await issuer.rotateKey();
    const after = decodeProtectedHeader(await issuer.sign({}, { typ: 'JWT', kid: 'chosen' }));
    expect(after).to.include({ typ: 'JWT', kid: 'chosen' });
    const jwks = await fetchJson(issuer.jwksUri) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).to.deep.equal([decodeProtectedHeader(await issuer.sign({})).kid]).and.not.to.include(before.kid);
  });

  it('issues client-credentials tokens with every allowed scope when none is asked for', async () => {
    const answer = await post(issuer, { grant_type: 'client_credentials', resource: 'urn:cryptoutil:learn-ps' }, basic('demo client', 'p@ss:word'));
    expect(answer.status).to.equal(200);
    expect(answer.headers['cache-control']).to.equal('no-store');
    expect(answer.body).to.include({ token_type: 'Bearer', expires_in: 300, scope: 'pets:read pets:write' });
    expect(decodeJwt(String(answer.body.access_token))).to.include({ sub: 'demo client', client_id: 'demo client', aud: 'urn:cryptoutil:learn-ps' });
  });

  it('narrows the token to the scopes asked for', async () => {
    const answer = await post(issuer, { grant_type: 'client_credentials', resource: 'urn:x', scope: 'pets:read' }, basic('demo client', 'p@ss:word'));
    expect(answer.body).to.include({ scope: 'pets:read' });
  });

  const refusals: [string, Record<string, string>, string | undefined, number, string][] = [
    ['no client authentication', { grant_type: 'client_credentials', resource: 'urn:x' }, undefined, 401, 'invalid_client'],
    ['a wrong secret', { grant_type: 'client_credentials', resource: 'urn:x' }, basic('demo client', 'nope'), 401, 'invalid_client'],
    ['an unknown client', { grant_type: 'client_credentials', resource: 'urn:x' }, basic('nobody', 'p@ss:word'), 401, 'invalid_client'],
    ['another grant type', { grant_type: 'password', resource: 'urn:x' }, basic('demo client', 'p@ss:word'), 400, 'unsupported_grant_type'],
    ['a missing resource', { grant_type: 'client_credentials' }, basic('demo client', 'p@ss:word'), 400, 'invalid_target'],
    ['a scope the client may not have', { grant_type: 'client_credentials', resource: 'urn:x', scope: 'admin' }, basic('demo client', 'p@ss:word'), 400, 'invalid_scope'],
  ];
  for (const [what, form, authorization, status, error] of refusals) {
    it(`answers ${status} ${error} for ${what} (RFC 6749 §5.2)`, async () => {
      const answer = await post(issuer, form, authorization);
      expect(answer.status).to.equal(status);
      expect(answer.body).to.include({ error });
      if (status === 401) {
        expect(answer.headers['www-authenticate']).to.equal('Basic realm="test-issuer"');
      }
    });
  }

  it('signs with RS256 when asked', async () => {
    const rsa = await createTestIssuer({ alg: 'RS256', tokenLifetimeSeconds: 30 });
    try {
      const token = await rsa.serviceToken({ clientId: 'c', audience: 'a', scopes: [] });
      expect(decodeProtectedHeader(token)).to.include({ alg: 'RS256' });
      const claims = decodeJwt(token);
      expect(Number(claims.exp) - Number(claims.iat)).to.equal(30);
    } finally {
      await rsa.close();
    }
  });
});
