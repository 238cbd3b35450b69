import { expect } from 'chai';
import { childAt, childrenOf, readElement } from './der.ts';

describe('pki-ca lint DER reader (X.690 §8.1)', () => {
  it('reads short and long form lengths', () => {
    const short = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]);
    expect(readElement(short, 0)).to.deep.equal({ tag: 0x30, start: 0, contentStart: 2, end: 5 });
    expect(childAt(short, readElement(short, 0), 0)).to.deep.equal({ tag: 0x02, start: 2, contentStart: 4, end: 5 });
    const long = new Uint8Array([0x04, 0x82, 0x01, 0x00, ...new Uint8Array(256)]);
    expect(readElement(long, 0)).to.deep.equal({ tag: 0x04, start: 0, contentStart: 4, end: 260 });
    const oneOctet = new Uint8Array([0x04, 0x81, 0x80, ...new Uint8Array(128)]);
    expect(readElement(oneOctet, 0).end).to.equal(131);
    // 0x7f is the longest short form, not a long form.
    expect(readElement(new Uint8Array([0x04, 0x7f, ...new Uint8Array(127)]), 0)).to.deep.equal({ tag: 0x04, start: 0, contentStart: 2, end: 129 });
  });

  it('lists the children of a constructed element in order', () => {
    const bytes = new Uint8Array([0x30, 0x06, 0x17, 0x01, 0x41, 0x18, 0x01, 0x42]);
    expect(childrenOf(bytes, readElement(bytes, 0)).map((child) => [child.tag, child.start])).to.deep.equal([[0x17, 2], [0x18, 5]]);
    expect(childrenOf(new Uint8Array([0x30, 0x00]), readElement(new Uint8Array([0x30, 0x00]), 0))).to.deep.equal([]);
  });

  it('refuses truncated, indefinite and over-long lengths, and a missing child', () => {
    expect(() => readElement(new Uint8Array([]), 0)).to.throw(RangeError, 'DER element truncated');
    expect(() => readElement(new Uint8Array([0x30]), 0)).to.throw(RangeError, 'DER element truncated');
    expect(() => readElement(new Uint8Array([0x30, 0x02, 0x00]), 0)).to.throw(RangeError, 'DER element truncated');
    expect(() => readElement(new Uint8Array([0x30, 0x82, 0x01]), 0)).to.throw(RangeError, 'DER element truncated');
    expect(() => readElement(new Uint8Array([0x30, 0x80, 0x00, 0x00]), 0)).to.throw(RangeError, 'DER length form not supported');
    expect(() => readElement(new Uint8Array([0x30, 0x85, 1, 1, 1, 1, 1]), 0)).to.throw(RangeError, 'DER length form not supported');
    expect(readElement(new Uint8Array([0x30, 0x84, 0, 0, 0, 0]), 0).end).to.equal(6);
    const empty = new Uint8Array([0x30, 0x00]);
    expect(() => childAt(empty, readElement(empty, 0), 0)).to.throw(RangeError, 'DER element has no child 0');
  });
});
