import { expect } from 'chai';
import { loadCatalog } from '../identity-authz/resources.ts';
import { createJa, joseJa } from './index.ts';
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
});
