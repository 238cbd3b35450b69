import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { listOperations, parseOpenApiDocument } from '../template/openapi/document.ts';
import { compileRequestValidator } from '../template/openapi/validate.ts';

/** The document the service serves. */
async function document(): Promise<string> {
  return readFile(new URL('./openapi.yaml', import.meta.url), 'utf8');
}

describe('the jose-ja document (key sets and JOSE operations)', () => {
  it('loads, and every operation of the contract asks for its scope', async () => {
    const operations = listOperations(parseOpenApiDocument(await document(), 'openapi.yaml'));
    const scopes = Object.fromEntries(operations.map((operation) => [operation.operationId, operation.scopes]));
    expect(scopes).to.deep.equal({
      createKeySet: ['ja:admin'],
      listKeySets: ['ja:read'],
      getKeySet: ['ja:read'],
      deleteKeySet: ['ja:admin'],
      rotateKeySet: ['ja:admin'],
      listKeySetAudit: ['ja:admin'],
      issueJwt: ['ja:sign'],
      verifyJwt: ['ja:verify'],
      signPayload: ['ja:sign'],
      verifyPayload: ['ja:verify'],
      encryptPayload: ['ja:encrypt'],
      decryptPayload: ['ja:decrypt'],
    });
    const paths = Object.fromEntries(operations.map((operation) => [operation.operationId, `${operation.method} ${operation.path}`]));
    expect(paths).to.include({ issueJwt: 'POST /jwks/{name}/jwt', verifyJwt: 'POST /jwks/{name}/jwt/verify', decryptPayload: 'POST /jwks/{name}/decrypt' });
    // The template's validator compiles every request schema, as it will at each operation's first request.
    for (const operation of operations) expect(compileRequestValidator(operation)).to.be.a('function');
  });
});
