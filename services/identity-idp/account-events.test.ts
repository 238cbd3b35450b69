import { expect } from 'chai';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { ProblemError } from '../template/errors/index.ts';
import { selfSignedCertificate } from '../template/testing/issuer.ts';
import { AccountEvents, httpsDeliverer } from './account-events.ts';
import { LoginResultSigner } from './login-result.ts';
import { httpsDeliveryOf } from './index.ts';

describe('identity-idp account events', () => {
  let server: Server;
  let url: string;
  let ca: string;
  const received: { body: string; type: string | undefined }[] = [];
  let answer = 204;

  before(async () => {
    const { cert, key } = await selfSignedCertificate();
    ca = cert;
    server = createServer({ cert, key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), type: req.headers['content-type'] });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/account-events`;
  });
  after(async () => { await new Promise((resolve) => server.close(resolve)); });

  it('delivers the JWS as application/jwt and resolves on 2xx only', async () => {
    answer = 204;
    await httpsDeliveryOf({ ca })(url, 'a.b.c');
    expect(received.at(-1)).to.deep.equal({ body: 'a.b.c', type: 'application/jwt' });
    answer = 400;
    let refusal: unknown;
    await httpsDeliverer(ca)(url, 'a.b.c').catch((error: unknown) => { refusal = error; });
    expect(String(refusal)).to.include('answered 400');
    await httpsDeliverer('')(url, 'a.b.c').then(() => { throw new Error('an untrusted server was trusted'); }, (error: unknown) => { expect(String(error)).to.match(/certificate/); });
  });

  it('signs the event for identity-authz (typ, aud, sub, event, fresh jti) before delivery, and turns a failed delivery into 503', async () => {
    const signed: { claims: JWTPayload; typ: string }[] = [];
    const delivered: { url: string; jws: string }[] = [];
    let fail = false;
    const events = new AccountEvents({
      signer: { signMessage: (claims, typ) => { signed.push({ claims, typ }); return Promise.resolve(`jws-${String(signed.length)}`); } },
      authz: () => 'https://authz.example/',
      deliver: (target, jws) => fail ? Promise.reject(new Error('down')) : Promise.resolve(void delivered.push({ url: target, jws })),
    });
    const send = await events.prepare('user-1', 'locked');
    expect(signed).to.have.length(1);
    expect(delivered).to.deep.equal([]);
    await send();
    expect(delivered).to.deep.equal([{ url: 'https://authz.example/account-events', jws: 'jws-1' }]);
    expect(signed[0]?.typ).to.equal('account-event+jwt');
    expect(signed[0]?.claims).to.include({ aud: 'https://authz.example', sub: 'user-1', event: 'locked' });
    const again = await events.prepare('user-1', 'locked');
    expect(signed[1]?.claims.jti).to.be.a('string').and.not.equal(signed[0]?.claims.jti);
    fail = true;
    const error = await again().then(() => undefined, (caught: unknown) => caught);
    expect(error).to.be.instanceOf(ProblemError);
    expect((error as ProblemError).status).to.equal(503);
  });

  it('the real signer adds iss, iat and a 60 s exp under the given typ', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...await exportJWK(privateKey), kid: 'k1', alg: 'ES256' };
    const signer = new LoginResultSigner({ keys: { current: () => Promise.resolve({ privateJwks: [jwk] }) }, issuer: () => 'https://idp.example', now: () => 1_000_000 });
    const jws = await signer.signMessage({ sub: 'u', event: 'deleted' }, 'account-event+jwt');
    expect(decodeProtectedHeader(jws)).to.deep.equal({ alg: 'ES256', typ: 'account-event+jwt', kid: 'k1' });
    expect(decodeJwt(jws)).to.deep.equal({ sub: 'u', event: 'deleted', iss: 'https://idp.example', iat: 1000, exp: 1060 });
  });
});
