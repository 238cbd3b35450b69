import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { JWK } from 'jose';
import { BadRequestError, InternalError } from '../errors/index.ts';
import { generateKeyMaterial, importKeyMaterial, prepareKey } from './key-material.ts';
import { resolveAlgorithm } from './table.ts';
import { testRsaJwk } from './testing/fixtures.ts';

function bytesOf(text: unknown): number {
  return Buffer.from(String(text), 'base64url').length;
}

function ecJwk(crv: 'P-256' | 'P-384' | 'P-521'): JWK {
  return generateKeyPairSync('ec', { namedCurve: crv }).privateKey.export({ format: 'jwk' });
}

function edJwk(): JWK {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
}

function octJwk(bytes: number): JWK {
  return { kty: 'oct', k: randomBytes(bytes).toString('base64url') };
}

async function importDetail(name: string, jwk: unknown): Promise<string> {
  try {
    await importKeyMaterial(resolveAlgorithm(name), jwk, 'kid-x');
  } catch (error) {
    expect(error).to.be.instanceOf(BadRequestError);
    expect((error as BadRequestError).status).to.equal(400);
    return (error as BadRequestError).message;
  }
  return 'imported';
}

describe('sm-kms key material', () => {
  describe('generateKeyMaterial', () => {
    it('makes oct keys of exactly the size alg or enc needs, with kid and alg and no public part', async () => {
      const sizes: Record<string, number> = {
        'A128GCM/dir': 16, 'A192GCM/dir': 24, 'A256GCM/dir': 32, 'A128CBC-HS256/dir': 32, 'A192CBC-HS384/dir': 48, 'A256CBC-HS512/dir': 64,
        'A256GCM/A128KW': 16, 'A128GCM/A192KW': 24, 'A128GCM/A256KW': 32, 'A256GCM/A128GCMKW': 16, 'A256GCM/A192GCMKW': 24, 'A256GCM/A256GCMKW': 32,
        HS256: 32, HS384: 48, HS512: 64,
      };
      for (const [name, bytes] of Object.entries(sizes)) {
        const row = resolveAlgorithm(name);
        const material = await generateKeyMaterial(row, 'k-1');
        expect(Object.keys(material).sort(), name).to.deep.equal(['kid', 'privateJwk']);
        expect(material.kid).to.equal('k-1');
        expect(Object.keys(material.privateJwk).sort(), name).to.deep.equal(['alg', 'k', 'kid', 'kty']);
        expect(material.privateJwk, name).to.include({ kty: 'oct', kid: 'k-1', alg: row.alg });
        expect(bytesOf(material.privateJwk.k), name).to.equal(bytes);
      }
    });

    it('makes EC and OKP keys on the row curve, the public JWK without d', async () => {
      const curves: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521', 'A256GCM/ECDH-ES': 'P-256', 'A128CBC-HS256/ECDH-ES+A128KW': 'P-256', EdDSA: 'Ed25519' };
      for (const [name, crv] of Object.entries(curves)) {
        const row = resolveAlgorithm(name);
        const material = await generateKeyMaterial(row, 'k-2');
        expect(material.privateJwk, name).to.include({ kty: row.kty, crv, kid: 'k-2', alg: row.alg });
        expect(material.privateJwk.d, name).to.be.a('string');
        expect(material.publicJwk, name).to.include({ kty: row.kty, crv, kid: 'k-2', alg: row.alg, x: material.privateJwk.x });
        expect(material.publicJwk, name).to.not.have.property('d');
      }
    });

    it('makes RSA keys of 3072 bits with exponent 65537', async () => {
      const material = await generateKeyMaterial(resolveAlgorithm('PS256'), 'k-3');
      expect(bytesOf(material.privateJwk.n)).to.equal(384);
      expect(material.privateJwk).to.include({ kty: 'RSA', e: 'AQAB', kid: 'k-3', alg: 'PS256' });
      expect(Object.keys(material.publicJwk ?? {}).sort()).to.deep.equal(['alg', 'e', 'kid', 'kty', 'n']);
    });
  });

  describe('importKeyMaterial', () => {
    it('accepts a JWK of the row, keeps only standard members and sets kid and alg', async () => {
      const ec = { ...ecJwk('P-256'), use: 'sig', key_ops: ['sign', 'verify'], alg: 'ES256', kid: 'theirs', x5c: ['x'], ext: true };
      const material = await importKeyMaterial(resolveAlgorithm('ES256'), ec, 'ours');
      expect(material.privateJwk).to.deep.equal({ kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y, d: ec.d, kid: 'ours', alg: 'ES256' });
      expect(material.publicJwk).to.deep.equal({ kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y, kid: 'ours', alg: 'ES256' });

      const secret = { ...octJwk(32), use: 'enc', key_ops: ['wrapKey', 'unwrapKey', 'encrypt', 'decrypt', 'deriveKey', 'deriveBits'] };
      expect(await importKeyMaterial(resolveAlgorithm('A256GCM/A256KW'), secret, 's1')).to.deep.equal({ kid: 's1', privateJwk: { kty: 'oct', k: secret.k, kid: 's1', alg: 'A256KW' } });

      const rsa = testRsaJwk();
      const imported = await importKeyMaterial(resolveAlgorithm('A256GCM/RSA-OAEP-256'), rsa, 'r1');
      expect(imported.privateJwk).to.deep.equal({ ...rsa, kid: 'r1', alg: 'RSA-OAEP-256' });
      expect(imported.publicJwk).to.deep.equal({ kty: 'RSA', n: rsa.n, e: rsa.e, kid: 'r1', alg: 'RSA-OAEP-256' });

      for (const [name, crv] of [['ES384', 'P-384'], ['ES512', 'P-521'], ['A128GCM/ECDH-ES', 'P-256']] as const) {
        const jwk = ecJwk(crv);
        expect((await importKeyMaterial(resolveAlgorithm(name), jwk, 'c1')).privateJwk, name).to.deep.equal({ ...jwk, kid: 'c1', alg: resolveAlgorithm(name).alg });
      }

      const ed = edJwk();
      expect((await importKeyMaterial(resolveAlgorithm('EdDSA'), ed, 'e1')).publicJwk).to.deep.equal({ kty: 'OKP', crv: 'Ed25519', x: ed.x, kid: 'e1', alg: 'EdDSA' });
    });

    it('accepts HMAC keys from the hash length up to the block size', async () => {
      for (const [name, bytes] of [['HS256', 32], ['HS256', 64], ['HS384', 48], ['HS384', 128], ['HS512', 64], ['HS512', 128]] as const) {
        expect(bytesOf((await importKeyMaterial(resolveAlgorithm(name), octJwk(bytes), 'h')).privateJwk.k), name).to.equal(bytes);
      }
    });

    it('refuses what is not a JSON object', async () => {
      for (const jwk of [null, undefined, [], 'jwk', 5, true]) {
        expect(await importDetail('ES256', jwk)).to.equal('the JWK must be a JSON object');
      }
    });

    it('refuses a kty, use, alg or key_ops that contradict the row', async () => {
      expect(await importDetail('ES256', octJwk(32))).to.equal('the JWK kty must be "EC" for ES256');
      expect(await importDetail('A256GCM/dir', ecJwk('P-256'))).to.equal('the JWK kty must be "oct" for A256GCM/dir');
      expect(await importDetail('ES256', { ...ecJwk('P-256'), use: 'enc' })).to.equal('the JWK use contradicts ES256, which needs "sig"');
      expect(await importDetail('A256GCM/A256KW', { ...octJwk(32), use: 'sig' })).to.equal('the JWK use contradicts A256GCM/A256KW, which needs "enc"');
      expect(await importDetail('ES256', { ...ecJwk('P-256'), alg: 'ES384' })).to.equal('the JWK alg contradicts ES256, which needs "ES256"');
      expect(await importDetail('A256GCM/A256KW', { ...octJwk(32), alg: 'A256GCM' })).to.equal('the JWK alg contradicts A256GCM/A256KW, which needs "A256KW"');
      const sigOps = 'the JWK key_ops contradict ES256, which allows sign, verify';
      expect(await importDetail('ES256', { ...ecJwk('P-256'), key_ops: ['sign', 'encrypt'] })).to.equal(sigOps);
      expect(await importDetail('ES256', { ...ecJwk('P-256'), key_ops: 'sign' })).to.equal(sigOps);
      expect(await importDetail('ES256', { ...ecJwk('P-256'), key_ops: [1] })).to.equal(sigOps);
      expect(await importDetail('A256GCM/dir', { ...octJwk(32), key_ops: ['sign'] })).to.equal(
        'the JWK key_ops contradict A256GCM/dir, which allows encrypt, decrypt, wrapKey, unwrapKey, deriveKey, deriveBits',
      );
    });

    it('names the missing private member, never a value', async () => {
      const rsa = testRsaJwk();
      for (const member of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi']) {
        expect(await importDetail('RS256', { ...rsa, [member]: undefined }), member).to.equal(`the JWK lacks its private member "${member}"`);
      }
      expect(await importDetail('RS256', { ...rsa, qi: '' })).to.equal('the JWK lacks its private member "qi"');
      expect(await importDetail('RS256', { ...rsa, dq: 5 })).to.equal('the JWK lacks its private member "dq"');
      const ec = ecJwk('P-256');
      for (const member of ['crv', 'x', 'y', 'd']) {
        expect(await importDetail('ES256', { ...ec, [member]: undefined }), member).to.equal(`the JWK lacks its private member "${member}"`);
      }
      expect(await importDetail('EdDSA', { ...edJwk(), d: undefined })).to.equal('the JWK lacks its private member "d"');
      expect(await importDetail('EdDSA', { ...edJwk(), x: undefined })).to.equal('the JWK lacks its private member "x"');
      expect(await importDetail('HS256', { kty: 'oct' })).to.equal('the JWK lacks its private member "k"');
      expect(await importDetail('HS256', { kty: 'oct', k: '' })).to.equal('the JWK lacks its private member "k"');
    });

    it('refuses a curve other than the row curve', async () => {
      expect(await importDetail('ES256', ecJwk('P-384'))).to.equal('the JWK crv must be "P-256" for ES256');
      expect(await importDetail('ES512', ecJwk('P-256'))).to.equal('the JWK crv must be "P-521" for ES512');
      expect(await importDetail('A256GCM/ECDH-ES', ecJwk('P-521'))).to.equal('the JWK crv must be "P-256" for A256GCM/ECDH-ES');
      expect(await importDetail('EdDSA', { ...edJwk(), crv: 'Ed448' })).to.equal('the JWK crv must be "Ed25519" for EdDSA');
    });

    it('refuses members node cannot parse', async () => {
      expect(await importDetail('HS256', { kty: 'oct', k: 'a+b/' })).to.equal('the JWK is not a valid oct private key');
      expect(await importDetail('HS256', { kty: 'oct', k: 'AB' })).to.equal('the JWK is not a valid oct private key');
      expect(await importDetail('ES256', { ...ecJwk('P-256'), d: 'AAAA' })).to.equal('the JWK is not a valid EC private key');
      expect(await importDetail('ES256', { ...ecJwk('P-256'), x: 'AAAA', d: 'AAAA' })).to.equal('the JWK is not a valid EC private key');
      expect(await importDetail('EdDSA', { ...edJwk(), d: 'AAAA' })).to.equal('the JWK is not a valid OKP private key');
      expect(await importDetail('RS256', { ...testRsaJwk(), n: 'AAAA' })).to.equal('the JWK is not a valid RSA private key');
    });

    it('refuses keys of the wrong size', async () => {
      expect(await importDetail('A256GCM/A256KW', octJwk(16))).to.equal('the JWK key size must be 256 bits for A256GCM/A256KW');
      expect(await importDetail('A256GCM/A256KW', octJwk(33))).to.equal('the JWK key size must be 256 bits for A256GCM/A256KW');
      expect(await importDetail('A256CBC-HS512/dir', octJwk(32))).to.equal('the JWK key size must be 512 bits for A256CBC-HS512/dir');
      expect(await importDetail('HS256', octJwk(31))).to.equal('the JWK key size must be 256 to 512 bits for HS256');
      expect(await importDetail('HS256', octJwk(65))).to.equal('the JWK key size must be 256 to 512 bits for HS256');
      expect(await importDetail('HS512', octJwk(129))).to.equal('the JWK key size must be 512 to 1024 bits for HS512');
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
      expect(await importDetail('RS256', small)).to.equal('the JWK key size must be 2048 to 4096 bits for RS256');
    });

    it('refuses public members that do not belong to the private key (pairwise consistency)', async () => {
      const mismatch = 'the JWK public members do not match its private key';
      const [a, b] = [ecJwk('P-384'), ecJwk('P-384')];
      expect(await importDetail('ES384', { ...a, x: b.x, y: b.y })).to.equal(mismatch);
      expect(await importDetail('ES384', { ...a, d: b.d })).to.equal(mismatch);
      expect(await importDetail('EdDSA', { ...edJwk(), x: edJwk().x })).to.equal(mismatch);
      const rsa = testRsaJwk();
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
        expect(await importDetail('RS256', { ...rsa, [member]: other[member as keyof JWK] }), member).to.equal(mismatch);
      }
      expect(await importDetail('RS256', { ...rsa, e: 'Aw' })).to.equal(mismatch);
      expect(await importDetail('RS256', { ...rsa, n: other.n })).to.equal(mismatch);
      // d' = d + (q − 1) keeps dq and d'·e ≡ 1 (mod q − 1); dp recomputed from d' no longer inverts e mod p − 1.
      const big = (member: string | undefined) => BigInt(`0x${Buffer.from(member ?? '', 'base64url').toString('hex')}`);
      const b64 = (value: bigint) => Buffer.from(value.toString(16).padStart(2 * Math.ceil(value.toString(16).length / 2), '0'), 'hex').toString('base64url');
      const shifted = big(rsa.d) + big(rsa.q) - 1n;
      expect(await importDetail('RS256', { ...rsa, d: b64(shifted), dp: b64(shifted % (big(rsa.p) - 1n)) })).to.equal(mismatch);
      expect(await importDetail('RS256', { ...rsa, p: 'AQ' })).to.equal(mismatch);
      // p = 1 with q = n keeps n = p·q but makes λ(n) zero: the check must fail closed, not throw.
      expect(await importDetail('RS256', { ...rsa, p: 'AQ', q: rsa.n })).to.equal('the JWK is not a valid RSA private key');
    });

    it('never echoes key material in a detail', async () => {
      const jwk = { ...testRsaJwk(), qi: 'AAAA' };
      const detail = await importDetail('RS256', jwk);
      for (const member of ['n', 'd', 'p', 'q', 'qi'] as const) expect(detail).to.not.include(jwk[member]);
    });

    it('refuses an unknown row before looking at the JWK', async () => {
      try {
        await importKeyMaterial({ name: 'nope', use: 'sig', kty: 'oct', alg: 'nope' }, octJwk(32), 'k');
        expect.fail('imported');
      } catch (error) {
        expect(error).to.have.property('message', 'unsupported algorithm: "nope"');
      }
    });
  });

  describe('prepareKey', () => {
    it('parses oct material into one secret KeyObject used both ways', async () => {
      const row = resolveAlgorithm('HS256');
      const key = prepareKey(row, await generateKeyMaterial(row, 'p1'));
      expect([key.row, key.kid, key.secretOrPrivate.type, key.secretOrPublic]).to.deep.equal([row, 'p1', 'secret', key.secretOrPrivate]);
    });

    it('parses asymmetric material into its private and public KeyObjects', async () => {
      const row = resolveAlgorithm('ES384');
      const key = prepareKey(row, await generateKeyMaterial(row, 'p2'));
      expect([key.kid, key.secretOrPrivate.type, key.secretOrPublic.type, key.secretOrPublic.asymmetricKeyType]).to.deep.equal(['p2', 'private', 'public', 'ec']);
    });

    it('treats material that does not fit its row as corrupt storage (500)', async () => {
      const hs = await generateKeyMaterial(resolveAlgorithm('HS256'), 'p3');
      const es = await generateKeyMaterial(resolveAlgorithm('ES256'), 'p4');
      const cases = [
        ['ES256', hs, 'material key p3 does not fit ES256'],
        ['EdDSA', es, 'material key p4 does not fit EdDSA'],
        ['HS256', { ...hs, privateJwk: { ...hs.privateJwk, k: '' } }, 'material key p3 does not fit HS256'],
        ['ES256', { ...es, privateJwk: { ...es.privateJwk, x: 'AAAA' } }, 'material key p4 does not fit ES256'],
      ] as const;
      for (const [name, material, message] of cases) {
        try {
          prepareKey(resolveAlgorithm(name), material);
          expect.fail('prepared');
        } catch (error) {
          expect(error, message).to.be.instanceOf(InternalError);
          expect((error as InternalError).status).to.equal(500);
          expect(((error as InternalError).cause as Error).message).to.equal(message);
        }
      }
    });
  });
});
