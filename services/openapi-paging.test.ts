import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { services } from './registry.ts';
import { listOperations, parseOpenApiDocument } from './template/openapi/document.ts';

/**
 * A page number is multiplied by the page size into an SQL offset: without an upper bound,
 * `?page=1e300` passes validation as an integer and fails in the database (a 500). Every listing
 * of every service bounds it, so such a request is a 400 naming the parameter.
 */
describe('paging in every service document', () => {
  it('bounds every page parameter', async () => {
    let pages = 0;
    for (const service of services) {
      const document = parseOpenApiDocument(await readFile(service.openapi, 'utf8'), service.name);
      for (const operation of listOperations(document)) {
        const page = operation.parameters.find((parameter) => parameter.name === 'page' && parameter.in === 'query');
        if (page === undefined) continue;
        pages += 1;
        expect(page.schema, `${service.name} ${operation.operationId}`).to.include({ minimum: 0, maximum: 1_000_000 });
      }
    }
    expect(pages).to.be.greaterThan(5);
  });
});
