import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import request from 'supertest';
import { bodyLimit } from '../../template/middleware/body-limit.ts';
import { problemDetails } from '../../template/middleware/problem-details.ts';
import type { RequestState } from '../../template/service.ts';
import { operationHandlers } from './index.ts';
import { CALLER, MemoryAudit, MemoryKeySource, testSet } from './testing/memory.ts';

/** The paths of the contract below `/jwks/{name}/`, by operationId; the lead's wiring comes from openapi.yaml. */
const OPERATIONS: Readonly<Record<string, string>> = { jwt: 'issueJwt', 'jwt/verify': 'verifyJwt', sign: 'signPayload', verify: 'verifyPayload', encrypt: 'encryptPayload', decrypt: 'decryptPayload' };

function binary(response: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
  response.on('end', () => { callback(null, Buffer.concat(chunks)); });
}

describe('jose-ja operations over HTTP: media types and problems (RFC 7515/7516 §9, RFC 9457)', () => {
  let app: ReturnType<Koa['callback']>;
  const payload = Buffer.from([0, 1, 2, 250, 255]);

  before(async () => {
    const handlers = operationHandlers({
      keys: new MemoryKeySource([(await testSet({ name: 'docs', alg: 'ES256' })).choice, (await testSet({ name: 'vault', alg: 'A128GCM/RSA-OAEP-256' })).choice]),
      audit: new MemoryAudit(),
      now: () => new Date(),
    });
    const koa = new Koa<RequestState>();
    koa.use(problemDetails(pino({ level: 'silent' })));
    koa.use(bodyLimit(65_536));
    koa.use(async (ctx) => {
      const [, name = '', operation = ''] = /^\/jwks\/([^/]+)\/(.+)$/.exec(ctx.path) ?? [];
      Object.assign(ctx.state, { requestId: 'r', principal: CALLER, params: { name }, query: { ...ctx.query } });
      await handlers[OPERATIONS[operation] ?? 'missing']?.(ctx);
    });
    app = koa.callback();
  });

  const post = (path: string, body: string | Buffer | object, type: string) => request(app).post(path).set('Content-Type', type).send(body).buffer(true).parse(binary);

  it('sign answers application/jose and application/jose+json; verify takes either and answers the bytes', async () => {
    const compact = await post('/jwks/docs/sign', payload, 'application/octet-stream');
    expect([compact.status, compact.headers['content-type']]).to.deep.equal([200, 'application/jose']);
    const verified = await post('/jwks/docs/verify', compact.body as Buffer, 'application/jose');
    expect([verified.status, verified.headers['content-type']]).to.deep.equal([200, 'application/octet-stream']);
    expect(verified.body).to.deep.equal(payload);
    const flattened = await post('/jwks/docs/sign?serialization=json', payload, 'application/octet-stream');
    expect([flattened.status, flattened.headers['content-type']]).to.deep.equal([200, 'application/jose+json']);
    const again = await post('/jwks/docs/verify', (flattened.body as Buffer).toString(), 'application/jose+json');
    expect(again.body).to.deep.equal(payload);
  });

  it('encrypt and decrypt round-trip in both serializations; a failed decryption is a 422 problem', async () => {
    for (const query of ['', '?serialization=json']) {
      const encrypted = await post(`/jwks/vault/encrypt${query}`, payload, 'application/octet-stream');
      const type = query === '' ? 'application/jose' : 'application/jose+json';
      expect(encrypted.headers['content-type']).to.equal(type);
      const decrypted = await post('/jwks/vault/decrypt', (encrypted.body as Buffer).toString(), type);
      expect([decrypted.status, decrypted.body]).to.deep.equal([200, payload]);
    }
    const refused = await post('/jwks/vault/decrypt', 'a.b.c.d.e', 'application/jose');
    expect([refused.status, refused.headers['content-type']]).to.deep.equal([422, 'application/problem+json']);
    expect(JSON.parse((refused.body as Buffer).toString())).to.include({ code: 'unprocessable_entity', detail: 'decryption failed' });
  });

  it('issues and verifies JWTs as JSON; a malformed JWS to verify is a 400 problem', async () => {
    const issued = await post('/jwks/docs/jwt', { claims: { sub: 'u' } }, 'application/json');
    const { jwt } = JSON.parse((issued.body as Buffer).toString()) as { jwt: string };
    const verdict = await post('/jwks/docs/jwt/verify', { jwt }, 'application/json');
    expect(verdict.status).to.equal(200);
    expect(JSON.parse((verdict.body as Buffer).toString())).to.include({ valid: true });
    const malformed = await post('/jwks/docs/verify', 'not-a-jws', 'application/jose');
    expect([malformed.status, malformed.headers['content-type']]).to.deep.equal([400, 'application/problem+json']);
  });
});
