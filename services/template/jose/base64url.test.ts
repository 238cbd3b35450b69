import { expect } from 'chai';
import { decodeBase64url, encodeBase64url } from './base64url.ts';

describe('strict base64url (RFC 7515 §2)', () => {
  it('encodes without padding, over the exact view of the bytes', () => {
    expect(encodeBase64url(Buffer.from([0xfb, 0xff, 0xfe]))).to.equal('-__-');
    expect(encodeBase64url(new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 3))).to.equal('AgM');
    expect(encodeBase64url(new Uint8Array(0))).to.equal('');
  });

  it('decodes canonical text', () => {
    expect(decodeBase64url('-__-')).to.deep.equal(Buffer.from([0xfb, 0xff, 0xfe]));
    expect(decodeBase64url('AgM')).to.deep.equal(Buffer.from([2, 3]));
    expect(decodeBase64url('')).to.deep.equal(Buffer.alloc(0));
  });

  it('refuses padding, foreign characters and non-zero trailing bits', () => {
    const inputs: unknown[] = ['AgM=', 'Ag+M', 'Ag/M', 'A gM', 'AgM.', 'AgN', 'A', 'AgM\n', undefined, 5, null, ['AgM']];
    for (const text of inputs) {
      expect(decodeBase64url(text), JSON.stringify(text)).to.equal(undefined);
    }
  });
});
