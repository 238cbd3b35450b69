// @ts-nocheck
import { expect } from 'chai';
import { derivePbkdf2 } from './pbkdf2.ts';

// PBKDF2-HMAC-SHA-2 vectors in the style of RFC 6070 ("password"/"salt"), as republished for
// SHA-256/384/512 (e.g. by the Cryptography Stack Exchange answer collecting them); checked
// against Node's OpenSSL as well.
const VECTORS = [
  ['sha256', 'password', 'salt', 1, 32, '120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b'],
  ['sha256', 'password', 'salt', 2, 32, 'ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43'],
  ['sha256', 'password', 'salt', 4096, 32, 'c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a'],
  ['sha256', 'passwordPASSWORDpassword', 'saltSALTsaltSALTsaltSALTsaltSALTsalt', 4096, 40,
    '348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9'],
  ['sha384', 'password', 'salt', 1, 48, 'c0e14f06e49e32d73f9f52ddf1d0c5c7191609233631dadd76a567db42b78676b38fc800cc53ddb642f5c74442e62be4'],
  ['sha384', 'password', 'salt', 2, 48, '54f775c6d790f21930459162fc535dbf04a939185127016a04176a0730c6f1f4fb48832ad1261baadd2cedd50814b1c8'],
  ['sha384', 'password', 'salt', 4096, 48, '559726be38db125bc85ed7895f6e3cf574c7a01c080c3447db1e8a76764deb3c307b94853fbe424f6488c5f4f1289626'],
  ['sha512', 'password', 'salt', 1, 64,
    '867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce'],
  ['sha512', 'password', 'salt', 2, 64,
    'e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53cf76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e'],
  ['sha512', 'password', 'salt', 4096, 64,
    'd197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5'],
] as const;

describe('PBKDF2-HMAC-SHA-2 known answers (RFC 8018 §5.2)', () => {
  for (const [hash, password, salt, iterations, length, expected] of VECTORS) {
    it(`${hash} "${password}" c=${iterations} dkLen=${length}`, async () => {
      const derived = await derivePbkdf2(Buffer.from(password), Buffer.from(salt), iterations, hash, length);
      expect(derived.toString('hex')).to.equal(expected);
    });
  }
});
