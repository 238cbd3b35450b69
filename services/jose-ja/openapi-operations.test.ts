import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { listOperations, parseOpenApiDocument } from '../template/openapi/document.ts';
import { compileRequestValidator } from '../template/openapi/validate.ts';
import { mergeDeep } from '../template/testing/service-harness.ts';

/** openapi.yaml with the operations fragment merged in, as the lead merges it once the handlers exist. */
async function mergedDocument(): Promise<string> {
  const base = parse(await readFile(new URL('./openapi.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
  const fragment = parse(await readFile(new URL('./openapi-operations.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
  return JSON.stringify(mergeDeep(base, fragment));
}

describe('the jose-ja document with its JOSE operations (contract "JOSE operations")', () => {
  it('loads, and every operation of the contract asks for its scope', async () => {
    const operations = listOperations(parseOpenApiDocument(await mergedDocument(), 'merged'));
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
    // The template's validator compiles every request schema, as it will at start.
    for (const operation of operations) expect(compileRequestValidator(operation)).to.be.a('function');
  });
});
