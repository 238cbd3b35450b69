import { expect } from 'chai';
import { startSmKms, type KmsHarness } from '../testing/harness.ts';

interface ElasticKey { id: string; name: string; status: string; deletionScheduledAt: string | null; updatedAt: string }
interface Page<T> { items: T[]; page: number; size: number; total: number }
interface Problem { status: number; code?: string; detail: string; type: string }

const MISSING = '01900000-0000-7000-8000-0000000000dd';

describe('sm-kms elastic keys API (DESIGN "Service APIs": sm-kms)', () => {
  let kms: KmsHarness;
  before(async () => { kms = await startSmKms(); });
  after(async () => { await kms.close(); });

  const create = async (body: Record<string, unknown>): Promise<ElasticKey> => {
    const answer = await kms.api('POST', '/elastickeys', { body });
    expect(answer.status, answer.text).to.equal(201);
    return answer.json as ElasticKey;
  };

  it('POST /elastickeys creates an active key with the documented shape and defaults (201)', async () => {
    const answer = await kms.api('POST', '/elastickeys', { body: { name: 'payments', algorithm: 'A256GCM/A256KW' } });
    expect(answer.status).to.equal(201);
    expect(answer.headers['content-type']).to.include('application/json');
    const key = answer.json as Record<string, unknown>;
    expect(Object.keys(key).sort()).to.deep.equal(['algorithm', 'autoRotate', 'createdAt', 'deletionScheduledAt', 'description', 'id', 'importAllowed', 'name', 'revokedMayDecrypt', 'revokedMayVerify', 'status', 'updatedAt', 'versioningAllowed']);
    expect(key).to.include({ name: 'payments', description: '', algorithm: 'A256GCM/A256KW', status: 'active', versioningAllowed: true, importAllowed: false, revokedMayDecrypt: true, revokedMayVerify: false, autoRotate: false, deletionScheduledAt: null });
    expect(key.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect((await kms.api('GET', `/elastickeys/${String(key.id)}`)).json).to.deep.equal(key);
  });

  it('rejects bad input with problem+json: unknown algorithm, extra or missing fields (400); duplicate name (409)', async () => {
    const unknown = await kms.api('POST', '/elastickeys', { body: { name: 'x', algorithm: 'A256GCM/ROT13' } });
    expect(unknown.status).to.equal(400);
    expect(unknown.headers['content-type']).to.include('application/problem+json');
    expect(unknown.text).to.include('algorithm');
    expect((await kms.api('POST', '/elastickeys', { body: { name: 'x', algorithm: 'ES256', extra: 1 } })).status).to.equal(400);
    expect((await kms.api('POST', '/elastickeys', { body: { algorithm: 'ES256' } })).status).to.equal(400);
    expect((await kms.api('POST', '/elastickeys', { body: { name: '', algorithm: 'ES256' } })).status).to.equal(400);
    await create({ name: 'twice', algorithm: 'HS256' });
    const duplicate = await kms.api('POST', '/elastickeys', { body: { name: 'twice', algorithm: 'HS256' } });
    expect(duplicate.status).to.equal(409);
    expect((duplicate.json as Problem).detail).to.equal('an elastic key with this name exists');
  });

  it('GET /elastickeys filters by name, algorithm and status and pages from 0', async () => {
    for (const name of ['f-a', 'f-b', 'f-c']) await create({ name, algorithm: 'HS512' });
    const first = await kms.api('GET', '/elastickeys?algorithm=HS512&page=0&size=2');
    expect(first.status).to.equal(200);
    const page = first.json as Page<ElasticKey>;
    expect(page).to.deep.include({ page: 0, size: 2, total: 3 });
    expect(page.items.map((key) => key.name)).to.deep.equal(['f-a', 'f-b']);
    expect(((await kms.api('GET', '/elastickeys?algorithm=HS512&page=1&size=2')).json as Page<ElasticKey>).items.map((key) => key.name)).to.deep.equal(['f-c']);
    expect(((await kms.api('GET', '/elastickeys?name=f-b')).json as Page<ElasticKey>).total).to.equal(1);
    expect(((await kms.api('GET', '/elastickeys?status=deleted')).json as Page<ElasticKey>).total).to.equal(0);
    expect((await kms.api('GET', '/elastickeys')).json).to.deep.include({ page: 0, size: 20 });
    for (const bad of ['size=0', 'size=101', 'page=-1', 'status=gone', 'algorithm=nope']) {
      expect((await kms.api('GET', `/elastickeys?${bad}`)).status, bad).to.equal(400);
    }
  });

  it('PUT changes policy and disables/enables; only active|disabled can be asked for', async () => {
    const key = await create({ name: 'put', algorithm: 'ES256' });
    const updated = await kms.api('PUT', `/elastickeys/${key.id}`, { body: { description: 'signing', revokedMayVerify: true, status: 'disabled' } });
    expect(updated.status).to.equal(200);
    expect(updated.json).to.include({ description: 'signing', revokedMayVerify: true, status: 'disabled' });
    expect((await kms.api('PUT', `/elastickeys/${key.id}`, { body: { status: 'active' } })).json).to.include({ status: 'active' });
    expect((await kms.api('PUT', `/elastickeys/${key.id}`, { body: { status: 'deleted' } })).status).to.equal(400);
    expect((await kms.api('PUT', `/elastickeys/${key.id}`, { body: {} })).status).to.equal(400);
    expect((await kms.api('PUT', `/elastickeys/${key.id}`, { body: { algorithm: 'HS256' } })).status).to.equal(400);
    expect((await kms.api('PUT', `/elastickeys/${MISSING}`, { body: { description: 'x' } })).status).to.equal(404);
  });

  it('DELETE schedules deletion (202, default 7 days); cancel-deletion lands on disabled; the table refuses the rest (409)', async () => {
    const key = await create({ name: 'del', algorithm: 'HS256' });
    const DAY = 86_400_000;
    // The service reads its clock while the request is in flight: between `before` and `after`, however long that takes.
    const before = Date.now();
    const scheduled = await kms.api('DELETE', `/elastickeys/${key.id}`);
    const after = Date.now();
    expect(scheduled.status).to.equal(202);
    const pending = scheduled.json as ElasticKey;
    expect(pending.status).to.equal('pending_deletion');
    expect(Date.parse(pending.deletionScheduledAt ?? '')).to.be.within(before + 7 * DAY, after + 7 * DAY);
    const again = await kms.api('DELETE', `/elastickeys/${key.id}?pendingDays=3`);
    expect(again.status).to.equal(409);
    expect((again.json as Problem).detail).to.include('pending_deletion');
    expect((await kms.api('PUT', `/elastickeys/${key.id}`, { body: { status: 'active' } })).status).to.equal(409);
    const cancelled = await kms.api('POST', `/elastickeys/${key.id}/cancel-deletion`);
    expect(cancelled.status).to.equal(200);
    expect(cancelled.json).to.include({ status: 'disabled', deletionScheduledAt: null });
    expect((await kms.api('POST', `/elastickeys/${key.id}/cancel-deletion`)).status).to.equal(409);
    const shortBefore = Date.now();
    const short = await kms.api('DELETE', `/elastickeys/${key.id}?pendingDays=1`);
    expect(Date.parse((short.json as ElasticKey).deletionScheduledAt ?? '')).to.be.within(shortBefore + DAY, Date.now() + DAY);
    for (const days of ['0', '31', 'x']) expect((await kms.api('DELETE', `/elastickeys/${key.id}?pendingDays=${days}`)).status, days).to.equal(400);
    expect((await kms.api('DELETE', `/elastickeys/${MISSING}`)).status).to.equal(404);
    expect((await kms.api('POST', `/elastickeys/${MISSING}/cancel-deletion`)).status).to.equal(404);
  });

  it('GET .../audit lists every state change newest first, with the actor, paged', async () => {
    const key = await create({ name: 'audited', algorithm: 'HS256' });
    await kms.api('PUT', `/elastickeys/${key.id}`, { body: { description: 'audited key' } });
    await kms.api('PUT', `/elastickeys/${key.id}`, { body: { status: 'disabled' } });
    await kms.api('DELETE', `/elastickeys/${key.id}`);
    const answer = await kms.api('GET', `/elastickeys/${key.id}/audit?size=2`);
    expect(answer.status).to.equal(200);
    const page = answer.json as Page<Record<string, unknown>>;
    expect(page.total).to.equal(4);
    expect(page.items.map((event) => event.action)).to.deep.equal(['schedule_deletion', 'disable']);
    expect(page.items[0]).to.deep.include({ elasticKeyId: key.id, materialKeyId: null, actor: { subject: 'tester', clientId: 'tester' }, fromStatus: 'disabled', toStatus: 'pending_deletion' });
    const last = (await kms.api('GET', `/elastickeys/${key.id}/audit?page=1&size=2`)).json as Page<Record<string, unknown>>;
    expect(last.items.map((event) => event.action)).to.deep.equal(['update', 'create']);
    expect(last.items[0]).to.deep.include({ fromStatus: null, toStatus: null });
    expect(last.items[1]).to.deep.include({ fromStatus: null, toStatus: 'active' });
    expect((await kms.api('GET', `/elastickeys/${MISSING}/audit`)).status).to.equal(404);
  });

  it('404 for an unknown key and 400 for an id that is not a UUID', async () => {
    expect((await kms.api('GET', `/elastickeys/${MISSING}`)).status).to.equal(404);
    expect((await kms.api('GET', '/elastickeys/not-a-uuid')).status).to.equal(400);
  });

  it('each operation needs its scope (403 without it): kms:admin writes, kms:read reads', async () => {
    const key = await create({ name: 'scoped', algorithm: 'HS256' });
    const reader = await kms.token(['kms:read']);
    const admin = await kms.token(['kms:admin']);
    const writes: [string, string, unknown][] = [
      ['POST', '/elastickeys', { name: 'nope', algorithm: 'HS256' }],
      ['PUT', `/elastickeys/${key.id}`, { description: 'x' }],
      ['DELETE', `/elastickeys/${key.id}`, undefined],
      ['POST', `/elastickeys/${key.id}/cancel-deletion`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const answer = await kms.api(method, path, { token: reader, ...(body === undefined ? {} : { body }) });
      expect(answer.status, `${method} ${path}`).to.equal(403);
    }
    for (const path of ['/elastickeys', `/elastickeys/${key.id}`, `/elastickeys/${key.id}/audit`]) {
      expect((await kms.api('GET', path, { token: admin })).status, path).to.equal(403);
      expect((await kms.api('GET', path, { token: reader })).status, path).to.equal(200);
    }
    expect((await kms.api('GET', '/elastickeys', { token: '' })).status).to.equal(401);
  });
});
