import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { CompactSign, compactVerify, importJWK } from 'jose';
import { BadRequestError } from '../errors/index.ts';
import { encodeBase64url } from './base64url.ts';
import { sign, verify } from './jws.ts';
import { prepareKey } from './key-material.ts';
import { resolveAlgorithm } from './table.ts';
import { rowsOf, testKey, testMaterial } from './testing/fixtures.ts';

const PAYLOAD = Buffer.from('{"iss":"sm-kms","n":1}');

function swapPart(jws: string, index: number, value: string): string {
  return jws.split('.').map((part, at) => (at === index ? value : part)).join('.');
}

function tampered(jws: string, index: number): string {
  const part = jws.split('.')[index] ?? '';
  const at = Math.floor(part.length / 2);
  return swapPart(jws, index, `${part.slice(0, at)}${part[at] === 'A' ? 'B' : 'A'}${part.slice(at + 1)}`);
}

/** RFC 7518 §3: signature octets per alg (RSA with the 2048-bit test key). */
const SIGNATURE_BYTES: Record<string, number> = {
  HS256: 32, HS384: 48, HS512: 64, RS256: 256, RS384: 256, RS512: 256, PS256: 256, PS384: 256, PS512: 256, ES256: 64, ES384: 96, ES512: 132, EdDSA: 64,
};

describe('sm-kms JWS (RFC 7515 compact, RFC 7518 §3)', () => {
  const rows = rowsOf('sig');

  it('signs with header {alg, kid}, verifies, and jose verifies what we sign, for every JWS row', async () => {
    for (const row of rows) {
      const { key, material } = await testKey(row.name, 'sig-kid');
      const jws = await sign(key, PAYLOAD);
      const [header, payload, signature] = jws.split('.');
      expect(Buffer.from(header ?? '', 'base64url').toString(), row.name).to.equal(JSON.stringify({ alg: row.alg, kid: 'sig-kid' }));
      expect(payload).to.equal(encodeBase64url(PAYLOAD));
      expect(Buffer.from(signature ?? '', 'base64url').length, row.name).to.equal(SIGNATURE_BYTES[row.name]);
      expect(await verify(key, jws), row.name).to.equal(true);
      const theirs = await compactVerify(jws, await importJWK(material.publicJwk ?? material.privateJwk, row.alg));
      expect(Buffer.from(theirs.payload), row.name).to.deep.equal(PAYLOAD);
    }
  });

  it('verifies what jose signs with the same key, and refuses it under another kid', async () => {
    for (const row of rows) {
      const { key, material } = await testKey(row.name, 'jose-kid');
      const signingKey = await importJWK(material.privateJwk, row.alg);
      const jws = await new CompactSign(PAYLOAD).setProtectedHeader({ alg: row.alg, kid: 'jose-kid' }).sign(signingKey);
      expect(await verify(key, jws), row.name).to.equal(true);
      const other = await new CompactSign(PAYLOAD).setProtectedHeader({ alg: row.alg, kid: 'someone-else' }).sign(signingKey);
      expect(await verify(key, other), row.name).to.equal(false);
    }
  });

  it('adds typ and cty to the protected header after alg and kid, and still verifies (RFC 7515 §4.1.9, §4.1.10)', async () => {
    const { key, material } = await testKey('ES256', 'typed');
    const jws = await sign(key, PAYLOAD, { typ: 'at+jwt', cty: 'JWT' });
    expect(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString()).to.equal('{"alg":"ES256","kid":"typed","typ":"at+jwt","cty":"JWT"}');
    expect(await verify(key, jws)).to.equal(true);
    const theirs = await compactVerify(jws, await importJWK(material.publicJwk ?? {}, 'ES256'));
    expect(theirs.protectedHeader).to.deep.equal({ alg: 'ES256', kid: 'typed', typ: 'at+jwt', cty: 'JWT' });
  });

  it('is deterministic where the algorithm is (HS, RS, EdDSA) and randomized where it is not (ES, PS)', async () => {
    const deterministic: Record<string, boolean> = { HS256: true, RS256: true, EdDSA: true, ES256: false, PS256: false };
    for (const [name, expected] of Object.entries(deterministic)) {
      const { key } = await testKey(name);
      expect((await sign(key, PAYLOAD)) === (await sign(key, PAYLOAD)), name).to.equal(expected);
    }
  });

  it('signs RSA on the libuv pool and the fast algorithms in line', async () => {
    // A pool job can only complete on a later event-loop turn; an in-line signature resolves within
    // a few microtasks. Draining microtasks alone therefore tells the two apart deterministically.
    for (const [name, offloaded] of [['RS256', true], ['PS384', true], ['ES256', false], ['EdDSA', false], ['HS512', false]] as const) {
      const { key } = await testKey(name);
      let done = false;
      const signing = sign(key, PAYLOAD).then(() => {
        done = true;
      });
      for (let tick = 0; tick < 10; tick += 1) await new Promise<void>((resolve) => { queueMicrotask(resolve); });
      expect(done, name).to.equal(!offloaded);
      await signing;
    }
  });

  it('returns false for any tampered part, on every row', async () => {
    for (const row of rows) {
      const { key } = await testKey(row.name);
      const jws = await sign(key, PAYLOAD);
      for (let index = 0; index < 3; index += 1) expect(await verify(key, tampered(jws, index)), `${row.name} part ${String(index)}`).to.equal(false);
    }
  });

  it('returns false for another alg or kid in the header, or a crit extension', async () => {
    const material = await testMaterial(resolveAlgorithm('HS256'), 'h');
    const hs256 = prepareKey(resolveAlgorithm('HS256'), material);
    const hs384 = prepareKey(resolveAlgorithm('HS384'), material);
    expect(await verify(hs384, await sign(hs256, PAYLOAD))).to.equal(false);
    expect(await verify(hs256, await sign(hs384, PAYLOAD))).to.equal(false);
    expect(await verify(prepareKey(resolveAlgorithm('HS256'), { ...material, kid: 'g' }), await sign(hs256, PAYLOAD))).to.equal(false);
    const signed = (header: object) => {
      const input = `${encodeBase64url(Buffer.from(JSON.stringify(header)))}.${encodeBase64url(PAYLOAD)}`;
      return `${input}.${encodeBase64url(createHmac('sha256', hs256.secretOrPrivate).update(input).digest())}`;
    };
    expect(await verify(hs256, signed({ alg: 'HS256', kid: 'h' }))).to.equal(true);
    expect(await verify(hs256, signed({ alg: 'HS256', kid: 'h', crit: ['exp'], exp: 1 }))).to.equal(false);
    expect(await verify(hs256, signed({ alg: 'HS256' }))).to.equal(false);
    expect(await verify(hs256, signed({ kid: 'h' }))).to.equal(false);
  });

  it('returns false for malformed compact text: part count, header, encodings, signature length', async () => {
    for (const name of ['HS256', 'ES256', 'EdDSA', 'RS256']) {
      const { key } = await testKey(name);
      const jws = await sign(key, PAYLOAD);
      const [header = '', payload = '', signature = ''] = jws.split('.');
      const cases = [
        '', `${header}.${payload}`, `${jws}.x`, swapPart(jws, 0, '!!'), swapPart(jws, 0, encodeBase64url(Buffer.from('[]'))),
        swapPart(jws, 1, `${payload}=`), swapPart(jws, 2, `${signature}=`), swapPart(jws, 2, signature.slice(0, -4)), swapPart(jws, 2, `${signature}AAAA`), swapPart(jws, 2, ''),
      ];
      for (const text of cases) expect(await verify(key, text), `${name} ${text}`).to.equal(false);
    }
  });

  it('will not sign or verify with an encryption row', async () => {
    const { key } = await testKey('A256GCM/A256KW');
    for (const action of [() => sign(key, PAYLOAD), () => verify(key, 'a.b.c')]) {
      try {
        await action();
        expect.fail('used an encryption key');
      } catch (error) {
        expect(error).to.be.instanceOf(BadRequestError);
        expect((error as BadRequestError).message).to.equal('A256GCM/A256KW is an encryption algorithm; it cannot sign or verify');
      }
    }
  });
});
