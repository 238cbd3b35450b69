import { expect } from 'chai';
import { BadRequestError } from '../errors/index.ts';
import { decodeProtectedHeader, isJsonObject, readJoseHeader } from './header.ts';

function part(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function jwe(header: unknown): string {
  return `${part(header)}.a.b.c.d`;
}

function detailOf(compact: string): string {
  try {
    readJoseHeader(compact);
  } catch (error) {
    expect(error).to.be.instanceOf(BadRequestError);
    expect((error as BadRequestError).status).to.equal(400);
    return (error as BadRequestError).message;
  }
  return 'no error';
}

describe('readJoseHeader (RFC 7516 §7.1, RFC 7515 §7.1)', () => {
  it('reads kid, alg, enc and ctx of a compact JWE', () => {
    expect(readJoseHeader(jwe({ alg: 'A256KW', enc: 'A256GCM', kid: 'k1', ctx: 'tenant=7' }))).to.deep.equal({ kid: 'k1', alg: 'A256KW', enc: 'A256GCM', ctx: 'tenant=7' });
    expect(readJoseHeader(jwe({ alg: 'dir', enc: 'A128GCM', kid: 'k2', other: 1 }))).to.deep.equal({ kid: 'k2', alg: 'dir', enc: 'A128GCM' });
    expect(readJoseHeader(jwe({ alg: 'dir', enc: 'A128GCM', kid: 'k2', ctx: '' }))).to.deep.equal({ kid: 'k2', alg: 'dir', enc: 'A128GCM', ctx: '' });
  });

  it('reads kid and alg of a compact JWS and ignores enc and ctx there', () => {
    expect(readJoseHeader(`${part({ alg: 'ES256', kid: 's1', enc: 5, ctx: 5 })}.e30.c2ln`)).to.deep.equal({ kid: 's1', alg: 'ES256' });
  });

  it('refuses anything but 3 or 5 parts', () => {
    for (const compact of ['', 'a', 'a.b', 'a.b.c.d', 'a.b.c.d.e.f']) {
      expect(detailOf(compact), compact).to.equal('the JOSE object must be a compact JWE (5 parts) or JWS (3 parts)');
    }
  });

  it('refuses a header that is not base64url JSON of an object', () => {
    const notObject = 'the JOSE protected header is not a base64url-encoded JSON object';
    for (const header of ['', '!!', Buffer.from('{').toString('base64url'), part([1]), part(null), part('x'), part(3), `${part({ kid: 'k', alg: 'a' })}=`]) {
      expect(detailOf(`${header}.b.c`), header).to.equal(notObject);
    }
  });

  it('names the missing kid, alg or enc, and a ctx that is not a string', () => {
    expect(detailOf(jwe({ alg: 'dir', enc: 'A128GCM' }))).to.equal('the JOSE protected header has no kid');
    expect(detailOf(jwe({ alg: 'dir', enc: 'A128GCM', kid: '' }))).to.equal('the JOSE protected header has no kid');
    expect(detailOf(jwe({ alg: 'dir', enc: 'A128GCM', kid: 7 }))).to.equal('the JOSE protected header has no kid');
    expect(detailOf(jwe({ enc: 'A128GCM', kid: 'k' }))).to.equal('the JOSE protected header has no alg');
    expect(detailOf(jwe({ alg: '', enc: 'A128GCM', kid: 'k' }))).to.equal('the JOSE protected header has no alg');
    expect(detailOf(jwe({ alg: 'dir', kid: 'k' }))).to.equal('the JWE protected header has no enc');
    expect(detailOf(jwe({ alg: 'dir', enc: '', kid: 'k' }))).to.equal('the JWE protected header has no enc');
    expect(detailOf(jwe({ alg: 'dir', enc: 'A128GCM', kid: 'k', ctx: 1 }))).to.equal('the JWE ctx header must be a string');
    expect(detailOf(jwe({ alg: 'dir', enc: 'A128GCM', kid: 'k', ctx: null }))).to.equal('the JWE ctx header must be a string');
  });

  it('decodeProtectedHeader and isJsonObject agree on what an object is', () => {
    expect(decodeProtectedHeader(part({ a: 1 }))).to.deep.equal({ a: 1 });
    expect(decodeProtectedHeader(part([]))).to.equal(undefined);
    expect([isJsonObject({}), isJsonObject([]), isJsonObject(null), isJsonObject('x'), isJsonObject(undefined)]).to.deep.equal([true, false, false, false, false]);
  });
});
