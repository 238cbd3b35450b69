import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPostgresDatabase, type Scratch } from '../template/testing/databases.ts';
import { startPkiCa, type PkiHarness } from './testing/harness.ts';

async function unsealThroughAdmin(pki: PkiHarness): Promise<void> {
  const token = (await readFile(join(pki.harness.dataDir, 'admin.token'), 'utf8')).trim();
  for (const share of pki.shares.slice(0, 3)) {
    const answer = await pki.harness.call('POST', `${pki.harness.service.adminUrl}/admin/v1/unseal`, { token, body: { share } });
    expect(answer.status, answer.text).to.equal(200);
  }
}

describe('pki-ca: two processes on one PostgreSQL database, started sealed, unsealed through the admin endpoint', function () {
  this.timeout(20_000);
  let scratch: Scratch;
  const processes: PkiHarness[] = [];

  before(async () => {
    scratch = await createPostgresDatabase();
    const first = await startPkiCa({ databaseUrl: scratch.url, sealed: true });
    processes.push(first, await startPkiCa({ databaseUrl: scratch.url, sealed: true, shares: first.shares }));
  });
  after(async () => {
    for (const pki of processes) await pki.close();
    await scratch.drop();
  });

  it('answers 503 and is not ready while sealed', async () => {
    for (const pki of processes) {
      expect((await pki.api('GET', '/cas')).status).to.equal(503);
      expect((await pki.harness.call('GET', `${pki.harness.service.adminUrl}/admin/v1/readyz`)).status).to.equal(503);
    }
  });

  it('bootstraps one hierarchy when both are unsealed at once, and both issue under it', async () => {
    await Promise.all(processes.map((pki) => unsealThroughAdmin(pki)));
    const lists = await Promise.all(processes.map(async (pki) => (await pki.api('GET', '/cas')).json as { items: { id: string; name: string }[] }));
    expect(lists[0]?.items.map((ca) => ca.name)).to.deep.equal(['root', 'intermediate', 'default']);
    expect(lists[1]?.items).to.deep.equal(lists[0]?.items);
    for (const pki of processes) {
      const ready = await pki.harness.call('GET', `${pki.harness.service.adminUrl}/admin/v1/readyz`);
      expect(ready.status, ready.text).to.equal(200);
      const created = await pki.api('POST', '/cas', { body: { name: `team-${String(processes.indexOf(pki))}` } });
      expect(created.status, created.text).to.equal(201);
    }
  });
});
