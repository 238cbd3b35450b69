/**
 * Documents on both engines (DESIGN "Data"): concurrent writers each get their own row, and a
 * document deleted by many callers at once is deleted exactly once (one guarded write decides).
 */
import { expect } from 'chai';
import { createPostgresDatabase, type Scratch } from '../template/testing/databases.ts';
import { startTestService, type ServiceHarness } from '../template/testing/service-harness.ts';
import { identityRs } from './index.ts';

const ENGINES: readonly { readonly title: string; readonly database: () => Promise<Scratch | undefined> }[] = [
  { title: 'SQLite', database: () => Promise.resolve(undefined) },
  { title: 'PostgreSQL', database: createPostgresDatabase },
];

for (const engine of ENGINES) {
  describe(`identity-rs documents under concurrent requests on ${engine.title}`, function () {
    this.timeout(30_000);
    let scratch: Scratch | undefined;
    let rs: ServiceHarness;
    let api: string;
    let token: string;

    before(async () => {
      scratch = await engine.database();
      rs = await startTestService(scratch === undefined ? {} : { database: { url: scratch.url } }, undefined, identityRs);
      api = `${rs.service.publicUrl}/service/api/v1`;
      token = await rs.serviceToken(['rs:read', 'rs:write']);
    });
    after(async () => {
      await rs.close();
      await scratch?.drop();
    });

    it('stores 30 concurrent creations as 30 distinct documents', async () => {
      const answers = await Promise.all(Array.from({ length: 30 }, (_, index) =>
        rs.call('POST', `${api}/documents`, { token, body: { title: `doc ${String(index)}`, content: 'x' } })));
      expect(answers.map((answer) => answer.status)).to.deep.equal(Array.from({ length: 30 }, () => 201));
      const ids = new Set(answers.map((answer) => (answer.json as { id: string }).id));
      expect(ids.size).to.equal(30);
      const listed = await rs.call('GET', `${api}/documents?size=100`, { token });
      const page = listed.json as { items: { id: string }[]; total: number };
      expect(page.total).to.equal(30);
      expect(new Set(page.items.map((item) => item.id))).to.deep.equal(ids);
    });

    it('deletes a document once when 20 callers delete it at the same time: one 204, nineteen 404', async () => {
      const created = await rs.call('POST', `${api}/documents`, { token, body: { title: 'contested', content: '' } });
      const { id } = created.json as { id: string };
      const answers = await Promise.all(Array.from({ length: 20 }, () => rs.call('DELETE', `${api}/documents/${id}`, { token })));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 204)).to.have.length(1);
      expect(statuses.filter((status) => status === 404)).to.have.length(19);
    });
  });
}
