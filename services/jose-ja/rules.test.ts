import { expect } from 'chai';
import { loadConfig } from '../template/config/index.ts';
import { UsageError } from '../template/errors/index.ts';
import { checkDeclared, joseSchema } from './config.ts';
import { publicBaseUrl } from './context.ts';
import * as ports from './ports.ts';
import { checkKeySetInput, KEY_SET_ALGORITHMS } from './rules.ts';

const good = { name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 };

function configWith(keySets: unknown): () => unknown {
  return () => loadConfig({ serviceName: 'jose-ja', publicPort: 8280, serviceSchema: joseSchema, files: [], env: {}, overrides: { jose: { keySets } } });
}

describe('key set rules (contract "Key sets")', () => {
  it('offers exactly the asymmetric rows: JWS RS/PS/ES/EdDSA and JWE RSA-OAEP and ECDH-ES', () => {
    expect(KEY_SET_ALGORITHMS).to.include.members(['ES256', 'PS512', 'RS256', 'EdDSA', 'A256GCM/RSA-OAEP-256', 'A256GCM/ECDH-ES+A256KW', 'A128CBC-HS256/ECDH-ES']);
    expect(KEY_SET_ALGORITHMS).to.not.include.members(['HS256', 'A256GCM/dir', 'A256GCM/A256KW', 'A256GCM/A256GCMKW']);
  });

  it('accepts a valid set and names the first problem of an invalid one', () => {
    expect(checkKeySetInput(good)).to.equal(undefined);
    expect(checkKeySetInput({ ...good, use: 'enc', alg: 'A256GCM/ECDH-ES', pairedWith: 'tokens', issuer: 'https://x', tokenType: 'at+jwt' })).to.equal(undefined);
    const cases: readonly [unknown, RegExp][] = [
      [null, /object/],
      [[good], /object/],
      [{ ...good, name: '-x' }, /^name/],
      [{ ...good, name: 'a'.repeat(64) }, /^name/],
      [{ ...good, use: 'both' }, /^use/],
      [{ ...good, alg: 'HS256' }, /^alg must be one of/],
      [{ ...good, alg: 'A256GCM/RSA-OAEP' }, /not an algorithm for the set's use/],
      [{ ...good, rotationDays: 3651 }, /^rotationDays/],
      [{ ...good, rotationDays: 1.5 }, /^rotationDays/],
      [{ ...good, retentionDays: 0 }, /^retentionDays/],
      [{ ...good, issuer: '' }, /non-empty/],
      [{ ...good, tokenType: 7 }, /non-empty/],
      [{ ...good, pairedWith: 'other' }, /only for enc sets/],
    ];
    for (const [input, problem] of cases) expect(checkKeySetInput(input), JSON.stringify(input)).to.match(problem);
  });

  it('jose.keySets takes a list of valid, distinct sets, else start-up stops naming the entry', () => {
    expect(configWith([good, { ...good, name: 'other' }])()).to.have.nested.property('jose.keySets').with.length(2);
    expect(configWith({ name: 'tokens' })).to.throw(UsageError, /jose\.keySets/);
    expect(configWith([good, { ...good, alg: 'HS256' }])).to.throw(UsageError, /entry 1: alg/);
    expect(configWith([good, good])).to.throw(UsageError, /entry 1: the name tokens is declared twice/);
  });

  it('checks a declared list on its own too, and refuses anything but a list', () => {
    expect(() => { checkDeclared('tokens'); }).to.throw(/must be a list/);
    expect(() => { checkDeclared([]); }).to.not.throw();
  });

  it('issuers and JWKS URLs use jose.publicUrl when set (no trailing slash), else the listener', () => {
    expect(publicBaseUrl('https://ja.example/', () => 'https://127.0.0.1:1')()).to.equal('https://ja.example');
    expect(publicBaseUrl('', () => 'https://127.0.0.1:1')()).to.equal('https://127.0.0.1:1');
  });

  it('the ports between key sets and operations are types only: nothing runs in them', () => {
    expect(Object.keys(ports)).to.deep.equal([]);
  });
});
