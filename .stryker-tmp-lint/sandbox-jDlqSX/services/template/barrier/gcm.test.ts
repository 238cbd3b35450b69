// @ts-nocheck
import { expect } from 'chai';
import { GCM_OVERHEAD, IV_BYTES, KEY_BYTES, open, seal, sealInto, TAG_BYTES } from './gcm.ts';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13, 14 and 16 (AES-256).
const VECTORS = [
  {
    name: 'test case 13 (empty plaintext)',
    key: hex('00'.repeat(32)),
    iv: hex('00'.repeat(12)),
    aad: hex(''),
    plaintext: hex(''),
    ciphertext: hex(''),
    tag: hex('530f8afbc74536b9a963b4f1c4cb738b'),
  },
  {
    name: 'test case 14',
    key: hex('00'.repeat(32)),
    iv: hex('00'.repeat(12)),
    aad: hex(''),
    plaintext: hex('00'.repeat(16)),
    ciphertext: hex('cea7403d4d606b6e074ec5d3baf39d18'),
    tag: hex('d0d1c8a799996bf0265b98b5d48ab919'),
  },
  {
    name: 'test case 16 (with AAD)',
    key: hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'),
    iv: hex('cafebabefacedbaddecaf888'),
    aad: hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
    plaintext: hex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39'),
    ciphertext: hex('522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662'),
    tag: hex('76fc6ece0f4e1768cddf8853bb2d551b'),
  },
] as const;

describe('AES-256-GCM layer (NIST SP 800-38D)', () => {
  it('uses a 32-byte key, a 96-bit IV and a 128-bit tag', () => {
    expect([KEY_BYTES, IV_BYTES, TAG_BYTES, GCM_OVERHEAD]).to.deep.equal([32, 12, 16, 28]);
  });

  for (const vector of VECTORS) {
    it(`opens the known answer of ${vector.name}`, () => {
      const sealed = Buffer.concat([vector.iv, vector.ciphertext, vector.tag]);
      expect(open(vector.key, sealed, vector.aad)).to.deep.equal(vector.plaintext);
    });
  }

  it('seals as iv ‖ ciphertext ‖ tag, matching the known answer for the IV it drew', () => {
    const vector = VECTORS[2];
    const sealed = seal(vector.key, vector.plaintext, vector.aad);
    expect(sealed.length).to.equal(vector.plaintext.length + 28);
    expect(open(vector.key, sealed, vector.aad)).to.deep.equal(vector.plaintext);
    // Same key, same plaintext, a fresh IV: a different ciphertext every time.
    expect(seal(vector.key, vector.plaintext, vector.aad).subarray(0, 12)).to.not.deep.equal(sealed.subarray(0, 12));
  });

  it('writes into a buffer at an offset, leaving the bytes around it alone', () => {
    const key = Buffer.alloc(32, 1);
    const out = Buffer.alloc(4 + 28 + 5 + 3, 0xee);
    sealInto(key, Buffer.from('hello'), Buffer.from('aad'), out, 4);
    expect(out.subarray(0, 4)).to.deep.equal(Buffer.alloc(4, 0xee));
    expect(out.subarray(37)).to.deep.equal(Buffer.alloc(3, 0xee));
    expect(open(key, out.subarray(4, 37), Buffer.from('aad'))?.toString()).to.equal('hello');
  });

  it('refuses a wrong key, a wrong AAD, any flipped bit and anything shorter than IV and tag', () => {
    const vector = VECTORS[2];
    const sealed = Buffer.concat([vector.iv, vector.ciphertext, vector.tag]);
    expect(open(Buffer.alloc(32), sealed, vector.aad)).to.equal(undefined);
    expect(open(vector.key, sealed, Buffer.concat([vector.aad, Buffer.of(0)]))).to.equal(undefined);
    expect(open(vector.key, sealed, Buffer.alloc(0))).to.equal(undefined);
    for (let index = 0; index < sealed.length; index += 1) {
      const tampered = Buffer.from(sealed);
      tampered[index] = (tampered[index] ?? 0) ^ 0x80;
      expect(open(vector.key, tampered, vector.aad), `byte ${index}`).to.equal(undefined);
    }
    expect(open(vector.key, sealed.subarray(0, sealed.length - 1), vector.aad)).to.equal(undefined);
    for (let length = 0; length < 28; length += 1) {
      expect(open(vector.key, sealed.subarray(0, length), vector.aad), `${length} bytes`).to.equal(undefined);
    }
    const empty = seal(vector.key, Buffer.alloc(0), Buffer.alloc(0));
    expect(open(vector.key, empty, Buffer.alloc(0))).to.deep.equal(Buffer.alloc(0));
    expect(open(vector.key, empty.subarray(0, 27), Buffer.alloc(0))).to.equal(undefined);
  });
});
