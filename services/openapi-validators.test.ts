import { expect } from 'chai';
import { services } from './registry.ts';
import { listOperations, loadOpenApiDocument } from './template/openapi/document.ts';
import { compileRequestValidator } from './template/openapi/validate.ts';

/**
 * A service compiles an operation's request validator at the operation's first request, not at
 * start (template/openapi/router.ts). A schema Ajv's strict mode refuses is found here instead, for
 * every operation of every service, before it could turn a first request into a 500.
 */
describe('request validators of every service document', () => {
  it('compile for every operation', async () => {
    let compiled = 0;
    for (const service of services) {
      for (const operation of listOperations(await loadOpenApiDocument(service.openapi))) {
        expect(() => compileRequestValidator(operation), `${service.name} ${operation.operationId}`).not.to.throw();
        compiled += 1;
      }
    }
    expect(compiled).to.be.greaterThan(50);
  });
});
