import { expect } from 'chai';
import { loadCatalog } from '../identity-authz/resources.ts';
import { createJa, joseJa, joseJaHandlers } from './index.ts';
import type { DeclaredKeySets } from './declared.ts';
import type { JaContext } from './context.ts';
import type { OperationContext } from '../template/service.ts';
import { startJoseJa, type JaHarness } from './testing/harness.ts';

interface KeySetBody {
  name: string;
  use: string;
  alg: string;
  issuer: string;
  tokenType: string;
  pairedWith: string | null;
  jwksUrl: string;
  keys: { kid: string; status: string; activatedAt: string | null; retiredAt: string | null; deleteAfter: string | null }[];
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('jose-ja: key sets and their JWKS through HTTPS with real tokens', function () {
  this.timeout(20_000);
  let ja: JaHarness;

  before(async () => { ja = await startJoseJa({ jose: { jwksMaxAgeSeconds: 2 } }); });
  after(async () => { await ja.close(); });

  it('refuses a runtime without a barrier', () => {
    expect(() => createJa({ config: { jose: {} } } as unknown as Parameters<typeof createJa>[0])).to.throw(/barrier: true/);
  });

  it('serves the operations it is given beside its own, each after the declared sets', async () => {
    const calls: string[] = [];
    const declared = { settle: () => { calls.push('settle'); return Promise.resolve(); } } as unknown as DeclaredKeySets;
    const handlers = joseJaHandlers({ ja: {} as JaContext, declared }, { issueJwt: () => { calls.push('issueJwt'); } });
    expect(Object.keys(handlers)).to.include.members(['createKeySet', 'rotateKeySet', 'issueJwt']);
    await handlers.issueJwt?.({} as OperationContext);
    expect(calls).to.deep.equal(['settle', 'issueJwt']);
  });

  it('declares what the template and cryptoutil up need, and the six scopes', async () => {
    expect(joseJa).to.include({ name: 'jose-ja', publicPort: 8280, upAdminPort: 9096, barrier: true });
    const catalog = await loadCatalog([joseJa]);
    expect(catalog.get('urn:cryptoutil:jose-ja')).to.include.members(['ja:admin', 'ja:read']);
  });

  it('creates a sig set with an active and a next key whose kids are RFC 7638 thumbprints', async () => {
    const created = await ja.api('POST', '/jwks', { body: { name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 } });
    expect(created.status, created.text).to.equal(201);
    const set = created.json as KeySetBody;
    expect(set).to.include({ name: 'tokens', use: 'sig', alg: 'ES256', tokenType: 'JWT', pairedWith: null });
    expect(set.issuer).to.equal(`${ja.harness.service.publicUrl}/jwks/tokens`);
    expect(set.jwksUrl).to.equal(`${ja.harness.service.publicUrl}/jwks/tokens/.well-known/jwks.json`);
    expect(set.keys.map((key) => key.status)).to.deep.equal(['active', 'next']);
    const jwks = await ja.open('GET', '/jwks/tokens/.well-known/jwks.json');
    expect(jwks.status).to.equal(200);
    const { keys } = jwks.json as { keys: Record<string, unknown>[] };
    expect(keys.map((key) => key.kid)).to.deep.equal(set.keys.map((key) => key.kid));
    for (const key of keys) {
      expect(key).to.include({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' });
      for (const member of PRIVATE_MEMBERS) expect(key).to.not.have.property(member);
    }
  });

  it('lists and gets sets', async () => {
    const list = await ja.api('GET', '/jwks?size=5');
    expect(list.status).to.equal(200);
    expect(list.json).to.deep.include({ page: 0, size: 5, total: 1 });
    const one = await ja.api('GET', '/jwks/tokens');
    expect((one.json as KeySetBody).name).to.equal('tokens');
  });

  it('serves the JWKS with Cache-Control max-age, a strong ETag and 304 on If-None-Match', async () => {
    const first = await ja.open('GET', '/jwks/tokens/.well-known/jwks.json');
    expect(first.headers['cache-control']).to.equal('public, max-age=2');
    expect(first.headers['content-type']).to.match(/^application\/json/);
    const etag = String(first.headers.etag);
    expect(etag).to.match(/^"[A-Za-z0-9_-]{43}"$/);
    const again = await ja.open('GET', '/jwks/tokens/.well-known/jwks.json', { 'if-none-match': etag });
    expect(again.status).to.equal(304);
    expect(again.text).to.equal('');
    expect(again.headers.etag).to.equal(etag);
    expect((await ja.open('GET', '/jwks/tokens/.well-known/jwks.json', { 'if-none-match': '"other"' })).status).to.equal(200);
    const head = await ja.open('HEAD', '/jwks/tokens/.well-known/jwks.json');
    expect([head.status, head.text]).to.deep.equal([200, '']);
  });

  it('rotation: 409 until the next key has been published for the max-age, then a new JWKS at once', async () => {
    const before = await ja.open('GET', '/jwks/tokens/.well-known/jwks.json');
    const early = await ja.api('POST', '/jwks/tokens/rotate');
    expect(early.status).to.equal(409);
    expect((early.json as { detail: string }).detail).to.contain('rotate from');
    ja.advance(2000);
    const rotated = await ja.api('POST', '/jwks/tokens/rotate', { body: {} });
    expect(rotated.status, rotated.text).to.equal(200);
    const set = rotated.json as KeySetBody;
    expect(set.keys.map((key) => key.status)).to.deep.equal(['active', 'next', 'retired']);
    const after = await ja.open('GET', '/jwks/tokens/.well-known/jwks.json', { 'if-none-match': String(before.headers.etag) });
    expect(after.status).to.equal(200);
    expect((after.json as { keys: { kid: string }[] }).keys.map((key) => key.kid)).to.deep.equal(set.keys.map((key) => key.kid));
    const immediate = await ja.api('POST', '/jwks/tokens/rotate', { body: { immediate: true } });
    expect(immediate.status).to.equal(200);
  });

  it('makes enc sets whose JWKS carries the key-management alg and use enc', async () => {
    const created = await ja.api('POST', '/jwks', { body: { name: 'sealed', use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 30, pairedWith: 'tokens' } });
    expect(created.status, created.text).to.equal(201);
    expect(created.json).to.include({ pairedWith: 'tokens' });
    const { keys } = (await ja.open('GET', '/jwks/sealed/.well-known/jwks.json')).json as { keys: Record<string, unknown>[] };
    for (const key of keys) expect(key).to.include({ kty: 'EC', use: 'enc', alg: 'ECDH-ES+A256KW' }).and.not.have.property('d');
  });

  it('refuses duplicates (409), symmetric or mismatched algorithms (400) and unknown pairings (404)', async () => {
    const body = { name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 };
    expect((await ja.api('POST', '/jwks', { body })).status).to.equal(409);
    expect((await ja.api('POST', '/jwks', { body: { ...body, name: 'hmac', alg: 'HS256' } })).status).to.equal(400);
    expect((await ja.api('POST', '/jwks', { body: { ...body, name: 'direct', use: 'enc', alg: 'A256GCM/dir' } })).status).to.equal(400);
    expect((await ja.api('POST', '/jwks', { body: { ...body, name: 'mixed', use: 'enc' } })).status).to.equal(400);
    expect((await ja.api('POST', '/jwks', { body: { ...body, name: 'days', rotationDays: 0 } })).status).to.equal(400);
    const lone = await ja.api('POST', '/jwks', { body: { ...body, name: 'lone', use: 'enc', alg: 'A256GCM/RSA-OAEP-256', pairedWith: 'nobody' } });
    expect(lone.status).to.equal(404);
  });

  it('attacker view: wrong scope 403, no token 401, path tricks 400, unknown set 404', async () => {
    const reader = await ja.token(['ja:read']);
    const create = await ja.api('POST', '/jwks', { token: reader, body: { name: 'sneaky', use: 'sig', alg: 'ES256', rotationDays: 1, retentionDays: 1 } });
    expect(create.status).to.equal(403);
    expect((await ja.api('POST', '/jwks/tokens/rotate', { token: reader })).status).to.equal(403);
    expect((await ja.api('DELETE', '/jwks/tokens', { token: reader })).status).to.equal(403);
    expect((await ja.api('GET', '/jwks/tokens/audit', { token: reader })).status).to.equal(403);
    expect((await ja.api('GET', '/jwks/tokens', { token: await ja.token(['ja:sign']) })).status).to.equal(403);
    expect((await ja.open('GET', '/service/api/v1/jwks')).status).to.equal(401);
    for (const path of ['/jwks/..%2F..%2Fetc/.well-known/jwks.json', '/jwks/UPPER/.well-known/jwks.json', '/jwks/a..b/.well-known/jwks.json', '/jwks/%ZZ/.well-known/jwks.json', '/jwks//.well-known/jwks.json']) {
      const answer = await ja.open('GET', path);
      expect(answer.status, path).to.equal(400);
      expect(answer.headers['content-type']).to.match(/^application\/problem\+json/);
    }
    expect((await ja.api('GET', '/jwks/..%2Ftokens')).status).to.equal(400);
    expect((await ja.open('GET', '/jwks/nobody/.well-known/jwks.json')).status).to.equal(404);
    expect((await ja.open('POST', '/jwks/tokens/.well-known/jwks.json')).status).to.not.equal(200);
  });

  it('never answers a private member anywhere', async () => {
    const answers = [await ja.api('GET', '/jwks'), await ja.api('GET', '/jwks/tokens'), await ja.api('GET', '/jwks/tokens/audit'), await ja.open('GET', '/jwks/tokens/.well-known/jwks.json')];
    for (const answer of answers) expect(answer.text).to.not.match(/"(d|p|q|dp|dq|qi|k)":/);
  });

  it('lists the audit trail newest first; deleting keeps it and the JWKS of a deleted set is 404', async () => {
    const audit = await ja.api('GET', '/jwks/tokens/audit?size=3');
    expect(audit.status).to.equal(200);
    const page = audit.json as { items: { action: string; outcome: string; detail: string | null; actor: { subject: string; clientId: string } }[]; total: number };
    expect(page.items.map((item) => [item.action, item.outcome])).to.deep.equal([['rotate', 'success'], ['rotate', 'success'], ['rotate', 'failure']]);
    expect(page.items[0]?.actor).to.deep.equal({ subject: 'tester', clientId: 'tester' });
    expect(page.items[2]?.detail).to.contain('rotate from');
    expect(page.total).to.equal(4);
    expect((await ja.api('DELETE', '/jwks/tokens')).status).to.equal(409);
    expect((await ja.api('DELETE', '/jwks/sealed')).status).to.equal(204);
    expect((await ja.open('GET', '/jwks/sealed/.well-known/jwks.json')).status).to.equal(404);
    expect((await ja.api('GET', '/jwks/sealed')).status).to.equal(404);
    expect((await ja.api('GET', '/jwks/sealed/audit')).status).to.equal(404);
  });
});
