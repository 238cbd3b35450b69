// @ts-nocheck
import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { deriveHkdf } from './hkdf.ts';

// RFC 5869 §2.2-2.3 written out with HMAC alone, an independent check of the SHA-384/512 answers.
function referenceHkdf(hash: string, ikm: Buffer, salt: Buffer, info: Buffer, length: number): string {
  const prk = createHmac(hash, salt.length === 0 ? Buffer.alloc(createHmac(hash, '').digest().length) : salt).update(ikm).digest();
  let block = Buffer.alloc(0);
  let okm = Buffer.alloc(0);
  for (let counter = 1; okm.length < length; counter += 1) {
    block = createHmac(hash, prk).update(Buffer.concat([block, info, Buffer.from([counter])])).digest();
    okm = Buffer.concat([okm, block]);
  }
  return okm.subarray(0, length).toString('hex');
}

const IKM = Buffer.alloc(22, 0x0b);
const SALT = Buffer.from('000102030405060708090a0b0c', 'hex');
const INFO = Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex');

describe('HKDF known answers (RFC 5869)', () => {
  it('RFC 5869 A.1 (SHA-256, basic)', async () => {
    const okm = await deriveHkdf(IKM, SALT, INFO, 'sha256', 42);
    expect(okm.toString('hex')).to.equal('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('RFC 5869 A.3 (SHA-256, empty salt and info)', async () => {
    const okm = await deriveHkdf(IKM, Buffer.alloc(0), Buffer.alloc(0), 'sha256', 42);
    expect(okm.toString('hex')).to.equal('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });

  const others = [
    ['sha384', '9b5097a86038b805309076a44b3a9f38063e25b516dcbf369f394cfab43685f748b6457763e4f0204fc5'],
    ['sha512', '832390086cda71fb47625bb5ceb168e4c8e26a1a16ed34d9fc7fe92c1481579338da362cb8d9f925d7cb'],
  ] as const;
  for (const [hash, expected] of others) {
    it(`RFC 5869 A.1 inputs with ${hash} match the answer and an HMAC-only derivation`, async () => {
      const okm = await deriveHkdf(IKM, SALT, INFO, hash, 42);
      expect(okm.toString('hex')).to.equal(expected);
      expect(referenceHkdf(hash, IKM, SALT, INFO, 42)).to.equal(expected);
    });
  }

  it('the HMAC-only derivation reproduces the RFC answers it is checked by', () => {
    expect(referenceHkdf('sha256', IKM, Buffer.alloc(0), Buffer.alloc(0), 42)).to.equal(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });
});
