import { expect } from 'chai';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { derAscii, derBitString, derBoolean, derContext, derEnumerated, derHeader, derInteger, derIntegerFromHex, derLength, derNull, derOctetString, derOid, derSequence, derTime, derTlv, readDerChildren, readDerElement, unsignedIntegerContent, writeDerTime } from './der.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('pki-ca DER writer', () => {
  describe('lengths (X.690 §8.1.3)', () => {
    const cases: readonly (readonly [number, string])[] = [
      [0, '00'],
      [1, '01'],
      [127, '7f'],
      [128, '8180'],
      [255, '81ff'],
      [256, '820100'],
      [65535, '82ffff'],
      [65536, '83010000'],
      [16_777_216, '8401000000'],
    ];
    for (const [length, expected] of cases) {
      it(`writes length ${String(length)} as ${expected}`, () => {
        expect(hex(derLength(length))).to.equal(expected);
      });
    }

    it('refuses negative, fractional and unsafe lengths', () => {
      expect(() => derLength(-1)).to.throw(RangeError);
      expect(() => derLength(1.5)).to.throw(RangeError);
      expect(() => derLength(Number.MAX_SAFE_INTEGER + 1)).to.throw(RangeError);
    });

    it('puts the long form in front of a 200-byte content, and asn1js reads it back', () => {
      const element = derTlv(0x04, Buffer.alloc(200, 7));
      expect(hex(element.subarray(0, 3))).to.equal('0481c8');
      expect(element.length).to.equal(203);
      const parsed = asn1js.fromBER(element);
      expect(parsed.offset).to.equal(203);
      expect((parsed.result as asn1js.OctetString).valueBlock.valueHexView.length).to.equal(200);
    });

    it('writes a header alone for contents the caller appends', () => {
      expect(hex(derHeader(0x30, 300))).to.equal('3082012c');
    });
  });

  describe('elements', () => {
    it('joins any number of parts as the contents', () => {
      expect(hex(derTlv(0x30))).to.equal('3000');
      expect(hex(derTlv(0x04, Buffer.of(1, 2)))).to.equal('04020102');
      expect(hex(derTlv(0x30, Buffer.of(1), Buffer.of(2, 3)))).to.equal('3003010203');
      expect(hex(derSequence(derNull(), derNull()))).to.equal('300405000500');
    });

    it('writes context tags, primitive and constructed, and refuses numbers outside 0..30', () => {
      expect(hex(derContext(0, true, Buffer.of(5, 0)))).to.equal('a0020500');
      expect(hex(derContext(6, false, Buffer.from('a')))).to.equal('860161');
      expect(hex(derContext(30, false))).to.equal('9e00');
      expect(() => derContext(31, false)).to.throw(RangeError);
      expect(() => derContext(-1, true)).to.throw(RangeError);
    });

    it('writes BOOLEAN, NULL, OCTET STRING, BIT STRING and ENUMERATED', () => {
      expect(hex(derBoolean(true))).to.equal('0101ff');
      expect(hex(derBoolean(false))).to.equal('010100');
      expect(hex(derNull())).to.equal('0500');
      expect(hex(derOctetString(Buffer.of(0xab)))).to.equal('0401ab');
      expect(hex(derBitString(Buffer.of(0xff, 0x01)))).to.equal('030300ff01');
      expect(hex(derEnumerated(1))).to.equal('0a0101');
      expect(hex(derEnumerated(200))).to.equal('0a0200c8');
    });

    it('writes ASCII text under any tag and refuses other text', () => {
      expect(hex(derAscii(0x16, 'a b'))).to.equal('1603612062');
      expect(() => derAscii(0x86, 'https://ca.test/é')).to.throw(RangeError);
      expect(() => derAscii(0x86, 'line\nbreak')).to.throw(RangeError);
    });
  });

  describe('INTEGER (X.690 §8.3)', () => {
    it('writes zero as one zero byte', () => {
      expect(hex(derInteger(0n))).to.equal('020100');
      expect(hex(derIntegerFromHex('0000'))).to.equal('020100');
    });

    it('puts a zero byte before a high bit so the value stays positive', () => {
      expect(hex(derInteger(127n))).to.equal('02017f');
      expect(hex(derInteger(128n))).to.equal('02020080');
      expect(hex(derInteger(0xffffn))).to.equal('020300ffff');
      expect(hex(derIntegerFromHex('80'))).to.equal('02020080');
      expect(hex(derIntegerFromHex('C0FFEE'))).to.equal('020400c0ffee');
    });

    it('drops leading zero bytes and pads odd hex', () => {
      expect(hex(derInteger(256n))).to.equal('02020100');
      expect(hex(derInteger(0x123n))).to.equal('02020123');
      expect(hex(derIntegerFromHex('00007f'))).to.equal('02017f');
      expect(hex(derIntegerFromHex('abc'))).to.equal('02020abc');
      expect(hex(derIntegerFromHex('0080'))).to.equal('02020080');
    });

    it('refuses negative values and text that is not hex', () => {
      expect(() => derInteger(-1n)).to.throw(RangeError, /negative/);
      expect(() => derIntegerFromHex('')).to.throw(RangeError);
      expect(() => derIntegerFromHex('0x12')).to.throw(RangeError);
      expect(() => derIntegerFromHex('-1')).to.throw(RangeError);
    });

    it('gives the minimal content for unsigned bytes', () => {
      expect(hex(unsignedIntegerContent(new Uint8Array(0)))).to.equal('00');
      expect(hex(unsignedIntegerContent(Buffer.of(0, 0)))).to.equal('00');
      expect(hex(unsignedIntegerContent(Buffer.of(0, 0x80)))).to.equal('0080');
      expect(hex(unsignedIntegerContent(Buffer.of(0xff)))).to.equal('00ff');
      expect(hex(unsignedIntegerContent(Buffer.of(0, 0, 0x7f, 0)))).to.equal('7f00');
    });

    it('round-trips any non-negative bigint through asn1js', () => {
      fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 200n) - 1n }), (value) => {
        const encoded = derInteger(value);
        const parsed = asn1js.fromBER(encoded);
        expect(parsed.offset).to.equal(encoded.length);
        expect((parsed.result as asn1js.Integer).toBigInt()).to.equal(value);
        const content = encoded.subarray(2);
        // Minimal: no leading 0x00 unless the next byte has its high bit set.
        if (content.length > 1) expect(content[0] === 0 && (content[1] ?? 0) < 0x80).to.equal(false);
      }), { numRuns: 300 });
    });
  });

  describe('OBJECT IDENTIFIER (X.690 §8.19)', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['2.5.29.20', '0603551d14'],
      ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'],
      ['1.2.840.113549.1.1.11', '06092a864886f70d01010b'],
      ['1.3.101.112', '06032b6570'],
      ['2.999.3', '0603883703'],
      ['0.0', '060100'],
    ];
    for (const [dotted, expected] of cases) {
      it(`writes ${dotted}`, () => {
        expect(hex(derOid(dotted))).to.equal(expected);
        expect((asn1js.fromBER(derOid(dotted)).result as asn1js.ObjectIdentifier).getValue()).to.equal(dotted);
      });
    }

    it('refuses text that is no object identifier', () => {
      for (const bad of ['', '1', '3.1', '1.40', '0.40.1', '1.2.', '1..2', '1.02', 'a.b']) expect(() => derOid(bad), bad).to.throw(RangeError);
    });
  });

  describe('times (RFC 5280 §5.1.2.4–6, §4.1.2.5)', () => {
    const cases: readonly (readonly [string, number, string])[] = [
      ['2026-12-03T14:05:09.999Z', 0x17, '261203140509Z'],
      ['2049-12-31T23:59:59Z', 0x17, '491231235959Z'],
      ['2050-01-01T00:00:00Z', 0x18, '20500101000000Z'],
      ['1950-01-01T00:00:00Z', 0x17, '500101000000Z'],
      ['1949-12-31T23:59:59Z', 0x18, '19491231235959Z'],
      ['2000-02-29T01:02:03Z', 0x17, '000229010203Z'],
      ['9999-12-31T23:59:59Z', 0x18, '99991231235959Z'],
      ['0001-01-01T00:00:00Z', 0x18, '00010101000000Z'],
    ];
    for (const [iso, tag, text] of cases) {
      it(`writes ${iso} as ${tag === 0x17 ? 'UTCTime' : 'GeneralizedTime'} ${text}`, () => {
        const encoded = derTime(new Date(iso));
        expect(encoded[0]).to.equal(tag);
        expect(encoded[1]).to.equal(text.length);
        expect(encoded.subarray(2).toString('latin1')).to.equal(text);
      });
    }

    it('writes in place at an offset and says how many bytes it wrote', () => {
      const target = Buffer.alloc(40, 0xee);
      expect(writeDerTime(new Date('2030-06-15T12:00:00Z'), target, 5)).to.equal(15);
      expect(target.subarray(5, 20).subarray(2).toString('latin1')).to.equal('300615120000Z');
      expect(target[4]).to.equal(0xee);
      expect(target[20]).to.equal(0xee);
      expect(writeDerTime(new Date('2050-06-15T12:00:00Z'), target, 20)).to.equal(17);
    });

    it('refuses invalid dates and years outside 0000-9999', () => {
      expect(() => derTime(new Date(Number.NaN))).to.throw(RangeError, /invalid/);
      expect(() => derTime(new Date('+010000-01-01T00:00:00Z'))).to.throw(RangeError, /year/);
      expect(() => derTime(new Date('-000001-01-01T00:00:00Z'))).to.throw(RangeError, /year/);
    });

    it('is read back by asn1js as the same second', () => {
      const date = new Date('2031-03-04T05:06:07Z');
      expect((asn1js.fromBER(derTime(date)).result as asn1js.UTCTime).toDate().getTime()).to.equal(date.getTime());
      const late = new Date('2061-03-04T05:06:07Z');
      expect((asn1js.fromBER(derTime(late)).result as asn1js.GeneralizedTime).toDate().getTime()).to.equal(late.getTime());
    });
  });

  describe('reading', () => {
    it('reads an element and its children, short and long form, at an offset', () => {
      const inner = derOctetString(Buffer.alloc(130, 1));
      const outer = derSequence(derNull(), inner);
      const element = readDerElement(Buffer.concat([Buffer.of(0xff), outer]), 1);
      expect(element.tag).to.equal(0x30);
      expect(hex(element.encoded)).to.equal(hex(outer));
      const children = readDerChildren(element.content);
      expect(children.map((child) => child.tag)).to.deep.equal([0x05, 0x04]);
      expect(children[1]?.content.length).to.equal(130);
      expect(readDerChildren(new Uint8Array(0))).to.deep.equal([]);
    });

    it('refuses truncated elements, indefinite and overlong length forms', () => {
      expect(() => readDerElement(Buffer.of(0x30))).to.throw(RangeError, /truncated/);
      expect(() => readDerElement(Buffer.of(0x30, 0x03, 0x05, 0x00))).to.throw(RangeError, /truncated/);
      expect(() => readDerElement(Buffer.of(0x04, 0x82, 0x01))).to.throw(RangeError, /truncated/);
      expect(() => readDerElement(Buffer.of(0x30, 0x80, 0x00, 0x00))).to.throw(RangeError, /length form/);
      expect(() => readDerElement(Buffer.of(0x30, 0x87, 1, 1, 1, 1, 1, 1, 1))).to.throw(RangeError, /length form/);
    });
  });
});
