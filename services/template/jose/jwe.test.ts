import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { CompactEncrypt, compactDecrypt, importJWK } from 'jose';
import { BadRequestError } from '../errors/index.ts';
import { encodeBase64url } from './base64url.ts';
import type { AlgorithmRow } from './contract.ts';
import { DecryptionFailedError } from './errors.ts';
import { decodeProtectedHeader } from './header.ts';
import { decrypt, encrypt } from './jwe.ts';
import { decryptNative, encryptNative, withUnwrappedKey, type JweParts } from './jwe-native.ts';
import { prepareKey } from './key-material.ts';
import type { PreparedKey } from './key-material.ts';
import { resolveSpec } from './table.ts';
import type { NativeJwe } from './table.ts';
import { rowsOf, testKey, testMaterial } from './testing/fixtures.ts';

const PLAINTEXT = Buffer.from('{"secret":"attack at dawn"}');

async function refused(key: PreparedKey, jwe: string, context?: string): Promise<string> {
  try {
    await decrypt(key, jwe, context);
  } catch (error) {
    expect(error).to.be.instanceOf(DecryptionFailedError);
    expect((error as DecryptionFailedError).status).to.equal(400);
    return 'refused';
  }
  return 'decrypted';
}

/** The JWE with one character of part `index` changed to another base64url character. */
function tampered(jwe: string, index: number): string {
  const parts = jwe.split('.');
  const part = parts[index] ?? '';
  const at = Math.floor(part.length / 2);
  const replacement = part[at] === 'A' ? 'B' : 'A';
  parts[index] = part.length === 0 ? 'AAAA' : `${part.slice(0, at)}${replacement}${part.slice(at + 1)}`;
  return parts.join('.');
}

function nativeOf(name: string): NativeJwe {
  const spec = resolveSpec(name);
  if (spec.use !== 'enc' || spec.native === undefined) throw new Error(`${name} is not native`);
  return spec.native;
}

function headerOf(fields: Record<string, unknown>): string {
  return encodeBase64url(Buffer.from(JSON.stringify(fields)));
}

describe('sm-kms JWE (RFC 7516 compact, RFC 7518 §4–5)', () => {
  const rows: readonly AlgorithmRow[] = rowsOf('enc');

  it('round-trips every JWE row, with and without context, and jose decrypts what we make', async () => {
    for (const row of rows) {
      const { key, material } = await testKey(row.name, `kid/${row.name}`);
      const withContext = await encrypt(key, PLAINTEXT, 'tenant=42');
      const without = await encrypt(key, new Uint8Array(0));
      expect(Buffer.from(await decrypt(key, withContext, 'tenant=42')), row.name).to.deep.equal(PLAINTEXT);
      expect(Buffer.from(await decrypt(key, without)), row.name).to.deep.equal(Buffer.alloc(0));
      const header = decodeProtectedHeader(withContext.split('.')[0] ?? '');
      expect(header, row.name).to.include({ alg: row.alg, enc: row.enc, kid: `kid/${row.name}`, ctx: 'tenant=42' });
      expect(decodeProtectedHeader(without.split('.')[0] ?? ''), row.name).to.not.have.property('ctx');
      const theirs = await compactDecrypt(withContext, await importJWK(material.privateJwk, row.alg));
      expect(Buffer.from(theirs.plaintext), row.name).to.deep.equal(PLAINTEXT);
      expect(theirs.protectedHeader.ctx).to.equal('tenant=42');
    }
  });

  it('decrypts what jose makes with the same key, for every JWE row', async () => {
    for (const row of rows) {
      const { key, material } = await testKey(row.name, 'jose-kid');
      const encryptingJwk = material.publicJwk ?? material.privateJwk;
      const jwe = await new CompactEncrypt(PLAINTEXT)
        .setProtectedHeader({ alg: row.alg, enc: row.enc ?? '', kid: 'jose-kid', ctx: 'c' })
        .encrypt(await importJWK(encryptingJwk, row.alg));
      expect(Buffer.from(await decrypt(key, jwe, 'c')), row.name).to.deep.equal(PLAINTEXT);
      expect(await refused(key, jwe), row.name).to.equal('refused');
    }
  });

  it('builds the native compact form exactly: header {alg, enc, kid, ctx}, key wrap, 96-bit IV, 128-bit tag', async () => {
    const sizes: Record<string, number> = { 'A128GCM/dir': 0, 'A256GCM/dir': 0, 'A128GCM/A128KW': 24, 'A192GCM/A192KW': 32, 'A256GCM/A256KW': 40, 'A128GCM/A256KW': 24 };
    for (const [name, wrappedBytes] of Object.entries(sizes)) {
      const { key } = await testKey(name, 'n1');
      const row = resolveSpec(name);
      const parts = (await encrypt(key, PLAINTEXT, 'x')).split('.');
      expect(parts, name).to.have.length(5);
      expect(Buffer.from(parts[0] ?? '', 'base64url').toString(), name).to.equal(JSON.stringify({ alg: row.alg, enc: row.enc, kid: 'n1', ctx: 'x' }));
      expect(parts.slice(1).map((part) => Buffer.from(part, 'base64url').length), name).to.deep.equal([wrappedBytes, 12, PLAINTEXT.length, 16]);
      const noContext = (await encrypt(key, PLAINTEXT)).split('.')[0] ?? '';
      expect(Buffer.from(noContext, 'base64url').toString(), name).to.equal(JSON.stringify({ alg: row.alg, enc: row.enc, kid: 'n1' }));
    }
  });

  it('runs the native rows in line and the others through jose (WebCrypto, a later event-loop turn)', async () => {
    // An in-line operation settles within a few microtasks; a WebCrypto job cannot settle before the
    // event loop turns. Draining microtasks alone therefore tells the two paths apart.
    const settlesInLine = async (operation: Promise<unknown>): Promise<boolean> => {
      let done = false;
      const settled = operation.then(() => {
        done = true;
      });
      for (let tick = 0; tick < 10; tick += 1) await new Promise<void>((resolve) => { queueMicrotask(resolve); });
      const inLine = done;
      await settled;
      return inLine;
    };
    for (const [name, native] of [['A256GCM/A256KW', true], ['A128GCM/dir', true], ['A256GCM/A256GCMKW', false], ['A128CBC-HS256/dir', false]] as const) {
      const { key } = await testKey(name);
      const jwe = await encrypt(key, PLAINTEXT);
      expect([await settlesInLine(encrypt(key, PLAINTEXT)), await settlesInLine(decrypt(key, jwe))], name).to.deep.equal([native, native]);
    }
  });

  it('uses a fresh IV and content key for every message', async () => {
    const { key } = await testKey('A256GCM/A256KW');
    const [a, b] = [(await encrypt(key, PLAINTEXT)).split('.'), (await encrypt(key, PLAINTEXT)).split('.')];
    expect([a[1] === b[1], a[2] === b[2], a[3] === b[3]]).to.deep.equal([false, false, false]);
  });

  it('refuses a JWE with any part tampered, on the native and the jose paths', async () => {
    for (const name of ['A256GCM/A256KW', 'A128GCM/dir', 'A256CBC-HS512/dir', 'A256GCM/A256GCMKW', 'A256GCM/ECDH-ES+A256KW', 'A128CBC-HS256/RSA-OAEP-256']) {
      const { key } = await testKey(name, 'k');
      const jwe = await encrypt(key, PLAINTEXT, 'ctx');
      for (let index = 0; index < 5; index += 1) {
        expect(await refused(key, tampered(jwe, index), 'ctx'), `${name} part ${String(index)}`).to.equal('refused');
      }
    }
  });

  it('refuses a header that is not this key: other kid, alg or enc', async () => {
    const row = resolveSpec('A256GCM/A256KW');
    const material = await testMaterial(row, 'mine');
    const key = prepareKey(row, material);
    const jwe = await encrypt(key, PLAINTEXT);
    expect(await refused(prepareKey(row, { ...material, kid: 'other' }), jwe)).to.equal('refused');
    expect(await refused(prepareKey(resolveSpec('A128GCM/A256KW'), material), await encrypt(key, PLAINTEXT))).to.equal('refused');
    const other = prepareKey(resolveSpec('A256GCM/A256GCMKW'), material);
    expect(await refused(other, jwe)).to.equal('refused');
    expect(await refused(key, await encrypt(other, PLAINTEXT))).to.equal('refused');
  });

  it('binds the context: missing, different or unexpected context is refused', async () => {
    for (const name of ['A256GCM/A256KW', 'A192CBC-HS384/ECDH-ES']) {
      const { key } = await testKey(name);
      const bound = await encrypt(key, PLAINTEXT, 'ctx-1');
      const unbound = await encrypt(key, PLAINTEXT);
      expect(await refused(key, bound), name).to.equal('refused');
      expect(await refused(key, bound, 'ctx-2'), name).to.equal('refused');
      expect(await refused(key, bound, ''), name).to.equal('refused');
      expect(await refused(key, unbound, 'ctx-1'), name).to.equal('refused');
      expect(await refused(key, unbound, ''), name).to.equal('refused');
      expect(await refused(key, bound, 'ctx-1'), name).to.equal('decrypted');
      expect(Buffer.from(await decrypt(key, await encrypt(key, PLAINTEXT, ''), ''))).to.deep.equal(PLAINTEXT);
    }
  });

  it('zeroes the content key drawn from the random pool once the JWE is made, and only that buffer', async () => {
    const { key } = await testKey('A256GCM/A256KW', 'wipe');
    const drawn: Buffer[] = [];
    const watched = (count: number): Buffer => { const octets = randomBytes(count); drawn.push(octets); return octets; };
    const jwe = encryptNative(nativeOf('A256GCM/A256KW'), key.secretOrPublic, headerOf({ alg: 'A256KW', enc: 'A256GCM', kid: 'wipe' }), PLAINTEXT, watched);
    const [cek, iv] = drawn;
    expect(drawn.map((octets) => octets.length)).to.deep.equal([32, 12]);
    expect(cek?.equals(Buffer.alloc(32))).to.equal(true);
    // The IV is public and went out in the JWE as drawn.
    expect(encodeBase64url(iv ?? Buffer.alloc(0))).to.equal(jwe.split('.')[2]);
    expect(Buffer.from(await decrypt(key, jwe))).to.deep.equal(PLAINTEXT);
  });

  it('zeroes an unwrapped content key after use, also when its use throws', async () => {
    const { key } = await testKey('A128GCM/A128KW', 'unwrap');
    const jwe = encryptNative(nativeOf('A128GCM/A128KW'), key.secretOrPublic, headerOf({ alg: 'A128KW', enc: 'A128GCM', kid: 'unwrap' }), PLAINTEXT);
    const encryptedKey = Buffer.from(jwe.split('.')[1] ?? '', 'base64url');
    const seen: Buffer[] = [];
    expect(withUnwrappedKey('id-aes128-wrap', key.secretOrPrivate, encryptedKey, (cek) => { seen.push(cek); return cek.length; })).to.equal(16);
    expect(() => withUnwrappedKey('id-aes128-wrap', key.secretOrPrivate, encryptedKey, (cek) => { seen.push(cek); throw new Error('tag'); })).to.throw('tag');
    expect(seen.map((cek) => cek.equals(Buffer.alloc(16)))).to.deep.equal([true, true]);
  });

  it('decryptNative itself refuses a part that is not base64url with DecryptionFailedError', async () => {
    const { key } = await testKey('A256GCM/dir', 'b64');
    const parts = encryptNative(nativeOf('A256GCM/dir'), key.secretOrPublic, headerOf({ alg: 'dir', enc: 'A256GCM', kid: 'b64' }), PLAINTEXT).split('.');
    const broken = [parts[0], parts[1], parts[2], '!!', parts[4]] as unknown as JweParts;
    expect(() => decryptNative(nativeOf('A256GCM/dir'), key.secretOrPrivate, broken)).to.throw(DecryptionFailedError);
  });

  it('draws only the IV for dir, under the material key itself', async () => {
    const { key } = await testKey('A256GCM/dir', 'dir');
    const drawn: Buffer[] = [];
    const jwe = encryptNative(nativeOf('A256GCM/dir'), key.secretOrPublic, headerOf({ alg: 'dir', enc: 'A256GCM', kid: 'dir' }), PLAINTEXT, (count) => { const octets = randomBytes(count); drawn.push(octets); return octets; });
    expect(drawn.map((octets) => encodeBase64url(octets))).to.deep.equal([jwe.split('.')[2]]);
    expect(jwe.split('.')[1]).to.equal('');
    expect(Buffer.from(await decrypt(key, jwe))).to.deep.equal(PLAINTEXT);
  });

  it('refuses headers we never make (zip, crit) and anything but five parts', async () => {
    const { key } = await testKey('A256GCM/A256KW', 'z');
    const native = nativeOf('A256GCM/A256KW');
    const base = { alg: 'A256KW', enc: 'A256GCM', kid: 'z' };
    expect(await refused(key, encryptNative(native, key.secretOrPublic, headerOf(base), PLAINTEXT))).to.equal('decrypted');
    expect(await refused(key, encryptNative(native, key.secretOrPublic, headerOf({ ...base, zip: 'DEF' }), PLAINTEXT))).to.equal('refused');
    expect(await refused(key, encryptNative(native, key.secretOrPublic, headerOf({ ...base, crit: ['exp'], exp: 1 }), PLAINTEXT))).to.equal('refused');
    const jwe = await encrypt(key, PLAINTEXT);
    for (const text of ['', jwe.split('.').slice(0, 4).join('.'), `${jwe}.x`, `!!.${jwe.split('.').slice(1).join('.')}`]) {
      expect(await refused(key, text), text).to.equal('refused');
    }
  });

  it('refuses malformed native parts: wrapped key length, IV, tag, encoding, failed unwrap', async () => {
    const { key } = await testKey('A256GCM/A256KW', 'm');
    const { key: direct } = await testKey('A256GCM/dir', 'm');
    const parts = (await encrypt(key, PLAINTEXT)).split('.');
    const directParts = (await encrypt(direct, PLAINTEXT)).split('.');
    const swap = (source: readonly string[], index: number, value: string) => source.map((part, at) => (at === index ? value : part)).join('.');
    const cases: (readonly [PreparedKey, string])[] = [
      [key, swap(parts, 1, encodeBase64url(randomBytes(32)))],
      [key, swap(parts, 1, encodeBase64url(randomBytes(40)))],
      [key, swap(parts, 1, '')],
      [key, swap(parts, 2, encodeBase64url(randomBytes(11)))],
      [key, swap(parts, 2, encodeBase64url(randomBytes(16)))],
      [key, swap(parts, 4, encodeBase64url(randomBytes(15)))],
      [key, swap(parts, 4, `${parts[4] ?? ''}A`)],
      [key, swap(parts, 3, `${parts[3] ?? ''}=`)],
      [key, swap(parts, 2, `${parts[2] ?? ''}=`)],
      [direct, swap(directParts, 1, encodeBase64url(randomBytes(40)))],
      // A truncated tag is a prefix of the right one: node would accept it without the length check.
      [key, swap(parts, 4, encodeBase64url(Buffer.from(parts[4] ?? '', 'base64url').subarray(0, 4)))],
      [key, swap(parts, 4, encodeBase64url(Buffer.from(parts[4] ?? '', 'base64url').subarray(0, 12)))],
    ];
    for (const [which, text] of cases) expect(await refused(which, text), text).to.equal('refused');
    expect(await refused(direct, directParts.join('.'))).to.equal('decrypted');
  });

  it('will not encrypt or decrypt with a signature row', async () => {
    const { key } = await testKey('ES256');
    for (const action of [() => encrypt(key, PLAINTEXT), () => decrypt(key, 'a.b.c.d.e')]) {
      try {
        await action();
        expect.fail('used a signing key');
      } catch (error) {
        expect(error).to.be.instanceOf(BadRequestError);
        expect((error as BadRequestError).message).to.equal('ES256 is a signature algorithm; it cannot encrypt or decrypt');
      }
    }
  });
});
