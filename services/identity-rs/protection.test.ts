/**
 * identity-rs as a team would protect its own API: every operation needs a valid token from the
 * configured issuer for `urn:cryptoutil:identity-rs` with the operation's scope (RFC 6750 §3.1),
 * DPoP-bound tokens only with a proof (RFC 9449 §7.1), and the principal endpoint shows what the
 * template proved. Real TLS, the template's test issuer over HTTPS, SQLite.
 */
import { expect } from 'chai';
import { createTestIssuer } from '../template/testing/issuer.ts';
import { startTestService, type HttpAnswer, type ServiceHarness } from '../template/testing/service-harness.ts';
import type { OperationContext } from '../template/service.ts';
import { ProblemError } from '../template/errors/index.ts';
import { identityRs } from './index.ts';
import { principalHandlers } from './routes/principal.ts';
import { dpopKey } from './testing/dpop.ts';

const AUDIENCE = 'urn:cryptoutil:identity-rs';

function expectProblem(answer: HttpAnswer, status: number): { detail: string } {
  expect(answer.status, answer.text).to.equal(status);
  expect(answer.headers['content-type']).to.match(/^application\/problem\+json/);
  return answer.json as { detail: string };
}

describe('identity-rs: operations checked by scope (RFC 6750, RFC 9068)', function () {
  this.timeout(30_000);
  let rs: ServiceHarness;
  let api: string;

  before(async () => {
    rs = await startTestService({}, undefined, identityRs);
    api = `${rs.service.publicUrl}/service/api/v1`;
  });
  after(async () => { await rs.close(); });

  it('answers 401 with a Bearer challenge without a token, and with a malformed one', async () => {
    const none = await rs.call('GET', `${api}/documents`);
    expectProblem(none, 401);
    expect(none.headers['www-authenticate']).to.equal('Bearer');
    expectProblem(await rs.call('GET', `${api}/principal`, { token: 'not-a-jwt' }), 401);
  });

  it('answers 403 insufficient_scope for a token without the operation\'s scope, 200/201 with it', async () => {
    const reader = await rs.serviceToken(['rs:read']);
    const writer = await rs.serviceToken(['rs:write']);
    const refused = await rs.call('POST', `${api}/documents`, { token: reader, body: { title: 'Plan', content: 'ship it' } });
    expect(expectProblem(refused, 403).detail).to.equal('the token lacks the scope rs:write');
    expect(refused.headers['www-authenticate']).to.equal('Bearer error="insufficient_scope", scope="rs:write"');
    expectProblem(await rs.call('GET', `${api}/documents`, { token: writer }), 403);

    const created = await rs.call('POST', `${api}/documents`, { token: writer, body: { title: 'Plan', content: 'ship it' } });
    expect(created.status, created.text).to.equal(201);
    const document = created.json as { id: string; createdBy: string };
    expect(document).to.include({ title: 'Plan', content: 'ship it', createdBy: 'tester' });
    const read = await rs.call('GET', `${api}/documents/${document.id}`, { token: reader });
    expect(read.status).to.equal(200);
    expect(read.json).to.deep.equal(created.json);
    expectProblem(await rs.call('DELETE', `${api}/documents/${document.id}`, { token: reader }), 403);
    expect((await rs.call('DELETE', `${api}/documents/${document.id}`, { token: writer })).status).to.equal(204);
    expectProblem(await rs.call('GET', `${api}/documents/${document.id}`, { token: reader }), 404);
    expectProblem(await rs.call('DELETE', `${api}/documents/${document.id}`, { token: writer }), 404);
  });

  it('pages documents oldest first and refuses bad input with 400', async () => {
    const writer = await rs.serviceToken(['rs:read', 'rs:write']);
    for (const title of ['one', 'two', 'three']) {
      expect((await rs.call('POST', `${api}/documents`, { token: writer, body: { title, content: '' } })).status).to.equal(201);
    }
    const page = await rs.call('GET', `${api}/documents?page=1&size=2`, { token: writer });
    expect(page.status).to.equal(200);
    const body = page.json as { items: { title: string }[]; page: number; size: number; total: number };
    expect(body).to.include({ page: 1, size: 2, total: 3 });
    expect(body.items.map((item) => item.title)).to.deep.equal(['three']);
    expectProblem(await rs.call('POST', `${api}/documents`, { token: writer, body: { title: '', content: 'x' } }), 400);
    expectProblem(await rs.call('POST', `${api}/documents`, { token: writer, body: { title: 't', content: 'x', extra: 1 } }), 400);
    expectProblem(await rs.call('GET', `${api}/documents/not-a-uuid`, { token: writer }), 400);
    expectProblem(await rs.call('GET', `${api}/documents?size=101`, { token: writer }), 400);
  });

  it('refuses a token from another issuer and a token for another audience with 401', async () => {
    const stranger = await createTestIssuer();
    try {
      const foreign = await stranger.serviceToken({ clientId: 'tester', audience: AUDIENCE, scopes: ['rs:read'] });
      expectProblem(await rs.call('GET', `${api}/documents`, { token: foreign }), 401);
    } finally {
      await stranger.close();
    }
    const elsewhere = await rs.issuer.serviceToken({ clientId: 'tester', audience: 'urn:cryptoutil:learn-ps', scopes: ['rs:read'] });
    const refused = expectProblem(await rs.call('GET', `${api}/documents`, { token: elsewhere }), 401);
    expect(refused.detail).to.equal(`the token is meant for another audience: request one with resource=${AUDIENCE}`);
  });

  it('echoes the principal of a bearer service token, whatever its scopes', async () => {
    const answer = await rs.call('GET', `${api}/principal`, { token: await rs.serviceToken([]) });
    expect(answer.status, answer.text).to.equal(200);
    const principal = answer.json as Record<string, unknown>;
    expect(principal).to.include({ sub: 'tester', clientId: 'tester', kind: 'service', tokenType: 'Bearer' });
    expect(principal.scopes).to.deep.equal([]);
    expect(principal).to.not.have.property('jkt');
    expect(Date.parse(String(principal.expiresAt))).to.be.greaterThan(Date.now());
  });

  it('echoes a user on /browser and refuses a user token on /service (403)', async () => {
    const token = await rs.userToken(['rs:write', 'rs:read']);
    const answer = await rs.call('GET', `${rs.service.publicUrl}/browser/api/v1/principal`, { token });
    expect(answer.status, answer.text).to.equal(200);
    expect(answer.json).to.include({ sub: 'alice', clientId: 'console', kind: 'browser', tokenType: 'Bearer' });
    expect((answer.json as { scopes: string[] }).scopes).to.deep.equal(['rs:read', 'rs:write']);
    expectProblem(await rs.call('GET', `${api}/principal`, { token }), 403);
  });

  it('takes a DPoP-bound token with a proof for the request, and refuses it without one or as Bearer (RFC 9449)', async () => {
    const key = await dpopKey();
    const token = await rs.issuer.serviceToken({ clientId: 'tester', audience: AUDIENCE, scopes: ['rs:read'], jkt: key.jkt });
    const url = `${api}/principal`;
    const answer = await rs.call('GET', url, { headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', url, token) } });
    expect(answer.status, answer.text).to.equal(200);
    expect(answer.json).to.include({ tokenType: 'DPoP', jkt: key.jkt, sub: 'tester' });

    const without = await rs.call('GET', url, { headers: { authorization: `DPoP ${token}` } });
    expectProblem(without, 401);
    expect(without.headers['www-authenticate']).to.match(/^DPoP error="invalid_dpop_proof"/);
    const asBearer = await rs.call('GET', url, { token });
    expectProblem(asBearer, 401);
    expect(asBearer.headers['www-authenticate']).to.match(/^DPoP error="invalid_token"/);
    const otherKey = await dpopKey();
    expectProblem(await rs.call('GET', url, { headers: { authorization: `DPoP ${token}`, dpop: await otherKey.proof('GET', url, token) } }), 401);
    const documents = `${api}/documents`;
    expectProblem(await rs.call('GET', documents, { headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', url, token) } }), 401);
    const listed = await rs.call('GET', documents, { headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', documents, token) } });
    expect(listed.status, listed.text).to.equal(200);
  });

  it('treats a handler without a principal as a template bug (500), never as a caller', () => {
    const ctx = { state: {} } as unknown as OperationContext;
    expect(() => principalHandlers.getPrincipal?.(ctx)).to.throw(ProblemError).with.property('status', 500);
  });
});
