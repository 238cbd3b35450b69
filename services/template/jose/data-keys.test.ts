import { createPrivateKey } from 'node:crypto';
import { expect } from 'chai';
import { compactDecrypt, importJWK } from 'jose';
import type { JWK } from 'jose';
import { BadRequestError } from '../errors/index.ts';
import type { DataKeySpec } from './contract.ts';
import { DATA_KEY_SPECS, dataKeyShape, generateDataKey, parseDataKeySpec } from './data-keys.ts';
import { decrypt } from './jwe.ts';
import { testKey } from './testing/fixtures.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function badRequest(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(BadRequestError);
    return (error as BadRequestError).message;
  }
  return 'no error';
}

describe('sm-kms data keys (generate)', () => {
  it('lists the specs of the contract, in order, frozen', () => {
    expect(DATA_KEY_SPECS).to.deep.equal(['oct/128', 'oct/192', 'oct/256', 'oct/512', 'EC/P-256', 'EC/P-384', 'EC/P-521', 'RSA/2048', 'RSA/3072', 'RSA/4096', 'OKP/Ed25519']);
    expect(Object.isFrozen(DATA_KEY_SPECS)).to.equal(true);
  });

  it('maps every spec to the key shape it generates', () => {
    const shapes = DATA_KEY_SPECS.map((spec) => ({ ...dataKeyShape(spec) }));
    const oct = (bits: number) => ({ kty: 'oct', crv: '', bits, minBits: bits, maxBits: bits });
    const rsa = (bits: number) => ({ kty: 'RSA', crv: '', bits, minBits: bits, maxBits: bits });
    const curve = (kty: string, crv: string) => ({ kty, crv, bits: 0, minBits: 0, maxBits: 0 });
    expect(shapes).to.deep.equal([
      oct(128), oct(192), oct(256), oct(512), curve('EC', 'P-256'), curve('EC', 'P-384'), curve('EC', 'P-521'), rsa(2048), rsa(3072), rsa(4096), curve('OKP', 'Ed25519'),
    ]);
  });

  it('parses exactly the listed specs', () => {
    for (const spec of DATA_KEY_SPECS) expect(parseDataKeySpec(spec)).to.equal(spec);
    for (const text of ['', 'oct/64', 'oct', 'EC/P-256 ', 'ec/p-256', 'RSA/1024', 'OKP/Ed448', 'constructor', '__proto__', 'toString']) {
      expect(badRequest(() => parseDataKeySpec(text)), text).to.equal(
        `unsupported data key spec ${JSON.stringify(text)}; expected one of oct/128, oct/192, oct/256, oct/512, EC/P-256, EC/P-384, EC/P-521, RSA/2048, RSA/3072, RSA/4096, OKP/Ed25519`,
      );
    }
  });

  it('returns the data key only wrapped by the elastic key, with a fresh UUIDv7 kid and the public JWK beside it', async () => {
    const { key, material } = await testKey('A256GCM/A256KW', 'wrapping-kid');
    const expected: Partial<Record<DataKeySpec, { members: string[]; bytes?: number }>> = {
      'oct/128': { members: ['k', 'kid', 'kty'], bytes: 16 },
      'oct/512': { members: ['k', 'kid', 'kty'], bytes: 64 },
      'EC/P-384': { members: ['crv', 'd', 'kid', 'kty', 'x', 'y'] },
      'OKP/Ed25519': { members: ['crv', 'd', 'kid', 'kty', 'x'] },
      'RSA/2048': { members: ['d', 'dp', 'dq', 'e', 'kid', 'kty', 'n', 'p', 'q', 'qi'], bytes: 256 },
    };
    const kids = new Set<string>();
    for (const [spec, want] of Object.entries(expected) as [DataKeySpec, { members: string[]; bytes?: number }][]) {
      const generated = await generateDataKey(key, spec);
      const jwk = JSON.parse(Buffer.from(await decrypt(key, generated.wrapped)).toString('utf8')) as JWK;
      expect(Object.keys(jwk).sort(), spec).to.deep.equal(want.members);
      expect(jwk.kid, spec).to.match(UUID_V7);
      kids.add(jwk.kid ?? '');
      expect(jwk.kty, spec).to.equal(dataKeyShape(spec).kty);
      if (want.bytes !== undefined) expect(Buffer.from(jwk.k ?? jwk.n ?? '', 'base64url').length, spec).to.equal(want.bytes);
      if (jwk.crv !== undefined) expect(jwk.crv, spec).to.equal(dataKeyShape(spec).crv);
      expect(generated.wrapped.split('.')[0], spec).to.equal(Buffer.from(JSON.stringify({ alg: 'A256KW', enc: 'A256GCM', kid: 'wrapping-kid' })).toString('base64url'));
      const byJose = await compactDecrypt(generated.wrapped, await importJWK(material.privateJwk, 'A256KW'));
      expect(JSON.parse(Buffer.from(byJose.plaintext).toString('utf8'))).to.deep.equal(jwk);
      if (jwk.kty === 'oct') {
        expect(generated, spec).to.deep.equal({ wrapped: generated.wrapped });
      } else {
        const publicPart = Object.fromEntries(Object.entries(jwk).filter(([member]) => !['d', 'p', 'q', 'dp', 'dq', 'qi'].includes(member)));
        expect(generated.publicJwk, spec).to.deep.equal(publicPart);
        expect(createPrivateKey({ key: jwk, format: 'jwk' }).type).to.equal('private');
      }
    }
    expect(kids.size).to.equal(5);
  });

  it('refuses a signature key as the wrapping key', async () => {
    const { key } = await testKey('ES256');
    try {
      await generateDataKey(key, 'oct/256');
      expect.fail('wrapped with a signing key');
    } catch (error) {
      expect(error).to.be.instanceOf(BadRequestError);
      expect((error as BadRequestError).message).to.equal('ES256 is a signature algorithm; it cannot encrypt or decrypt');
    }
  });
});
