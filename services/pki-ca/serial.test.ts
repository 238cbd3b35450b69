import { expect } from 'chai';
import { SERIAL_OCTETS, isSerialHex, newSerialHex } from './serial.ts';

describe('pki-ca serial numbers', () => {
  it('are 32 lowercase hex characters whose first octet is 0x40 to 0x7f (positive, never shortened)', () => {
    for (let index = 0; index < 200; index += 1) {
      const serial = newSerialHex();
      expect(serial).to.match(/^[4-7][0-9a-f]{31}$/);
      expect(isSerialHex(serial)).to.equal(true);
      expect(Buffer.from(serial, 'hex')).to.have.length(SERIAL_OCTETS);
    }
    expect(newSerialHex(() => Buffer.alloc(16, 0xff)).slice(0, 2)).to.equal('7f');
    expect(newSerialHex(() => Buffer.alloc(16, 0)).slice(0, 2)).to.equal('40');
  });

  it('are not repeated', () => {
    const serials = new Set(Array.from({ length: 1000 }, () => newSerialHex()));
    expect(serials.size).to.equal(1000);
  });

  it('recognizes only the written form', () => {
    expect(isSerialHex('4'.repeat(31))).to.equal(false);
    expect(isSerialHex('A'.repeat(32))).to.equal(false);
  });
});
