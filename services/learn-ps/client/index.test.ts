import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { startLearnPs, type LearnPsHarness } from '../testing/harness.ts';
import { createLearnPsClient, httpsFetch } from './index.ts';

describe('learn-ps client SDK', () => {
  it('schema.gen.ts is what openapi-typescript generates from openapi.yaml today (regenerate when this fails)', async () => {
    const expected = COMMENT_HEADER + astToString(await openapiTS(new URL('../openapi.yaml', import.meta.url)));
    const current = await readFile(new URL('./schema.gen.ts', import.meta.url), 'utf8');
    expect(current).to.equal(expected);
  });

  describe('against the running service', () => {
    let ps: LearnPsHarness;
    before(async () => { ps = await startLearnPs(); });
    after(async () => { await ps.close(); });

    const client = async (api?: 'service' | 'browser') => {
      const token = api === 'browser'
        ? await ps.harness.issuer.userToken({ subject: 'alice', clientId: 'console', audience: 'urn:cryptoutil:learn-ps', scopes: ['pets:read', 'pets:write'] })
        : await ps.token();
      return createLearnPsClient({ baseUrl: ps.harness.service.publicUrl, token, ca: ps.harness.service.ca, ...(api === undefined ? {} : { api }) });
    };

    it('creates, reads and deletes a pet with typed calls', async () => {
      const sdk = await client();
      const created = await sdk.POST('/pets', { body: { name: 'Rex', species: 'dog', priceCents: 100, stock: 1 } });
      expect(created.response.status).to.equal(201);
      const id = created.data?.id ?? '';
      const read = await sdk.GET('/pets/{id}', { params: { path: { id } } });
      expect(read.data).to.include({ name: 'Rex', stock: 1 });
      const deleted = await sdk.DELETE('/pets/{id}', { params: { path: { id } } });
      expect(deleted.response.status).to.equal(204);
      const gone = await sdk.GET('/pets/{id}', { params: { path: { id } } });
      expect(gone.error).to.include({ status: 404 });
    });

    it('speaks the browser API with a user token', async () => {
      const sdk = await client('browser');
      const list = await sdk.GET('/pets', { params: { query: { size: 1 } } });
      expect(list.response.status).to.equal(200);
      expect(list.data).to.include({ size: 1 });
    });

    it('refuses a service whose certificate the given CA did not issue', async () => {
      const untrusted = await httpsFetch()(new Request(`${ps.harness.service.publicUrl}/openapi.json`)).then(() => undefined, (error: unknown) => error);
      // OpenSSL's verify error: the leaf's issuer is in no store this client trusts.
      expect(untrusted).to.have.property('code', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });
  });

  it('rejects when the connection fails', async () => {
    const refused = await httpsFetch()(new Request('https://127.0.0.1:1/')).then(() => undefined, (error: unknown) => error);
    expect(refused).to.have.property('code', 'ECONNREFUSED');
  });
});
