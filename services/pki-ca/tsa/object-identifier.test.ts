import * as asn1js from 'asn1js';
import { expect } from 'chai';
import { objectIdentifierOf, objectIdentifierText } from './object-identifier.ts';
import { DEFAULT_TSA_POLICY } from './response.ts';

describe('OBJECT IDENTIFIER text (X.690 §8.19)', function () {
  it('reads the first two arcs out of the first sub-identifier, for each top arc', function () {
    expect(objectIdentifierText(Uint8Array.of(0x00))).to.equal('0.0');
    expect(objectIdentifierText(Uint8Array.of(0x27, 0x05))).to.equal('0.39.5');
    expect(objectIdentifierText(Uint8Array.of(0x2b, 0x06, 0x01))).to.equal('1.3.6.1');
    expect(objectIdentifierText(Uint8Array.of(0x60, 0x86, 0x48))).to.equal('2.16.840');
    expect(objectIdentifierText(Uint8Array.of(0x81, 0x00))).to.equal('2.48');
  });

  it('keeps arcs beyond 2^53 exact, as the UUID arc of the default TSA policy needs', function () {
    const block = asn1js.fromBER(new asn1js.ObjectIdentifier({ value: DEFAULT_TSA_POLICY }).toBER()).result;
    expect(block).to.be.instanceOf(asn1js.ObjectIdentifier);
    expect(objectIdentifierOf(block as asn1js.ObjectIdentifier)).to.equal(DEFAULT_TSA_POLICY);
  });

  it('refuses content that is empty or ends inside a sub-identifier', function () {
    expect(() => objectIdentifierText(new Uint8Array(0))).to.throw(RangeError);
    expect(() => objectIdentifierText(Uint8Array.of(0x2b, 0x86))).to.throw(RangeError);
  });
});
