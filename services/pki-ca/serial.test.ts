import { expect } from 'chai';
import { isSerialHex, newSerialHex } from './serial.ts';

describe('pki-ca serial numbers', () => {
  it('are 32 lowercase hex characters whose first byte is 0x40-0x7f', () => {
    for (let index = 0; index < 50; index += 1) {
      const serial = newSerialHex();
      expect(isSerialHex(serial)).to.equal(true);
      expect(Number.parseInt(serial.slice(0, 2), 16)).to.be.within(0x40, 0x7f);
    }
    expect(newSerialHex(() => Buffer.alloc(16, 0xff)).slice(0, 2)).to.equal('7f');
    expect(newSerialHex(() => Buffer.alloc(16, 0)).slice(0, 2)).to.equal('40');
    expect(isSerialHex('4'.repeat(31))).to.equal(false);
    expect(isSerialHex('A'.repeat(32))).to.equal(false);
  });
});
