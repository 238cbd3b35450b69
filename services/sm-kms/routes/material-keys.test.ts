import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import { startSmKms, type KmsHarness } from '../testing/harness.ts';

interface MaterialKey { id: string; elasticKeyId: string; version: number; status: string; imported: boolean; publicJwk: Record<string, unknown> | null; createdAt: string; revokedAt: string | null }
interface Page<T> { items: T[]; total: number }

const MISSING = '01900000-0000-7000-8000-0000000000dd';
const PRIVATE_MEMBERS = ['d', 'k', 'p', 'q', 'dp', 'dq', 'qi'];

describe('sm-kms material keys API', () => {
  let kms: KmsHarness;
  before(async () => { kms = await startSmKms(); });
  after(async () => { await kms.close(); });


  it('rotates (201, next version) and lists versions newest first without private members', async () => {
    const id = await kms.createKey({ name: 'rot', algorithm: 'ES256' });
    const rotated = await kms.api('POST', `/elastickeys/${id}/materialkeys`);
    expect(rotated.status).to.equal(201);
    const second = rotated.json as MaterialKey;
    expect(Object.keys(second).sort()).to.deep.equal(['createdAt', 'elasticKeyId', 'id', 'imported', 'publicJwk', 'revokedAt', 'status', 'version']);
    expect(second).to.include({ elasticKeyId: id, version: 2, status: 'active', imported: false, revokedAt: null });
    expect(second.publicJwk).to.include({ kid: second.id, kty: 'EC', crv: 'P-256' });
    const list = (await kms.api('GET', `/elastickeys/${id}/materialkeys`)).json as Page<MaterialKey>;
    expect(list.items.map((material) => material.version)).to.deep.equal([2, 1]);
    for (const material of list.items) {
      for (const member of PRIVATE_MEMBERS) expect(material.publicJwk, member).to.not.have.property(member);
    }
    expect((await kms.api('GET', `/elastickeys/${id}/materialkeys/${second.id}`)).json).to.deep.equal(second);
  });

  it('an oct key shows no JWK at all', async () => {
    const id = await kms.createKey({ name: 'oct', algorithm: 'A128GCM/A128KW' });
    const [material] = ((await kms.api('GET', `/elastickeys/${id}/materialkeys`)).json as Page<MaterialKey>).items;
    expect(material?.publicJwk).to.equal(null);
  });

  it('revokes (200) once; a second revoke is 409; unknown versions are 404', async () => {
    const id = await kms.createKey({ name: 'rev', algorithm: 'HS256' });
    const [material] = ((await kms.api('GET', `/elastickeys/${id}/materialkeys`)).json as Page<MaterialKey>).items;
    const revoked = await kms.api('POST', `/elastickeys/${id}/materialkeys/${material?.id ?? ''}/revoke`);
    expect(revoked.status).to.equal(200);
    expect(revoked.json).to.include({ status: 'revoked' });
    expect((revoked.json as MaterialKey).revokedAt).to.be.a('string');
    expect((await kms.api('POST', `/elastickeys/${id}/materialkeys/${material?.id ?? ''}/revoke`)).status).to.equal(409);
    expect((await kms.api('POST', `/elastickeys/${id}/materialkeys/${MISSING}/revoke`)).status).to.equal(404);
    expect((await kms.api('GET', `/elastickeys/${id}/materialkeys/${MISSING}`)).status).to.equal(404);
    expect((await kms.api('GET', `/elastickeys/${MISSING}/materialkeys`)).status).to.equal(404);
    expect((await kms.api('GET', `/elastickeys/${id}/materialkeys/not-a-uuid`)).status).to.equal(400);
  });

  it('imports a JWK (201) only when importAllowed (else 409); a JWK of the wrong type is 400', async () => {
    const id = await kms.createKey({ name: 'imp', algorithm: 'EdDSA', importAllowed: true });
    expect(((await kms.api('GET', `/elastickeys/${id}/materialkeys`)).json as Page<MaterialKey>).total).to.equal(0);
    expect((await kms.api('POST', `/elastickeys/${id}/sign`, { body: 'x' })).status).to.equal(409);
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const imported = await kms.api('POST', `/elastickeys/${id}/import`, { body: { jwk } });
    expect(imported.status, imported.text).to.equal(201);
    expect(imported.json).to.include({ version: 1, imported: true });
    expect((imported.json as MaterialKey).publicJwk).to.include({ kty: 'OKP', crv: 'Ed25519', x: jwk.x });
    expect((imported.json as MaterialKey).publicJwk).to.not.have.property('d');
    expect((await kms.api('POST', `/elastickeys/${id}/sign`, { body: 'x' })).status).to.equal(200);
    expect((await kms.api('POST', `/elastickeys/${id}/import`, { body: { jwk: { kty: 'oct', k: 'AAAA' } } })).status).to.equal(400);
    expect((await kms.api('POST', `/elastickeys/${id}/import`, { body: {} })).status).to.equal(400);
    const closed = await kms.createKey({ name: 'closed', algorithm: 'EdDSA' });
    expect((await kms.api('POST', `/elastickeys/${closed}/import`, { body: { jwk } })).status).to.equal(409);
  });

  it('versioningAllowed false refuses a rotation once a version exists (409)', async () => {
    const id = await kms.createKey({ name: 'single', algorithm: 'HS256', versioningAllowed: false });
    const refused = await kms.api('POST', `/elastickeys/${id}/materialkeys`);
    expect(refused.status).to.equal(409);
    expect(refused.text).to.include('versioningAllowed');
  });

  it('each write needs kms:admin and each read kms:read (403)', async () => {
    const id = await kms.createKey({ name: 'scoped', algorithm: 'HS256', importAllowed: true });
    const rotated = (await kms.api('POST', `/elastickeys/${id}/materialkeys`)).json as MaterialKey;
    const reader = await kms.token(['kms:read']);
    const admin = await kms.token(['kms:admin']);
    expect((await kms.api('POST', `/elastickeys/${id}/materialkeys`, { token: reader })).status).to.equal(403);
    expect((await kms.api('POST', `/elastickeys/${id}/materialkeys/${rotated.id}/revoke`, { token: reader })).status).to.equal(403);
    expect((await kms.api('POST', `/elastickeys/${id}/import`, { token: reader, body: { jwk: { kty: 'oct' } } })).status).to.equal(403);
    expect((await kms.api('GET', `/elastickeys/${id}/materialkeys`, { token: admin })).status).to.equal(403);
    expect((await kms.api('GET', `/elastickeys/${id}/materialkeys/${rotated.id}`, { token: admin })).status).to.equal(403);
  });
});
